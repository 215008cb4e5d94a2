/**
 * Scenario family: an isolated old leader keeps accepting writes (reliability.md §6 A.1, A.9,
 * B.17; ZOOKEEPER-2845).
 *
 * Goal: a leader cut off from every other member may keep assigning zxids for a moment, but none
 * of those writes is ever committed anywhere; it steps down within the sync limit; the majority
 * elects a leader of a later epoch and commits; after healing, the old leader's uncommitted tail
 * is truncated from its log and it converges. At most one member establishes each epoch.
 *
 * Method: 3- and 5-voter ensembles commit a base; the leader is partitioned alone and a client
 * keeps proposing to it every few virtual milliseconds for 300 ms (with and without a process
 * restart of the old leader before it rejoins). Every payload it accepted is checked against
 * the global history and against every member's durable log at the end.
 */
import type { ServerId } from "@zab/core";
import { describe, expect, it } from "vitest";
import {
  commitWrites,
  diskPayloads,
  expectConverged,
  expectOneLeaderPerEpoch,
  settle,
  startEnsemble,
  text,
} from "./helpers.js";

describe("isolated old leader keeps proposing", () => {
  it.each([
    { voters: 3, restartOldLeader: false, seed: 6_001 },
    { voters: 5, restartOldLeader: false, seed: 6_002 },
    { voters: 5, restartOldLeader: true, seed: 6_003 },
  ])(
    "leader partitioned alone among $voters voters (restart before rejoining: $restartOldLeader): none of its writes ever commits",
    ({ voters, restartOldLeader, seed }) => {
      const { sim, leader: oldLeader } = startEnsemble({ seed, voters });
      commitWrites(sim, 6);
      const oldEpoch = sim.node(oldLeader)?.epoch;
      const committedBefore = sim.checker.committedCount;
      const others = sim.memberIds.filter((id) => id !== oldLeader);
      sim.partition([[oldLeader]]);
      const isolatedAt = sim.now;

      const accepted: Uint8Array[] = [];
      let steppedDownAt: number | undefined;
      for (let t = 0; t < 300; t += 3) {
        const payload = sim.nextPayload();
        if (sim.propose(oldLeader, payload)?.kind === "proposed") accepted.push(payload);
        if (steppedDownAt === undefined && sim.node(oldLeader)?.role !== "leading") steppedDownAt = sim.now;
        sim.run(3);
      }
      expect(accepted.length, "the old leader accepted writes before noticing").toBeGreaterThan(0);
      expect(steppedDownAt, "the old leader steps down").toBeDefined();
      // syncLimit is 5 ticks of 10 ms; a tick of slack for where the clock stood.
      expect((steppedDownAt ?? Number.POSITIVE_INFINITY) - isolatedAt).toBeLessThanOrEqual(70);
      for (const payload of accepted) expect(sim.checker.isCommitted(payload)).toBe(false);
      expect(sim.checker.committedCount).toBe(committedBefore);

      const newLeader = settle(sim, others);
      expect(sim.node(newLeader)?.epoch).toBeGreaterThan(oldEpoch ?? 0);
      const later = commitWrites(sim, 5);
      const onOldLeader = diskPayloads(sim, oldLeader);
      expect(
        accepted.filter((p) => onOldLeader.has(text(p))).length,
        "its tail is on its disk",
      ).toBeGreaterThan(0);

      if (restartOldLeader) sim.crash(oldLeader);
      const truncated: ServerId[] = [];
      sim.onDeliver((_from, to, message) => {
        if (message.kind === "trunc") truncated.push(to);
      });
      sim.heal();
      if (restartOldLeader) sim.restart(oldLeader);
      settle(sim);
      expect(sim.leader()).toBe(newLeader);
      expect(truncated).toEqual([oldLeader]);
      expectConverged(sim);
      for (const id of sim.memberIds) {
        const log = diskPayloads(sim, id);
        for (const payload of accepted)
          expect(log.has(text(payload)), `${text(payload)} on ${id}`).toBe(false);
        for (const payload of later) expect(log.has(text(payload))).toBe(true);
      }
      commitWrites(sim, 3);
      for (const payload of accepted) expect(sim.checker.isCommitted(payload)).toBe(false);
      expectOneLeaderPerEpoch(sim);
    },
  );
});
