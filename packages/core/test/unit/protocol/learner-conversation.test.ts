// Goal: a learner follows ZooKeeper's ordering rules to the letter — ACKEPOCH only after the
// accepted epoch is durable, the ACK of NEWLEADER only after every synced transaction and the
// current epoch are durable (ZOOKEEPER-3911/4643/4646), no proposal ACK before the NEWLEADER ACK
// (ZOOKEEPER-4685), COMMIT tolerated between NEWLEADER and UPTODATE (ZOOKEEPER-4394) — and it
// drops illegal messages without changing state. It also compares the digests its leader sends
// with its own state's and reports a divergence. Method: a scripted leader talks to one real
// ZabNode (like ZooKeeper's Zab1_0Test), and the test reports writes durable one at a time.

import {
  type Applied,
  type DigestMismatch,
  epoch,
  type PeerMessage,
  type Ready,
  type StateMachine,
  serverId,
  sessionId,
  type Txn,
  ZabNode,
  type Zxid,
  zxid,
} from "@zab/core";
import { describe, expect, it } from "vitest";

const [leader, self, other] = [serverId(1), serverId(2), serverId(3)];

class Recorder implements StateMachine<string> {
  readonly applied: string[] = [];
  apply(txn: Txn): string {
    const text = new TextDecoder().decode(txn.payload);
    this.applied.push(text);
    return text;
  }
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.applied));
  }
  restore(data: Uint8Array): void {
    this.applied.splice(0, this.applied.length, ...(JSON.parse(new TextDecoder().decode(data)) as string[]));
  }
  /** FNV-1a of everything applied: equal exactly when the applied lists are. */
  digest(): bigint {
    return digestOf(...this.applied);
  }
}

function digestOf(...applied: string[]): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(applied.join(","))) {
    hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & ((1n << 64n) - 1n);
  }
  return hash;
}

const txn = (e: number, c: number): Txn => ({
  zxid: zxid(epoch(e), c),
  payload: new TextEncoder().encode(`${e}:${c}`),
});

/** A learner that decided to follow member 1, with the effects of each step collected. */
function followingLearner() {
  const machine = new Recorder();
  const node = new ZabNode<string>({ id: self, voters: [leader, self, other] }, machine, {
    acceptedEpoch: epoch(3),
    currentEpoch: epoch(3),
    txns: [],
  });
  const sent: { to: number; message: PeerMessage }[] = [];
  const writes: Ready<string>["writes"][number][] = [];
  const applied: Applied<string>[] = [];
  const disconnected: number[] = [];
  const mismatches: DigestMismatch[] = [];
  const drain = () => {
    const ready = node.ready();
    sent.push(...ready.messages);
    writes.push(...ready.writes);
    applied.push(...ready.applied);
    disconnected.push(...ready.disconnect.map((d) => d.peer));
    mismatches.push(...ready.digestMismatches);
  };
  drain();
  // Members 1 and 3 already form an ensemble led by 1: join it without an election.
  const vote = {
    kind: "notification",
    leader,
    zxid: zxid(epoch(3), 0),
    peerEpoch: epoch(3),
    round: 7n,
  } as const;
  node.receive(leader, { ...vote, round: vote.round as never, state: "leading" });
  node.receive(other, { ...vote, round: vote.round as never, state: "following" });
  drain();
  const step = (message: PeerMessage) => {
    node.receive(leader, message);
    drain();
  };
  const persist = (id: number) => {
    node.persisted(id);
    drain();
  };
  const kinds = () => sent.filter((s) => s.to === leader).map((s) => s.message.kind);
  return { node, machine, sent, writes, applied, disconnected, mismatches, step, persist, kinds };
}

/** A learner synced by DIFF to 4:1 and 4:2, both applied, serving under epoch 5. */
function servingLearner() {
  const learner = followingLearner();
  learner.step({ kind: "leaderInfo", newEpoch: epoch(5) });
  learner.persist(learner.writes.at(-1)?.id ?? -1);
  learner.step({ kind: "diff", lastZxid: zxid(epoch(4), 2) });
  learner.step({ kind: "proposal", txn: txn(4, 1) });
  learner.step({ kind: "proposal", txn: txn(4, 2) });
  learner.step({ kind: "commit", zxid: zxid(epoch(4), 2) });
  learner.step({ kind: "newLeader", epoch: epoch(5) });
  learner.persist(learner.writes.at(-1)?.id ?? -1);
  learner.step({ kind: "upToDate" });
  expect(learner.node.phase).toBe("broadcast");
  expect(learner.machine.applied).toEqual(["4:1", "4:2"]);
  return learner;
}

/** A leader's ping carrying its digest at `at`. */
function pingWithDigest(at: Zxid, digest: bigint): PeerMessage {
  return { kind: "ping", lastZxid: at, touchedSessions: [], digest: { zxid: at, digest } };
}

describe("a learner's conversation with its leader", () => {
  it("sends ACKEPOCH only once the new accepted epoch is durable", () => {
    const learner = followingLearner();
    expect(learner.node.role).toBe("following");
    expect(learner.kinds()).toContain("followerInfo");
    learner.step({ kind: "leaderInfo", newEpoch: epoch(5) });
    const epochWrite = learner.writes.at(-1);
    expect(epochWrite?.write).toEqual({ kind: "acceptedEpoch", epoch: 5 });
    expect(learner.kinds()).not.toContain("ackEpoch");
    learner.persist(epochWrite?.id ?? -1);
    expect(learner.kinds()).toContain("ackEpoch");
  });

  it("acknowledges NEWLEADER only after the synced history and then the current epoch are durable", () => {
    const learner = followingLearner();
    learner.step({ kind: "leaderInfo", newEpoch: epoch(5) });
    learner.persist(learner.writes.at(-1)?.id ?? -1);
    learner.step({ kind: "diff", lastZxid: zxid(epoch(4), 2) });
    learner.step({ kind: "proposal", txn: txn(4, 1) });
    learner.step({ kind: "proposal", txn: txn(4, 2) });
    learner.step({ kind: "commit", zxid: zxid(epoch(4), 2) });
    learner.step({ kind: "newLeader", epoch: epoch(5) });
    const kindsOfWrites = learner.writes.map((w) => w.write.kind);
    expect(kindsOfWrites).toEqual(["acceptedEpoch", "append", "append", "currentEpoch"]);
    // The appends were drained one by one, so each is its own write; durability comes in order.
    const [, firstAppend, , epochWrite] = learner.writes;
    learner.persist(firstAppend?.id ?? -1);
    expect(learner.kinds()).not.toContain("ackNewLeader");
    expect(learner.applied).toHaveLength(1); // 4:1 is committed and durable; 4:2 is not durable yet
    learner.persist(epochWrite?.id ?? -1);
    expect(learner.kinds()).toContain("ackNewLeader");
    expect(learner.machine.applied).toEqual(["4:1", "4:2"]);
    // Nothing acknowledged a proposal before NEWLEADER was acknowledged (ZOOKEEPER-4685).
    const leaderBound = learner.kinds();
    expect(leaderBound.indexOf("ack")).toBe(-1);
  });

  it("takes COMMIT between NEWLEADER and UPTODATE, applying each transaction once, in order", () => {
    const learner = followingLearner();
    learner.step({ kind: "leaderInfo", newEpoch: epoch(5) });
    learner.persist(learner.writes.at(-1)?.id ?? -1);
    learner.step({ kind: "diff", lastZxid: zxid(epoch(4), 1) });
    learner.step({ kind: "proposal", txn: txn(4, 1) });
    learner.step({ kind: "newLeader", epoch: epoch(5) });
    learner.step({ kind: "proposal", txn: txn(5, 1) });
    learner.step({ kind: "commit", zxid: zxid(epoch(4), 1) });
    learner.persist(learner.writes.at(-1)?.id ?? -1);
    learner.step({ kind: "commit", zxid: zxid(epoch(5), 1) });
    learner.step({ kind: "upToDate" });
    expect(learner.node.phase).toBe("broadcast");
    expect(learner.machine.applied).toEqual(["4:1", "5:1"]);
    const order = learner.kinds();
    expect(order.indexOf("ackNewLeader")).toBeLessThan(order.indexOf("ack"));
  });

  it("abandons a leader whose epoch is below the accepted one, without lowering it", () => {
    const learner = followingLearner();
    learner.step({ kind: "leaderInfo", newEpoch: epoch(2) });
    expect(learner.node.role).toBe("looking");
    expect(learner.node.acceptedEpoch).toBe(3);
    expect(learner.disconnected).toContain(leader);
    expect(learner.writes).toEqual([]);
  });

  it("treats UPTODATE before NEWLEADER and a proposal with a hole as illegal", () => {
    const early = followingLearner();
    early.step({ kind: "leaderInfo", newEpoch: epoch(5) });
    early.persist(early.writes.at(-1)?.id ?? -1);
    early.step({ kind: "diff", lastZxid: zxid(epoch(3), 0) });
    early.step({ kind: "upToDate" });
    expect(early.node.role).toBe("looking");
    expect(early.disconnected).toContain(leader);

    const gap = followingLearner();
    gap.step({ kind: "leaderInfo", newEpoch: epoch(5) });
    gap.persist(gap.writes.at(-1)?.id ?? -1);
    gap.step({ kind: "diff", lastZxid: zxid(epoch(4), 3) });
    gap.step({ kind: "proposal", txn: txn(4, 1) });
    gap.step({ kind: "proposal", txn: txn(4, 3) });
    expect(gap.node.role).toBe("looking");
    expect(gap.node.lastLoggedZxid).toBe(zxid(epoch(4), 1));
  });

  it("ignores a repeated proposal it already logged", () => {
    const learner = followingLearner();
    learner.step({ kind: "leaderInfo", newEpoch: epoch(5) });
    learner.persist(learner.writes.at(-1)?.id ?? -1);
    learner.step({ kind: "diff", lastZxid: zxid(epoch(4), 1) });
    learner.step({ kind: "proposal", txn: txn(4, 1) });
    learner.step({ kind: "proposal", txn: txn(4, 1) });
    expect(learner.node.role).toBe("following");
    expect(learner.writes.filter((w) => w.write.kind === "append")).toHaveLength(1);
  });

  it("carries the sessions its clients touched to the leader on the next ping, once each", () => {
    const learner = followingLearner();
    learner.node.touchSessions([sessionId(7n), sessionId(9n), sessionId(7n)]);
    learner.step({ kind: "ping", lastZxid: zxid(epoch(3), 0), touchedSessions: [] });
    learner.step({ kind: "ping", lastZxid: zxid(epoch(3), 0), touchedSessions: [] });
    const pings = learner.sent
      .filter((s) => s.to === leader && s.message.kind === "ping")
      .map((s) => s.message);
    expect(pings).toEqual([
      { kind: "ping", lastZxid: zxid(epoch(0), 0), touchedSessions: [7n, 9n] },
      { kind: "ping", lastZxid: zxid(epoch(0), 0), touchedSessions: [] },
    ]);
  });

  it("refuses messages from non-members and from members that are not its leader", () => {
    const learner = followingLearner();
    learner.node.receive(serverId(9), { kind: "leaderInfo", newEpoch: epoch(9) });
    learner.node.receive(other, { kind: "leaderInfo", newEpoch: epoch(9) });
    const ready = learner.node.ready();
    expect(ready.disconnect.map((d) => d.peer)).toEqual([serverId(9), other]);
    expect(learner.node.acceptedEpoch).toBe(3);
    expect(learner.node.role).toBe("following");
  });
});

describe("a learner's check of its state against its leader's digest", () => {
  it("counts an equal digest as checked, and reports a different one once, still following", () => {
    const learner = servingLearner();
    learner.step(pingWithDigest(zxid(epoch(4), 2), digestOf("4:1", "4:2")));
    expect(learner.node.digestChecks).toEqual({ checked: 1, mismatched: 0, skipped: 0 });
    expect(learner.mismatches).toEqual([]);

    learner.step({ kind: "proposal", txn: txn(5, 1) });
    learner.persist(learner.writes.at(-1)?.id ?? -1);
    learner.step({ kind: "commit", zxid: zxid(epoch(5), 1) });
    expect(learner.machine.applied).toEqual(["4:1", "4:2", "5:1"]);
    const wrong = pingWithDigest(zxid(epoch(5), 1), 0xbadn);
    learner.step(wrong);
    learner.step(wrong);
    expect(learner.mismatches).toEqual([
      { zxid: zxid(epoch(5), 1), leader, expected: 0xbadn, actual: digestOf("4:1", "4:2", "5:1") },
    ]);
    expect(learner.node.digestChecks).toEqual({ checked: 2, mismatched: 1, skipped: 0 });
    // Divergence is for an operator to act on; the protocol keeps following and answering pings.
    expect(learner.node.role).toBe("following");
    expect(learner.kinds().at(-1)).toBe("ping");
  });

  it("compares a digest for a transaction it has not applied yet once it applies it", () => {
    const learner = servingLearner();
    learner.step({ kind: "proposal", txn: txn(5, 1) });
    learner.step({ kind: "commit", zxid: zxid(epoch(5), 1) });
    // Committed but not yet durable here, so not applied: the comparison waits.
    learner.step(pingWithDigest(zxid(epoch(5), 1), 0xbadn));
    expect(learner.node.digestChecks.checked).toBe(0);
    learner.persist(learner.writes.at(-1)?.id ?? -1);
    expect(learner.machine.applied.at(-1)).toBe("5:1");
    expect(learner.node.digestChecks).toEqual({ checked: 1, mismatched: 1, skipped: 0 });
    expect(learner.mismatches.map((m) => m.zxid)).toEqual([zxid(epoch(5), 1)]);
  });

  it("compares a digest for a zxid it applied before the ping came, when the leader lags", () => {
    const learner = servingLearner();
    learner.step({ kind: "proposal", txn: txn(5, 1) });
    learner.persist(learner.writes.at(-1)?.id ?? -1);
    learner.step({ kind: "commit", zxid: zxid(epoch(5), 1) });
    learner.step(pingWithDigest(zxid(epoch(4), 2), digestOf("4:1", "4:2")));
    expect(learner.node.digestChecks).toEqual({ checked: 1, mismatched: 0, skipped: 0 });
  });

  it("forgets a pending comparison when it stops following that leader", () => {
    const learner = servingLearner();
    learner.step({ kind: "proposal", txn: txn(5, 1) });
    learner.step({ kind: "commit", zxid: zxid(epoch(5), 1) });
    learner.step(pingWithDigest(zxid(epoch(5), 1), 0xbadn));
    learner.node.channelClosed(leader);
    expect(learner.node.role).toBe("looking");
    // 5:1 is committed, so it is applied once durable, but the old leader's digest is gone.
    learner.persist(learner.writes.at(-1)?.id ?? -1);
    expect(learner.machine.applied.at(-1)).toBe("5:1");
    expect(learner.node.digestChecks).toEqual({ checked: 0, mismatched: 0, skipped: 0 });
    expect(learner.mismatches).toEqual([]);
  });

  it("starts comparing from a snapshot it installed", () => {
    const learner = followingLearner();
    learner.step({ kind: "leaderInfo", newEpoch: epoch(5) });
    learner.persist(learner.writes.at(-1)?.id ?? -1);
    const snapshot = new TextEncoder().encode(JSON.stringify(["4:1", "4:2"]));
    learner.step({ kind: "snap", zxid: zxid(epoch(4), 2), snapshotBytes: snapshot.byteLength });
    learner.step({ kind: "snapChunk", data: snapshot, last: true });
    learner.step({ kind: "newLeader", epoch: epoch(5) });
    learner.persist(learner.writes.at(-1)?.id ?? -1);
    learner.step({ kind: "upToDate" });
    learner.step(pingWithDigest(zxid(epoch(4), 2), digestOf("4:1", "4:2")));
    expect(learner.node.digestChecks).toEqual({ checked: 1, mismatched: 0, skipped: 0 });
  });

  it("checks nothing when its state machine has no digest", () => {
    const node = new ZabNode<null>(
      { id: self, voters: [leader, self, other] },
      { apply: () => null, snapshot: () => new Uint8Array(), restore: () => {} },
      { acceptedEpoch: epoch(3), currentEpoch: epoch(3), txns: [] },
    );
    node.receive(leader, {
      kind: "notification",
      leader,
      zxid: zxid(epoch(3), 0),
      peerEpoch: epoch(3),
      round: 7n as never,
      state: "leading",
    });
    node.receive(other, {
      kind: "notification",
      leader,
      zxid: zxid(epoch(3), 0),
      peerEpoch: epoch(3),
      round: 7n as never,
      state: "following",
    });
    expect(node.role).toBe("following");
    node.receive(leader, pingWithDigest(zxid(epoch(0), 0), 0xbadn));
    expect(node.ready().digestMismatches).toEqual([]);
    expect(node.digestChecks).toEqual({ checked: 0, mismatched: 0, skipped: 0 });
  });
});
