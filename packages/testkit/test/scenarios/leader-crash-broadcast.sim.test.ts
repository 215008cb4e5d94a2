/**
 * Scenario family: the leader crashes in the middle of broadcast (reliability.md §6 C.21).
 *
 * Goal: a write any client saw committed survives the loss of the leader; a write the leader
 * proposed but that never reached a quorum is either committed everywhere or nowhere; the
 * ensemble elects a new leader and keeps committing; the old leader rejoins and converges.
 *
 * Method: a 5-voter ensemble commits a base, then clients hand a burst of writes to the leader
 * and to followers (which forward them), and the leader is crashed a few virtual milliseconds
 * later, while proposals, ACKs and COMMITs are in flight and its own appends may be half-written.
 * The crash point varies over a fixed list of delays, each with its own fixed seed. What clients
 * saw committed is sampled just before the crash and checked on every member afterwards.
 */
import { type ServerId, serverId } from "@zab/core";
import { describe, expect, it } from "vitest";
import {
  committedLog,
  commitWrites,
  expectConverged,
  expectOneLeaderPerEpoch,
  proposeMany,
  settle,
  startEnsemble,
  text,
} from "./helpers.js";

const CRASH_DELAYS = [0, 1, 2, 3, 5, 8, 13];

/** What one crash point exercised beyond the properties it asserts. */
interface Coverage {
  /** Burst writes not committed at the crash that the new leader committed. */
  readonly recoveredAfterCrash: number;
  /** Writes on the old leader's disk at the crash that were later cut from it. */
  readonly cutFromOldLeader: number;
}

/** One crash point, with every assertion of the scenario. */
function crashDuringBurst(delay: number): Coverage {
  const { sim, leader: oldLeader } = startEnsemble({ seed: 1_000 + delay, voters: 5 });
  const base = commitWrites(sim, 10);

  // A burst of writes, some at the leader, some forwarded by followers.
  const followers = sim.memberIds.filter((id) => id !== oldLeader);
  const burst: Uint8Array[] = [...proposeMany(sim, oldLeader, 6)];
  for (const follower of followers) burst.push(...proposeMany(sim, follower, 1));
  sim.run(delay);

  const seenCommitted = [...base, ...burst].filter((p) => sim.checker.isCommitted(p)).map(text);
  sim.crash(oldLeader);
  const onOldDisk = new Set(sim.disk(oldLeader).txns.map((txn) => text(txn.payload)));

  const newLeader = settle(sim);
  expect(newLeader).not.toBe(oldLeader);
  expectConverged(sim);
  for (const id of sim.liveIds) {
    const log = new Set(committedLog(sim, id).map(([, payload]) => payload));
    for (const payload of seenCommitted) expect(log.has(payload), `${payload} committed on ${id}`).toBe(true);
  }

  // The ensemble keeps committing under the new leader.
  const after = commitWrites(sim, 10);
  expect(after.every((p) => sim.checker.isCommitted(p))).toBe(true);

  // The old leader rejoins; its uncommitted tail (if any) is cut, everyone agrees.
  sim.restart(oldLeader);
  settle(sim);
  expectConverged(sim);
  const all: ServerId[] = sim.memberIds;
  for (const id of all) {
    const node = sim.node(id);
    expect(node?.committedZxid, `member ${id} has nothing uncommitted on disk`).toBe(sim.disk(id).lastZxid);
  }
  // Agreement on every write of the burst: committed on every member or on none.
  const logs = all.map((id) => new Set(committedLog(sim, id).map(([, payload]) => payload)));
  for (const payload of burst.map(text)) {
    const holders = logs.filter((log) => log.has(payload)).length;
    expect([0, all.length], `${payload} on ${holders} members`).toContain(holders);
  }
  expectOneLeaderPerEpoch(sim);

  const finallyCommitted = burst.filter((p) => sim.checker.isCommitted(p)).map(text);
  return {
    recoveredAfterCrash: finallyCommitted.filter((p) => !seenCommitted.includes(p)).length,
    cutFromOldLeader: [...onOldDisk].filter((p) => !logs[0]?.has(p)).length,
  };
}

describe("leader crash during broadcast", () => {
  it.each(CRASH_DELAYS)(
    "leader crashes %i ms after a burst of writes: acknowledged writes survive and the ensemble keeps committing",
    (delay) => {
      crashDuringBurst(delay);
    },
  );

  it("the crash points include a write recovered by the new leader and a tail cut from the old one", () => {
    // Re-runs every crash point (they are deterministic) so that this test stands on its own.
    const runs = CRASH_DELAYS.map(crashDuringBurst);
    expect(runs.reduce((n, r) => n + r.recoveredAfterCrash, 0)).toBeGreaterThan(0);
    expect(runs.reduce((n, r) => n + r.cutFromOldLeader, 0)).toBeGreaterThan(0);
  });

  it("leader crashes while its own append of the newest proposals is still in flight", () => {
    const { sim, leader } = startEnsemble({ seed: 1_100, voters: 5 });
    commitWrites(sim, 5);
    proposeMany(sim, leader, 5);
    // Strike while the leader's disk still holds an unfinished append.
    const inFlight = sim.runUntil(() => sim.disk(leader).inFlight.some((w) => w.write.kind === "append"), 50);
    expect(inFlight).toBe(true);
    const committedBefore = sim.checker.committedCount;
    sim.crash(leader);
    settle(sim);
    const more = commitWrites(sim, 5);
    expect(sim.checker.committedCount).toBeGreaterThanOrEqual(committedBefore + more.length);
    sim.restart(leader);
    settle(sim);
    expectConverged(sim);
    expect(sim.node(serverId(leader))?.role).toBe("following");
  });
});
