/**
 * Scenario family: a follower holds an uncommitted tail from an old epoch and is synchronized
 * by TRUNC (reliability.md §2.3 ZOOKEEPER-1154/1156/2845, §6 B.17).
 *
 * Goal: when a follower rejoins with transactions the new leader never had, the leader sends
 * TRUNC to the last zxid they share; the follower removes exactly that tail from its durable log
 * (no committed transaction is cut), never applies it, and converges to the leader's digest.
 *
 * Method: a 5-voter ensemble commits a base. The leader and one follower are cut off together
 * from the other three; the leader proposes several writes that only that follower logs, then
 * the leader crashes. The majority elects a new leader. The follower rejoins either after the new
 * epoch committed writes (partition healed, no restart) or right after the new epoch is
 * established and before it commits anything (follower restarted from disk). The TRUNC message is
 * observed on delivery and the follower's disk is inspected before and after.
 */
import { epochOf, type ServerId, type Zxid } from "@zab/core";
import { describe, expect, it } from "vitest";
import type { Simulation } from "../../src/sim/simulation.js";
import {
  commitWrites,
  diskHas,
  expectConverged,
  expectOneLeaderPerEpoch,
  settle,
  startEnsemble,
  text,
} from "./helpers.js";

interface Setup {
  readonly sim: Simulation;
  readonly oldLeader: ServerId;
  readonly follower: ServerId;
  readonly majority: ServerId[];
  readonly lastBase: Zxid;
  readonly tail: { readonly zxid: Zxid; readonly payload: Uint8Array }[];
}

/** Leaves `follower` with an uncommitted tail of `count` transactions and crashes the leader. */
function followerWithTail(seed: number, count: number): Setup {
  const { sim, leader: oldLeader } = startEnsemble({ seed, voters: 5 });
  commitWrites(sim, 6);
  const lastBase = sim.checker.lastCommittedZxid;
  const [follower, ...majority] = sim.memberIds.filter((id) => id !== oldLeader) as [ServerId, ...ServerId[]];
  sim.partition([[oldLeader, follower], majority]);
  const tail: { zxid: Zxid; payload: Uint8Array }[] = [];
  for (let i = 0; i < count; i += 1) {
    const payload = sim.nextPayload();
    const result = sim.propose(oldLeader, payload);
    if (result?.kind !== "proposed") throw new Error(`the cut-off leader still proposes (${result?.kind})`);
    tail.push({ zxid: result.zxid, payload });
  }
  const last = tail.at(-1);
  if (last === undefined) throw new Error("a tail");
  expect(
    sim.runUntil(() => diskHas(sim, follower, last.zxid), 200),
    "the follower logs the tail",
  ).toBe(true);
  sim.crash(oldLeader);
  for (const entry of tail) expect(sim.checker.isCommitted(entry.payload)).toBe(false);
  return { sim, oldLeader, follower, majority, lastBase, tail };
}

function watchTruncs(sim: Simulation): { to: ServerId; truncZxid: Zxid; diskBefore: Zxid }[] {
  const seen: { to: ServerId; truncZxid: Zxid; diskBefore: Zxid }[] = [];
  sim.onDeliver((_from, to, message) => {
    if (message.kind === "trunc")
      seen.push({ to, truncZxid: message.truncZxid, diskBefore: sim.disk(to).lastZxid });
  });
  return seen;
}

describe("follower with an uncommitted tail from an old epoch", () => {
  it("tail of 4 proposals, follower rejoins after the new epoch committed: TRUNC cuts exactly the tail", () => {
    const { sim, oldLeader, follower, majority, lastBase, tail } = followerWithTail(3_001, 4);
    const newLeader = settle(sim, majority);
    const later = commitWrites(sim, 5);
    const newEpoch = sim.node(newLeader)?.epoch;
    expect(epochOf(sim.checker.lastCommittedZxid)).toBe(newEpoch);

    const truncs = watchTruncs(sim);
    sim.heal();
    settle(sim);
    const toFollower = truncs.filter((t) => t.to === follower);
    expect(toFollower).toHaveLength(1);
    expect(toFollower[0]?.truncZxid).toBe(lastBase);
    expect(toFollower[0]?.diskBefore).toBe(tail.at(-1)?.zxid);
    for (const entry of tail) expect(diskHas(sim, follower, entry.zxid)).toBe(false);
    expectConverged(sim);
    // What the follower kept is the base, then the new epoch's writes.
    const onDisk = sim.disk(follower).txns.map((txn) => text(txn.payload));
    expect(onDisk).toEqual(expect.arrayContaining(later.map(text)));
    for (const entry of tail) expect(onDisk).not.toContain(text(entry.payload));

    sim.restart(oldLeader);
    settle(sim);
    expectConverged(sim);
    for (const entry of tail) {
      expect(sim.checker.isCommitted(entry.payload)).toBe(false);
      for (const id of sim.memberIds) expect(diskHas(sim, id, entry.zxid), `member ${id}`).toBe(false);
    }
    expectOneLeaderPerEpoch(sim);
  });

  it("tail of 3 proposals, follower restarts before the new epoch committed anything: TRUNC to the shared prefix", () => {
    const { sim, follower, majority, lastBase, tail } = followerWithTail(3_002, 3);
    sim.crash(follower);
    const newLeader = settle(sim, majority);
    // Nothing new yet: the new leader's history ends where the base ended.
    expect(sim.node(newLeader)?.lastLoggedZxid).toBe(lastBase);

    const truncs = watchTruncs(sim);
    sim.heal();
    sim.restart(follower);
    settle(sim, [...majority, follower]);
    expect(truncs.filter((t) => t.to === follower).map((t) => t.truncZxid)).toEqual([lastBase]);
    expect(sim.disk(follower).lastZxid).toBe(lastBase);
    expect(sim.node(follower)?.currentEpoch).toBe(sim.node(newLeader)?.epoch);

    const later = commitWrites(sim, 4);
    expectConverged(sim);
    expect(sim.disk(follower).txns.map((txn) => text(txn.payload))).toEqual(
      expect.arrayContaining(later.map(text)),
    );
    for (const entry of tail) expect(sim.checker.isCommitted(entry.payload)).toBe(false);
    expectOneLeaderPerEpoch(sim);
  });
});
