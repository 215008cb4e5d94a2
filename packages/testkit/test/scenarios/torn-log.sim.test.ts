/**
 * Scenario family: a member restarts with a torn log tail (reliability.md §6 D.24 and D.26).
 *
 * Goal: a crash in the middle of log appends loses the writes still in flight, except that a
 * prefix of the first in-flight append may survive (a partially flushed page cache). Nothing the
 * member acknowledged is lost, because it only ACKs durable writes; on restart it recovers a
 * hole-free log, rejoins, cuts or completes its tail through synchronization, and converges.
 *
 * Method: a 3-voter ensemble commits a base, then a burst of writes is proposed and the member
 * (a follower, or the leader) is crashed at a point where its disk holds in-flight appends:
 * either as soon as at least two appends are in flight, or from the disk-completion hook right
 * after one append reached the disk and before the member learned it was durable. The durable
 * point before the crash bounds what must survive; the survivors must include every write any
 * client saw committed. Several fixed seeds vary which prefix of the in-flight append survives.
 */
import type { ServerId, Zxid } from "@zab/core";
import { describe, expect, it } from "vitest";
import type { Simulation } from "../../src/sim/simulation.js";
import {
  committedLog,
  commitWrites,
  expectConverged,
  proposeMany,
  settle,
  startEnsemble,
  text,
} from "./helpers.js";

const FOLLOWER_SEEDS = [5_001, 5_002, 5_003, 5_004, 5_005, 5_006];
const LEADER_SEEDS = [5_011, 5_012, 5_013, 5_014];

/** What a crash did to the in-flight writes. */
interface Torn {
  /** A prefix of an in-flight append survived. */
  readonly keptPart: boolean;
  /** Some issued appends were lost. */
  readonly lostSome: boolean;
}

function inFlightAppends(sim: Simulation, id: ServerId): number {
  return sim.disk(id).inFlight.filter((entry) => entry.write.kind === "append").length;
}

/** Crashes `victim`, checks the disk kept everything durable and at most what was issued. */
function crashMidAppend(sim: Simulation, victim: ServerId): Torn {
  const durable = sim.disk(victim).lastZxid;
  const node = sim.node(victim);
  if (node === undefined) throw new Error("the victim is up");
  const logged = node.lastLoggedZxid;
  // Everything the member ever acknowledged is durable.
  expect(node.durableZxid).toBeLessThanOrEqual(durable);
  sim.crash(victim);
  const after: Zxid = sim.disk(victim).lastZxid;
  expect(after).toBeGreaterThanOrEqual(durable);
  expect(after).toBeLessThanOrEqual(logged);
  return { keptPart: after > durable, lostSome: after < logged };
}

function rejoinAndConverge(sim: Simulation, victim: ServerId, seenCommitted: readonly string[]): void {
  sim.restart(victim);
  settle(sim);
  const more = commitWrites(sim, 5);
  expectConverged(sim);
  for (const id of sim.memberIds) {
    const log = committedLog(sim, id).map(([, payload]) => payload);
    expect(log).toEqual(expect.arrayContaining([...seenCommitted, ...more.map(text)]));
    expect(sim.disk(id).lastZxid, `member ${id} holds nothing uncommitted`).toBe(sim.node(id)?.committedZxid);
  }
}

function followerCrash(seed: number): Torn {
  const { sim, leader } = startEnsemble({ seed, voters: 3 });
  commitWrites(sim, 5);
  const victim = sim.memberIds.find((id) => id !== leader);
  if (victim === undefined) throw new Error("a follower");
  const burst = proposeMany(sim, leader, 8);
  expect(
    sim.runUntil(() => inFlightAppends(sim, victim) >= 2, 100),
    "two appends in flight",
  ).toBe(true);
  const seen = burst.filter((p) => sim.checker.isCommitted(p)).map(text);
  const torn = crashMidAppend(sim, victim);
  rejoinAndConverge(sim, victim, seen);
  // The leader and the other follower still form a quorum: the burst commits regardless.
  for (const payload of burst) expect(sim.checker.isCommitted(payload)).toBe(true);
  return torn;
}

function leaderCrash(seed: number): Torn {
  const { sim, leader } = startEnsemble({ seed, voters: 3 });
  commitWrites(sim, 5);
  const burst = proposeMany(sim, leader, 8);
  expect(sim.runUntil(() => inFlightAppends(sim, leader) >= 2, 100)).toBe(true);
  const seen = burst.filter((p) => sim.checker.isCommitted(p)).map(text);
  const torn = crashMidAppend(sim, leader);
  settle(sim);
  rejoinAndConverge(sim, leader, seen);
  return torn;
}

describe("member restarts with a torn log", () => {
  it.each(FOLLOWER_SEEDS)(
    "follower crashes with two or more appends in flight (seed %i): it recovers a hole-free log and converges",
    (seed) => {
      followerCrash(seed);
    },
  );

  it.each(LEADER_SEEDS)(
    "leader crashes with appends in flight (seed %i): survivors keep what was committed, the old leader's tail is repaired",
    (seed) => {
      leaderCrash(seed);
    },
  );

  it("follower crashes between an append reaching its disk and learning it is durable: it rejoins and converges", () => {
    const { sim, leader } = startEnsemble({ seed: 5_021, voters: 3 });
    commitWrites(sim, 5);
    const victim = sim.memberIds.find((id) => id !== leader);
    if (victim === undefined) throw new Error("a follower");
    let struckAt: Zxid | undefined;
    sim.onDurable((member, write) => {
      if (struckAt !== undefined || member !== victim || write.kind !== "append") return;
      if (sim.disk(victim).inFlight.length === 0) return;
      struckAt = write.txns.at(-1)?.zxid;
      // Not yet reported durable: no ACK for it was sent.
      expect(sim.node(victim)?.durableZxid).toBeLessThan(struckAt ?? 0n);
      crashMidAppend(sim, victim);
    });
    const burst = proposeMany(sim, leader, 8);
    expect(sim.runUntil(() => struckAt !== undefined, 200)).toBe(true);
    expect(sim.disk(victim).lastZxid).toBeGreaterThanOrEqual(struckAt ?? 0n);
    rejoinAndConverge(sim, victim, []);
    for (const payload of burst) expect(sim.checker.isCommitted(payload)).toBe(true);
  });

  it("the crash points include one that kept part of an in-flight append and one that lost some of it", () => {
    // Re-runs the seeds above (deterministic) so that this test stands on its own.
    const runs = [...FOLLOWER_SEEDS.map(followerCrash), ...LEADER_SEEDS.map(leaderCrash)];
    expect(runs.some((r) => r.keptPart)).toBe(true);
    expect(runs.some((r) => r.lostSome)).toBe(true);
  });
});
