/**
 * Scenario family: a partition heals with two would-be leaders (reliability.md §6 A.1, A.2).
 *
 * Goal: when a 5-member ensemble splits 2|3 with the leader on the small side, the large side
 * elects a leader of a later epoch while the old one may still believe it leads for up to the
 * sync limit. Two members may be "leading" at once, but never in the same epoch, and only the
 * majority's leader commits. (The simulator's partitions break channels, so in practice the old
 * leader notices within a tick and steps down before the majority establishes; the per-event
 * check below would still catch two leaders of one epoch.) After healing there is exactly one leader, every member follows it,
 * the minority's uncommitted proposals are cut from every log, and everything converges.
 *
 * Method: the partition is applied while clients write on both sides; after every simulation
 * event the set of members leading in broadcast is sampled. Variants: the leader on the minority
 * side healed late (after the majority established its epoch) or early (while the majority's
 * leader is still in discovery or synchronization and the old leader is looking with the longest
 * log), and the leader on the majority side (the minority cannot elect at all).
 */
import type { ServerId } from "@zab/core";
import { describe, expect, it } from "vitest";
import type { Simulation } from "../../src/sim/simulation.js";
import {
  commitWrites,
  diskPayloads,
  expectConverged,
  expectOneLeaderPerEpoch,
  proposeMany,
  settle,
  startEnsemble,
  text,
} from "./helpers.js";

function leadingInBroadcast(sim: Simulation): { id: ServerId; epoch: number | undefined }[] {
  return sim.liveIds
    .filter((id) => sim.node(id)?.role === "leading" && sim.node(id)?.phase === "broadcast")
    .map((id) => ({ id, epoch: sim.node(id)?.epoch }));
}

/** Runs `ms`, proposing on every member every 5 ms, and records overlapping leaders. */
function writeEverywhere(
  sim: Simulation,
  ms: number,
): { accepted: Map<ServerId, Uint8Array[]>; maxLeaders: number } {
  const accepted = new Map<ServerId, Uint8Array[]>(sim.memberIds.map((id) => [id, []]));
  let maxLeaders = 0;
  const end = sim.now + ms;
  while (sim.now < end) {
    for (const id of sim.liveIds) accepted.get(id)?.push(...proposeMany(sim, id, 1));
    sim.runUntil(() => {
      const leaders = leadingInBroadcast(sim);
      maxLeaders = Math.max(maxLeaders, leaders.length);
      const epochs = new Set(leaders.map((l) => l.epoch));
      expect(epochs.size, "simultaneous leaders are in different epochs").toBe(leaders.length);
      return false;
    }, 5);
  }
  return { accepted, maxLeaders };
}

function expectAgreement(sim: Simulation, payloads: readonly Uint8Array[]): void {
  const logs = sim.memberIds.map((id) => diskPayloads(sim, id));
  for (const payload of payloads) {
    const holders = logs.filter((log) => log.has(text(payload))).length;
    expect([0, logs.length], `${text(payload)} held by ${holders} members`).toContain(holders);
    expect(sim.checker.isCommitted(payload)).toBe(holders > 0);
  }
}

describe("partition heals with two would-be leaders", () => {
  it("5 members split 2|3 with the leader on the minority side, healed after the majority elected: one leader, the minority's writes cut", () => {
    const { sim, leader: oldLeader } = startEnsemble({ seed: 7_001, voters: 5 });
    commitWrites(sim, 6);
    const oldEpoch = sim.node(oldLeader)?.epoch ?? 0;
    const [companion, ...majority] = sim.memberIds.filter((id) => id !== oldLeader) as [
      ServerId,
      ...ServerId[],
    ];
    const partitionedAt = sim.now;
    sim.partition([[oldLeader, companion], majority]);
    // The old leader still believes it leads for a moment: it assigns zxids to these.
    const early = proposeMany(sim, oldLeader, 3);
    expect(early).toHaveLength(3);

    let oldLeaderSteppedDownAt: number | undefined;
    sim.runUntil(() => {
      if (sim.node(oldLeader)?.role !== "leading") oldLeaderSteppedDownAt ??= sim.now;
      return oldLeaderSteppedDownAt !== undefined;
    }, 200);
    // Within the sync limit (5 ticks of 10 ms), plus a tick of slack.
    expect((oldLeaderSteppedDownAt ?? Number.POSITIVE_INFINITY) - partitionedAt).toBeLessThanOrEqual(60);

    const { accepted, maxLeaders } = writeEverywhere(sim, 400);
    expect(maxLeaders).toBe(1);
    const newLeader = sim.leader();
    expect(majority).toContain(newLeader);
    expect(sim.node(newLeader ?? oldLeader)?.epoch).toBeGreaterThan(oldEpoch);
    const minorityWrites = [...early, ...(accepted.get(oldLeader) ?? []), ...(accepted.get(companion) ?? [])];
    const majorityWrites = majority.flatMap((id) => accepted.get(id) ?? []);
    const onOldLeader = diskPayloads(sim, oldLeader);
    expect(
      early.every((p) => onOldLeader.has(text(p))),
      "the early writes are on the old leader's disk",
    ).toBe(true);
    expect(majorityWrites.filter((p) => sim.checker.isCommitted(p)).length).toBeGreaterThan(0);
    for (const payload of minorityWrites) expect(sim.checker.isCommitted(payload)).toBe(false);

    sim.heal();
    const leader = settle(sim);
    expect(leader).toBe(newLeader);
    expect(leadingInBroadcast(sim)).toHaveLength(1);
    for (const id of sim.memberIds) expect(sim.node(id)?.leader).toBe(leader);
    const later = commitWrites(sim, 5);
    expectConverged(sim);
    for (const id of sim.memberIds) {
      const log = diskPayloads(sim, id);
      for (const payload of later) expect(log.has(text(payload))).toBe(true);
      expect(sim.disk(id).lastZxid).toBe(sim.node(id)?.committedZxid);
    }
    expectAgreement(sim, [...minorityWrites, ...majorityWrites]);
    for (const payload of minorityWrites) expect(sim.checker.isCommitted(payload)).toBe(false);
    expectOneLeaderPerEpoch(sim);
  });

  it("5 members split 2|3 with the leader on the minority side, healed while the majority's leader is still establishing its epoch", () => {
    const { sim, leader: oldLeader } = startEnsemble({ seed: 7_002, voters: 5 });
    commitWrites(sim, 6);
    const [companion, ...majority] = sim.memberIds.filter((id) => id !== oldLeader) as [
      ServerId,
      ...ServerId[],
    ];
    sim.partition([[oldLeader, companion], majority]);
    const { accepted } = writeEverywhere(sim, 30);
    // Two would-be leaders at the heal: the old one, looking with the longest log, and the
    // majority's, elected but not yet established.
    const wouldBe = majority.filter((id) => sim.node(id)?.role === "leading");
    expect(wouldBe).toHaveLength(1);
    expect(sim.node(wouldBe[0] ?? oldLeader)?.phase).not.toBe("broadcast");
    expect(sim.node(oldLeader)?.role).toBe("looking");
    const minorityWrites = [...(accepted.get(oldLeader) ?? []), ...(accepted.get(companion) ?? [])];
    expect(minorityWrites.length, "the minority side accepted writes").toBeGreaterThan(0);

    sim.heal();
    const leader = settle(sim);
    expect(leadingInBroadcast(sim)).toHaveLength(1);
    for (const id of sim.memberIds) expect(sim.node(id)?.leader).toBe(leader);
    commitWrites(sim, 5);
    expectConverged(sim);
    expectAgreement(sim, minorityWrites);
    // The majority's leader won, so the minority's uncommitted writes were cut.
    if (majority.includes(leader)) {
      for (const payload of minorityWrites) expect(sim.checker.isCommitted(payload)).toBe(false);
    }
    expectOneLeaderPerEpoch(sim);
  });

  it("5 members split 2|3 with the leader on the majority side: the minority never elects and rejoins", () => {
    const { sim, leader } = startEnsemble({ seed: 7_003, voters: 5 });
    commitWrites(sim, 6);
    const minority = sim.memberIds.filter((id) => id !== leader).slice(0, 2);
    const majority = sim.memberIds.filter((id) => !minority.includes(id));
    const epochBefore = sim.node(leader)?.epoch;
    const leadershipsBefore = sim.leaderships.length;
    sim.partition([minority]);
    const { accepted, maxLeaders } = writeEverywhere(sim, 400);
    expect(maxLeaders).toBe(1);
    expect(sim.leaderships.length, "no new leadership: the majority kept its leader").toBe(leadershipsBefore);
    expect(sim.leader()).toBe(leader);
    for (const id of minority) {
      expect(sim.node(id)?.role).toBe("looking");
      // At most the write handed over at the instant of the partition was forwarded, then lost.
      expect(accepted.get(id)?.length ?? 0).toBeLessThanOrEqual(1);
      for (const payload of accepted.get(id) ?? []) expect(sim.checker.isCommitted(payload)).toBe(false);
    }
    const majorityWrites = majority.flatMap((id) => accepted.get(id) ?? []);
    expect(majorityWrites.length).toBeGreaterThan(0);
    expect(sim.runUntil(() => majorityWrites.every((p) => sim.checker.isCommitted(p)), 500)).toBe(true);

    sim.heal();
    settle(sim);
    expect(sim.leader()).toBe(leader);
    expect(sim.node(leader)?.epoch).toBe(epochBefore);
    commitWrites(sim, 3);
    expectConverged(sim);
    expectOneLeaderPerEpoch(sim);
  });
});
