// Goal: a learner follows ZooKeeper's ordering rules to the letter — ACKEPOCH only after the
// accepted epoch is durable, the ACK of NEWLEADER only after every synced transaction and the
// current epoch are durable (ZOOKEEPER-3911/4643/4646), no proposal ACK before the NEWLEADER ACK
// (ZOOKEEPER-4685), COMMIT tolerated between NEWLEADER and UPTODATE (ZOOKEEPER-4394) — and it
// drops illegal messages without changing state. Method: a scripted leader talks to one real
// ZabNode (like ZooKeeper's Zab1_0Test), and the test reports writes durable one at a time.

import {
  type Applied,
  epoch,
  type PeerMessage,
  type Ready,
  type StateMachine,
  serverId,
  sessionId,
  type Txn,
  ZabNode,
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
  const drain = () => {
    const ready = node.ready();
    sent.push(...ready.messages);
    writes.push(...ready.writes);
    applied.push(...ready.applied);
    disconnected.push(...ready.disconnect.map((d) => d.peer));
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
  return { node, machine, sent, writes, applied, disconnected, step, persist, kinds };
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
