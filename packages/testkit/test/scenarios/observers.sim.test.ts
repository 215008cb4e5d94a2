/**
 * Scenario family: observers (DESIGN.md §4 "Observers receive committed transactions, never
 * vote, never count for a quorum").
 *
 * Goal: in a 3-voter + 1-observer ensemble the observer learns every committed transaction (by
 * INFORM) and reaches the voters' digest; it never proposes itself, never leads, and never
 * counts toward a quorum: with 2 of the 3 voters down nothing commits even though the observer
 * is up and clients keep writing to it; when a voter returns, commits resume and the observer
 * catches up, including after its own restart.
 *
 * Method: deliveries to the observer are recorded (it must get INFORMs and never a PROPOSAL),
 * its role is sampled after every simulation event, and the global committed count is compared
 * across a 2-second outage.
 */
import { serverId } from "@zab/core";
import { describe, expect, it } from "vitest";
import { commitWrites, expectConverged, proposeMany, settle, startEnsemble } from "./helpers.js";

describe("observers", () => {
  it("3 voters + 1 observer: the observer applies everything and never counts for a quorum", () => {
    const { sim, leader } = startEnsemble({ seed: 11_001, voters: 3, observers: 1 });
    const observer = serverId(4);
    expect(sim.node(observer)?.role).toBe("observing");
    const received = new Map<string, number>();
    const votesFor = new Set<number>();
    sim.onDeliver((from, to, message) => {
      if (to === observer) received.set(message.kind, (received.get(message.kind) ?? 0) + 1);
      if (from === observer && message.kind === "ack") throw new Error("an observer acknowledged a proposal");
      // (The observer's own looking notifications name itself; voters ignore votes for non-voters.)
      if (from !== observer && message.kind === "notification" && message.state === "looking") {
        votesFor.add(message.leader);
      }
    });
    const observerRoles = new Set<string>();
    const watchRoles = (ms: number): void => {
      sim.runUntil(() => {
        const role = sim.node(observer)?.role;
        if (role !== undefined) observerRoles.add(role);
        return false;
      }, ms);
    };

    // Writes handed to the observer are refused (it does not forward); writes at voters commit.
    const atObserver = proposeMany(sim, observer, 3);
    expect(atObserver).toEqual([]);
    commitWrites(sim, 30);
    watchRoles(100);
    expectConverged(sim);
    expect(sim.machine(observer).digest()).toBe(sim.machine(leader).digest());
    expect(received.get("inform") ?? 0).toBeGreaterThanOrEqual(30);
    expect(received.get("proposal") ?? 0).toBe(0);

    // Two voters down: the remaining voter and the observer are two live members of four, but
    // only one of three votes.
    const [downA, downB] = sim.memberIds.filter((id) => id !== leader && id !== observer);
    if (downA === undefined || downB === undefined) throw new Error("two followers");
    sim.crash(downA);
    sim.crash(downB);
    const committedBefore = sim.checker.committedCount;
    const stalled: Uint8Array[] = [];
    const end = sim.now + 2_000;
    while (sim.now < end) {
      stalled.push(...proposeMany(sim, leader, 1), ...proposeMany(sim, observer, 1));
      watchRoles(20);
    }
    expect(sim.checker.committedCount, "nothing commits with one voter and an observer").toBe(
      committedBefore,
    );
    expect(sim.hasServingQuorum()).toBe(false);
    expect(sim.leader()).toBeUndefined();

    // One voter back: commits resume, and the observer follows them.
    sim.restart(downA);
    settle(sim);
    commitWrites(sim, 10);
    expectConverged(sim);
    sim.restart(downB);
    sim.crash(observer);
    commitWrites(sim, 10);
    sim.restart(observer);
    settle(sim);
    commitWrites(sim, 5);
    expectConverged(sim);
    expect(sim.node(observer)?.role).toBe("observing");
    watchRoles(50);

    expect([...observerRoles].sort()).toEqual(["looking", "observing"]);
    expect(votesFor.has(observer), "no voter ever voted for the observer").toBe(false);
    for (const record of sim.leaderships) expect(record.leader).not.toBe(observer);
  });
});
