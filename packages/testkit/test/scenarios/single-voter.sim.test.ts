/**
 * Scenario: an ensemble of one voter (ZooKeeper's standalone mode, and what `zab serve` with a
 * single member runs).
 *
 * Goal: a lone voter is its own quorum. It must elect itself without any peer's notification,
 * commit what clients write, recover everything after a crash (its own log is the only copy), and
 * lead observers, who learn every commit and never vote.
 *
 * Method: the deterministic simulator with 1 voter, alone and with 2 observers; writes, a crash
 * with writes in flight, a restart; the invariants are checked on every event.
 */
import { serverId } from "@zab/core";
import { describe, expect, it } from "vitest";
import { Simulation } from "../../src/sim/simulation.js";

describe("a single voter", () => {
  it("elects itself, commits, and recovers every committed write after a crash", () => {
    const sim = new Simulation({ seed: 21_001, voters: 1 });
    const voter = serverId(1);
    expect(sim.runUntil(() => sim.hasServingQuorum(), 2_000)).toBe(true);
    expect(sim.leader()).toBe(voter);
    for (let i = 0; i < 20; i += 1) sim.propose(voter);
    expect(sim.runUntil(() => sim.checker.committedCount === 20, 2_000)).toBe(true);
    // Writes in flight at the crash may be lost; committed ones may not.
    for (let i = 0; i < 5; i += 1) sim.propose(voter);
    const committed = sim.checker.committedCount;
    sim.crash(voter);
    sim.restart(voter);
    expect(sim.runUntil(() => sim.hasServingQuorum(), 2_000)).toBe(true);
    expect(sim.machine(voter).lastZxid).toBeGreaterThanOrEqual(sim.checker.lastCommittedZxid);
    expect(sim.checker.committedCount).toBeGreaterThanOrEqual(committed);
    // A new epoch: the restarted voter leads again and commits.
    expect(sim.node(voter)?.epoch).toBe(2);
    sim.propose(voter);
    expect(sim.runUntil(() => sim.checker.committedCount > committed, 2_000)).toBe(true);
  });

  it("leads observers, who apply every commit and never make a quorum of their own", () => {
    const sim = new Simulation({ seed: 21_002, voters: 1, observers: 2 });
    const voter = serverId(1);
    const observers = [serverId(2), serverId(3)];
    expect(sim.runUntil(() => observers.every((id) => sim.node(id)?.phase === "broadcast"), 2_000)).toBe(
      true,
    );
    for (let i = 0; i < 10; i += 1) sim.propose(voter);
    const caughtUp = () =>
      sim.checker.committedCount === 10 &&
      observers.every((id) => sim.machine(id).lastZxid === sim.machine(voter).lastZxid);
    expect(sim.runUntil(caughtUp, 2_000)).toBe(true);
    for (const id of observers) expect(sim.machine(id).digest()).toBe(sim.machine(voter).digest());
    // Without the voter, observers elect nobody and commit nothing.
    sim.crash(voter);
    sim.run(1_000);
    expect(sim.leader()).toBeUndefined();
    for (const id of observers) expect(sim.node(id)?.role).not.toBe("leading");
  });
});
