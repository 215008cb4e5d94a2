/**
 * Scenario family: the whole ensemble restarts at once (reliability.md §6 D.25 "coordinated power
 * loss", ZOOKEEPER-1367).
 *
 * Goal: when every member crashes at the same instant, each loses its own in-flight writes
 * independently; because nothing is acknowledged before it is durable, every write any client
 * saw committed is still there after all members restart; a new leader is elected (in a later
 * epoch) and commits; all members converge.
 *
 * Method: 3- and 5-voter ensembles commit a base, then a burst of writes is proposed at the
 * leader and through followers, and every member is crashed together a few virtual milliseconds
 * later (several crash points, fixed seeds), or — with disks slower than the network — at the
 * exact event in which the first write of the burst is committed, the instant a driver that
 * acknowledged before fsync would lose it. All are restarted either at the same instant or one
 * by one in reverse order with gaps. What clients saw committed is sampled right before the crash.
 */
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

const CASES = [
  { voters: 3, delay: 0, at: "0 ms into", staggered: false, seed: 8_001 },
  { voters: 3, delay: 3, at: "3 ms into", staggered: false, seed: 8_002 },
  { voters: 3, delay: 6, at: "6 ms into", staggered: true, seed: 8_003 },
  { voters: 5, delay: 2, at: "2 ms into", staggered: false, seed: 8_004 },
  { voters: 5, delay: 5, at: "5 ms into", staggered: true, seed: 8_005 },
  { voters: 5, delay: 9, at: "9 ms into", staggered: false, seed: 8_006 },
  { voters: 3, delay: "firstCommit", at: "at the first commit of", staggered: false, seed: 8_007 },
  { voters: 5, delay: "firstCommit", at: "at the first commit of", staggered: true, seed: 8_008 },
] as const;

describe("full-ensemble simultaneous restart", () => {
  for (const { voters, delay, at, staggered, seed } of CASES) {
    const restart = staggered ? "one by one" : "all at once";
    it(`all ${voters} members crash ${at} a write burst, restarted ${restart}: committed writes survive and a new leader commits`, () => {
      // At the commit instant, disks slower than the network leave the least margin.
      const slowDisks = delay === "firstCommit";
      const { sim, leader } = startEnsemble({
        seed,
        voters,
        ...(slowDisks ? { fsyncDelayMs: { min: 4, max: 8 }, messageDelayMs: { min: 1, max: 2 } } : {}),
      });
      const base = commitWrites(sim, 20);
      const epochBefore = sim.node(leader)?.epoch ?? 0;
      const burst = [...proposeMany(sim, leader, 8)];
      for (const id of sim.memberIds) if (id !== leader) burst.push(...proposeMany(sim, id, 2));
      if (delay === "firstCommit") {
        // The very event in which the first write of the burst is committed (applied somewhere).
        expect(sim.runUntil(() => burst.some((p) => sim.checker.isCommitted(p)), 200)).toBe(true);
      } else {
        sim.run(delay);
      }
      const seen = [...base, ...burst].filter((p) => sim.checker.isCommitted(p)).map(text);
      expect(seen.length).toBeGreaterThanOrEqual(base.length);

      for (const id of sim.memberIds) sim.crash(id);
      expect(sim.liveIds).toEqual([]);
      // Nothing can happen while everyone is down.
      const committedWhileDown = sim.checker.committedCount;
      sim.run(500);
      expect(sim.checker.committedCount).toBe(committedWhileDown);

      if (staggered) {
        for (const id of [...sim.memberIds].reverse()) {
          sim.restart(id);
          sim.run(25);
        }
      } else {
        for (const id of sim.memberIds) sim.restart(id);
      }
      const newLeader = settle(sim);
      expect(sim.node(newLeader)?.epoch).toBeGreaterThan(epochBefore);
      expectConverged(sim);
      for (const id of sim.memberIds) {
        const log = committedLog(sim, id).map(([, payload]) => payload);
        expect(log, `member ${id} kept every write seen committed`).toEqual(expect.arrayContaining(seen));
      }
      const after = commitWrites(sim, 10);
      expect(after.every((p) => sim.checker.isCommitted(p))).toBe(true);
      expectConverged(sim);
      expectOneLeaderPerEpoch(sim);
    });
  }

  it("the ensemble survives three whole-ensemble power losses in a row under write load", () => {
    const { sim } = startEnsemble({ seed: 8_010, voters: 3 });
    const seen = new Set<string>();
    for (let round = 0; round < 3; round += 1) {
      const leader = settle(sim);
      for (const p of commitWrites(sim, 5)) seen.add(text(p));
      proposeMany(sim, leader, 5);
      sim.run(2 + round * 3);
      for (const id of sim.memberIds) sim.crash(id);
      sim.run(50);
      for (const id of sim.memberIds) sim.restart(id);
    }
    settle(sim);
    commitWrites(sim, 3);
    expectConverged(sim);
    for (const id of sim.memberIds) {
      expect(committedLog(sim, id).map(([, p]) => p)).toEqual(expect.arrayContaining([...seen]));
    }
    expectOneLeaderPerEpoch(sim);
  });
});
