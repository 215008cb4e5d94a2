/**
 * Scenario family: the leader crashes after a proposal reached only some followers
 * (reliability.md §6 C.21, ZAB paper: "a proposal is committed everywhere or nowhere").
 *
 * Goal: (a) a proposal that only a minority logged, and that no member of the next quorum holds,
 * disappears everywhere — it is never applied, and the members that logged it cut it from their
 * logs when they rejoin; (b) a proposal that a quorum (leader included) logged survives the
 * leader's crash and ends committed on every member, because every possible next quorum contains
 * a member holding it and the election prefers the longest history.
 *
 * Method: a 5-voter ensemble commits a base. The leader's links to all followers but the chosen
 * ones are blocked (one-way, leader to follower), one write is proposed at the leader, and the
 * simulation runs until the chosen followers have logged it durably. In (b) the leader is crashed
 * from the disk-completion hook of the last chosen follower, so that not a single ACK of that
 * write reaches it: the write is certainly uncommitted at the crash. In (a) the one follower that
 * logged it is isolated as well while the other three elect a leader and commit more, then every
 * member rejoins.
 */
import type { ServerId, Zxid } from "@zab/core";
import { describe, expect, it } from "vitest";
import {
  committedLog,
  commitWrites,
  diskHas,
  expectConverged,
  expectOneLeaderPerEpoch,
  settle,
  startEnsemble,
  text,
} from "./helpers.js";

describe("leader crash after a proposal reached a minority", () => {
  it("proposal logged by the leader and one follower only, both excluded from the next quorum: it is cut everywhere", () => {
    const { sim, leader } = startEnsemble({ seed: 2_001, voters: 5 });
    commitWrites(sim, 8);
    const [lucky, ...others] = sim.memberIds.filter((id) => id !== leader) as [ServerId, ...ServerId[]];
    for (const id of others) sim.blockOneWay(leader, id);
    const payload = sim.nextPayload();
    const result = sim.propose(leader, payload);
    if (result?.kind !== "proposed") throw new Error(`the leader proposes (${result?.kind})`);
    const z: Zxid = result.zxid;
    expect(
      sim.runUntil(() => diskHas(sim, lucky, z), 100),
      "the one follower logs the proposal",
    ).toBe(true);
    expect(sim.checker.isCommitted(payload)).toBe(false);
    sim.crash(leader);
    sim.heal();
    // The follower that holds the proposal is cut off while the other three elect and commit.
    sim.partition([[lucky]]);
    const newLeader = settle(sim, others);
    expect(others).toContain(newLeader);
    const later = commitWrites(sim, 5);
    for (const id of others) expect(diskHas(sim, id, z), `member ${id} never logged it`).toBe(false);

    // Everyone rejoins: the two members holding the proposal must cut it.
    const truncs: ServerId[] = [];
    sim.onDeliver((_from, to, message) => {
      if (message.kind === "trunc") truncs.push(to);
    });
    sim.heal();
    sim.restart(leader);
    settle(sim);
    expectConverged(sim);
    expect(truncs).toContain(lucky);
    expect(truncs).toContain(leader);
    for (const id of sim.memberIds) {
      expect(diskHas(sim, id, z), `member ${id} no longer holds the cut proposal`).toBe(false);
      expect(committedLog(sim, id).map(([, p]) => p)).toEqual(expect.arrayContaining(later.map(text)));
    }
    expect(sim.checker.isCommitted(payload)).toBe(false);
    commitWrites(sim, 3);
    expect(sim.checker.isCommitted(payload)).toBe(false);
    expectOneLeaderPerEpoch(sim);
  });

  it("proposal logged by the leader and two followers (a quorum), leader crashes before any ACK: it survives everywhere", () => {
    const { sim, leader } = startEnsemble({ seed: 2_002, voters: 5 });
    commitWrites(sim, 8);
    const followers = sim.memberIds.filter((id) => id !== leader);
    const chosen = followers.slice(0, 2);
    for (const id of followers.slice(2)) sim.blockOneWay(leader, id);
    const payload = sim.nextPayload();
    const result = sim.propose(leader, payload);
    if (result?.kind !== "proposed") throw new Error(`the leader proposes (${result?.kind})`);
    const z = result.zxid;
    const loggedBy = new Set<ServerId>();
    let committedAtCrash: boolean | undefined;
    sim.onDurable((member, write) => {
      if (committedAtCrash !== undefined || !chosen.includes(member) || write.kind !== "append") return;
      if (!write.txns.some((txn) => txn.zxid === z)) return;
      loggedBy.add(member);
      if (loggedBy.size === chosen.length) {
        // The last follower's write just reached its disk; its ACK has not even been sent.
        committedAtCrash = (sim.node(leader)?.committedZxid ?? 0n) >= z;
        sim.crash(leader);
      }
    });
    expect(
      sim.runUntil(() => committedAtCrash !== undefined, 200),
      "both chosen followers log it",
    ).toBe(true);
    expect(committedAtCrash).toBe(false);
    expect(sim.checker.isCommitted(payload)).toBe(false);
    sim.heal();
    const leadershipsBefore = sim.leaderships.length;

    settle(sim);
    commitWrites(sim, 5);
    // Every leader established after the crash holds the proposal in its history.
    const after = sim.leaderships.slice(leadershipsBefore);
    expect(after.length).toBeGreaterThan(0);
    for (const record of after) {
      expect(
        diskHas(sim, record.leader, z),
        `leader ${record.leader} of epoch ${record.epoch} holds it`,
      ).toBe(true);
    }
    expect(sim.checker.isCommitted(payload)).toBe(true);

    sim.restart(leader);
    settle(sim);
    expectConverged(sim);
    for (const id of sim.memberIds) {
      const entry = committedLog(sim, id).find(([zxid]) => zxid === z);
      expect(entry?.[1], `member ${id} committed the proposal at its zxid`).toBe(text(payload));
    }
    expectOneLeaderPerEpoch(sim);
  });
});
