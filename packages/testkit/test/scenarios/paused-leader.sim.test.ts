/**
 * Scenario family: a leader that freezes (SIGSTOP, a long GC pause) and a leader cut off by a
 * silent, half-open partition (reliability.md §6 A.9, F.41, H.49).
 *
 * Goal: nobody tells the followers that their leader is gone, so they must notice through their
 * own sync limit, elect a new leader of a later epoch and keep committing. When the old leader
 * wakes up or the partition heals, it must not commit anything on its own, it learns of the new
 * epoch, cuts whatever it logged alone, and converges. At most one member establishes each epoch.
 *
 * Method: 3- and 5-voter ensembles commit a base; the leader is paused (or silently partitioned)
 * for much longer than the sync limit while clients keep writing to it and to the others; then it
 * resumes (or the partition heals) and the ensemble must converge with every committed write.
 */
import type { ServerId } from "@zab/core";
import { describe, expect, it } from "vitest";
import type { Simulation } from "../../src/sim/simulation.js";
import { commitWrites, expectConverged, expectOneLeaderPerEpoch, settle, startEnsemble } from "./helpers.js";

/** Runs until the given members serve under a leader other than `old`; returns it. */
function electedWithout(sim: Simulation, members: readonly ServerId[], old: ServerId): ServerId {
  const serving = () => {
    const leader = sim.node(members[0] ?? old)?.leader;
    if (leader === undefined || leader === old) return false;
    return members.every((id) => sim.node(id)?.phase === "broadcast" && sim.node(id)?.leader === leader);
  };
  expect(sim.runUntil(serving, 5_000), "the others elect a new leader").toBe(true);
  const leader = sim.node(members[0] ?? old)?.leader;
  if (leader === undefined) throw new Error("elected leader");
  return leader;
}

/** Proposes at `at` while it still believes it leads; returns the payloads it took as leader. */
function proposeAsStaleLeader(sim: Simulation, at: ServerId, count: number): Uint8Array[] {
  const taken: Uint8Array[] = [];
  for (let i = 0; i < count; i += 1) {
    const payload = sim.nextPayload();
    if (sim.propose(at, payload)?.kind === "proposed") taken.push(payload);
  }
  return taken;
}

describe("a leader nobody hears from anymore", () => {
  it.each([
    { voters: 3, seed: 9_101 },
    { voters: 5, seed: 9_102 },
  ])(
    "paused leader among $voters voters: the others elect a new one; it rejoins without committing alone",
    ({ voters, seed }) => {
      const { sim, leader: frozen } = startEnsemble({ seed, voters });
      commitWrites(sim, 5);
      const oldEpoch = sim.node(frozen)?.epoch ?? 0;
      sim.pause(frozen);
      const others = sim.memberIds.filter((id) => id !== frozen);
      // The followers hear nothing, and nobody closes their channel: only their timeouts help.
      const newLeader = electedWithout(sim, others, frozen);
      expect(sim.node(newLeader)?.epoch ?? 0).toBeGreaterThan(oldEpoch);
      const committedDuringPause = commitWrites(sim, 10);
      // The frozen leader wakes up still believing it leads, and takes writes as a leader.
      sim.resume(frozen);
      expect(sim.node(frozen)?.role).toBe("leading");
      const stale = proposeAsStaleLeader(sim, frozen, 5);
      expect(stale.length).toBe(5);
      settle(sim, sim.memberIds, 5_000);
      sim.run(200);
      for (const payload of committedDuringPause) expect(sim.checker.isCommitted(payload)).toBe(true);
      // It had no quorum behind it: none of those writes may ever commit.
      for (const payload of stale) expect(sim.checker.isCommitted(payload)).toBe(false);
      expect(sim.node(frozen)?.leader).toBe(newLeader);
      expectConverged(sim);
      expectOneLeaderPerEpoch(sim);
    },
  );

  it("silent partition of the leader: followers time out, elect anew, and the old leader converges on heal", () => {
    const { sim, leader: cutOff } = startEnsemble({ seed: 9_103, voters: 3 });
    commitWrites(sim, 5);
    const oldEpoch = sim.node(cutOff)?.epoch ?? 0;
    sim.partition([[cutOff]], { silent: true });
    const lonely = proposeAsStaleLeader(sim, cutOff, 5);
    expect(lonely.length).toBe(5);
    const others = sim.memberIds.filter((id) => id !== cutOff);
    const newLeader = electedWithout(sim, others, cutOff);
    expect(sim.node(newLeader)?.epoch ?? 0).toBeGreaterThan(oldEpoch);
    // Cut off, the old leader cannot commit: it steps down once it misses its quorum's pings.
    expect(sim.node(cutOff)?.role).not.toBe("leading");
    const committed = commitWrites(sim, 5);
    sim.heal();
    settle(sim, sim.memberIds, 5_000);
    for (const payload of committed) expect(sim.checker.isCommitted(payload)).toBe(true);
    for (const payload of lonely) expect(sim.checker.isCommitted(payload)).toBe(false);
    expectConverged(sim);
    expectOneLeaderPerEpoch(sim);
  });
});
