// Goal: a leader establishes its epoch only as ZAB allows — a durable accepted epoch before
// LEADERINFO, a quorum of ACKEPOCH, a quorum of NEWLEADER ACKs — commits only on a quorum of
// durable ACKs counted once per member, ignores a proposal ACK that arrives before the learner's
// NEWLEADER ACK (ZOOKEEPER-4685), and refuses a learner ahead of it during discovery. Method: a
// real ZabNode as leader, scripted followers, writes reported durable explicitly.

import {
  type Epoch,
  epoch,
  type PeerMessage,
  type Ready,
  type StateMachine,
  serverId,
  sessionId,
  type Txn,
  type ZabConfig,
  ZabNode,
  type Zxid,
  zxid,
} from "@zab/core";
import { describe, expect, it } from "vitest";

const [self, f2, f3] = [serverId(1), serverId(2), serverId(3)];
const noState: StateMachine<null> = {
  apply: () => null,
  snapshot: () => new Uint8Array(),
  restore: () => {},
};

/** A leader elected by member 2's vote, with `machine` as its state machine (none by default). */
function electedLeader(options: LeaderOptions = {}) {
  const node = new ZabNode<unknown>(
    { id: self, voters: [self, f2, f3], finalizeWaitTicks: 0, ...options.settings },
    options.machine ?? noState,
    { acceptedEpoch: epoch(0), currentEpoch: epoch(0), txns: [] },
  );
  const sent: { to: number; message: PeerMessage }[] = [];
  const writes: Ready<unknown>["writes"][number][] = [];
  const drain = () => {
    const ready = node.ready();
    sent.push(...ready.messages);
    writes.push(...ready.writes);
    return ready;
  };
  drain();
  node.receive(f2, {
    kind: "notification",
    leader: self,
    zxid: zxid(epoch(0), 0),
    peerEpoch: epoch(0),
    round: 1n as never,
    state: "looking",
  });
  drain();
  const from = (peer: typeof f2, message: PeerMessage) => {
    node.receive(peer, message);
    return drain();
  };
  const persistAll = () => {
    drain();
    const last = writes.at(-1);
    if (last !== undefined) node.persisted(last.id);
    return drain();
  };
  const to = (peer: number) => sent.filter((s) => s.to === peer).map((s) => s.message.kind);
  return { node, sent, writes, from, persistAll, to };
}

interface LeaderOptions {
  readonly machine?: StateMachine<unknown>;
  readonly settings?: Partial<Omit<ZabConfig, "id" | "voters">>;
}

/** Runs discovery with follower 2 and sends it the sync stream, up to its NEWLEADER ACK. */
function syncingFollower2(options: LeaderOptions = {}) {
  const leader = electedLeader(options);
  leader.from(f2, {
    kind: "followerInfo",
    role: "follower",
    acceptedEpoch: epoch(0),
    lastZxid: zxid(epoch(0), 0),
  });
  leader.persistAll();
  leader.from(f2, { kind: "ackEpoch", currentEpoch: epoch(0), lastZxid: zxid(epoch(0), 0) });
  leader.persistAll();
  return leader;
}

/** Runs discovery and synchronization with follower 2 only. */
function establishedWithFollower2(options: LeaderOptions = {}) {
  const leader = syncingFollower2(options);
  leader.from(f2, { kind: "ackNewLeader", epoch: epoch(1) });
  return leader;
}

/**
 * Member 3 joins an established leader with the given epoch and last zxid; returns what the
 * leader sent it.
 */
function joinLate(
  leader: ReturnType<typeof establishedWithFollower2>,
  at: Epoch,
  lastZxid: Zxid,
): PeerMessage[] {
  const before = leader.sent.length;
  leader.from(f3, { kind: "followerInfo", role: "follower", acceptedEpoch: at, lastZxid });
  leader.from(f3, { kind: "ackEpoch", currentEpoch: at, lastZxid });
  return leader.sent
    .slice(before)
    .filter((s) => s.to === f3)
    .map((s) => s.message);
}

describe("a leader's conversation with its followers", () => {
  it("persists the new accepted epoch before sending LEADERINFO", () => {
    const leader = electedLeader();
    expect(leader.node.role).toBe("leading");
    leader.from(f2, {
      kind: "followerInfo",
      role: "follower",
      acceptedEpoch: epoch(4),
      lastZxid: zxid(epoch(0), 0),
    });
    expect(leader.writes.map((w) => w.write)).toEqual([{ kind: "acceptedEpoch", epoch: 5 }]);
    expect(leader.to(f2)).not.toContain("leaderInfo");
    leader.persistAll();
    expect(leader.sent.find((s) => s.to === f2 && s.message.kind === "leaderInfo")?.message).toEqual({
      kind: "leaderInfo",
      newEpoch: 5,
    });
  });

  it("establishes the epoch on a quorum of NEWLEADER ACKs and sends UPTODATE", () => {
    const leader = establishedWithFollower2();
    expect(leader.node.phase).toBe("broadcast");
    expect(leader.node.epoch).toBe(1);
    expect(leader.to(f2)).toEqual(["notification", "leaderInfo", "diff", "newLeader", "upToDate"]);
  });

  it("ignores a proposal ACK sent before the NEWLEADER ACK and counts ACKs once per member", () => {
    const leader = syncingFollower2();
    // Too early: the follower has not acknowledged NEWLEADER yet.
    leader.from(f2, { kind: "ack", zxid: zxid(epoch(1), 1) });
    expect(leader.node.phase).toBe("synchronization");
    leader.from(f2, { kind: "ackNewLeader", epoch: epoch(1) });
    const proposed = leader.node.propose(new Uint8Array([1]));
    expect(proposed).toEqual({ kind: "proposed", zxid: zxid(epoch(1), 1) });
    leader.from(f2, { kind: "ack", zxid: zxid(epoch(1), 1) });
    leader.from(f2, { kind: "ack", zxid: zxid(epoch(1), 1) });
    // The leader's own copy is not durable yet; follower 2 alone is not a quorum of 3.
    expect(leader.node.committedZxid).toBe(zxid(epoch(0), 0));
    leader.persistAll();
    expect(leader.node.committedZxid).toBe(zxid(epoch(1), 1));
    expect(leader.to(f2).at(-1)).toBe("commit");
  });

  it("hands the sessions a learner reports active to its runtime", () => {
    const leader = establishedWithFollower2();
    const ready = leader.from(f2, {
      kind: "ping",
      lastZxid: zxid(epoch(1), 0),
      touchedSessions: [sessionId(5n)],
    });
    expect(ready.touchedSessions).toEqual([5n]);
    leader.node.touchSessions([sessionId(6n)]);
    expect(leader.node.ready().touchedSessions).toEqual([6n]);
  });

  it("sends its applied zxid and digest in a ping every digestIntervalTicks", () => {
    let state = 0n;
    const machine: StateMachine<null> = {
      apply: (txn) => {
        state = state * 31n + BigInt(txn.payload[0] ?? 0);
        return null;
      },
      snapshot: () => new Uint8Array(),
      restore: () => {},
      digest: () => state,
    };
    const leader = establishedWithFollower2({ machine, settings: { digestIntervalTicks: 3 } });
    leader.node.propose(new Uint8Array([7]));
    leader.persistAll();
    leader.from(f2, { kind: "ack", zxid: zxid(epoch(1), 1) });
    expect(leader.node.appliedZxid).toBe(zxid(epoch(1), 1));
    const before = leader.sent.length;
    for (let tick = 0; tick < 6; tick += 1) {
      leader.node.tick();
      leader.from(f2, { kind: "ping", lastZxid: zxid(epoch(1), 1), touchedSessions: [] });
    }
    const pings = leader.sent.slice(before).filter((s) => s.to === f2 && s.message.kind === "ping");
    expect(pings.map((s) => (s.message.kind === "ping" ? s.message.digest : "not a ping"))).toEqual([
      undefined,
      undefined,
      { zxid: zxid(epoch(1), 1), digest: 7n },
      undefined,
      undefined,
      { zxid: zxid(epoch(1), 1), digest: 7n },
    ]);
  });

  it("sends no digest when its state machine has none", () => {
    const leader = establishedWithFollower2({ settings: { digestIntervalTicks: 1 } });
    const before = leader.sent.length;
    for (let tick = 0; tick < 3; tick += 1) {
      leader.node.tick();
      leader.from(f2, { kind: "ping", lastZxid: zxid(epoch(1), 0), touchedSessions: [] });
    }
    const pings = leader.sent.slice(before).filter((s) => s.to === f2 && s.message.kind === "ping");
    expect(pings).toHaveLength(3);
    expect(pings.every((s) => s.message.kind === "ping" && !("digest" in s.message))).toBe(true);
  });

  it("never counts an ACK for a zxid it did not propose", () => {
    const leader = establishedWithFollower2();
    leader.persistAll();
    leader.from(f2, { kind: "ack", zxid: zxid(epoch(1), 50) });
    expect(leader.node.committedZxid).toBe(zxid(epoch(0), 0));
  });

  it("refuses, during discovery, a follower whose history is ahead of its own", () => {
    const leader = electedLeader();
    leader.from(f2, {
      kind: "followerInfo",
      role: "follower",
      acceptedEpoch: epoch(0),
      lastZxid: zxid(epoch(0), 0),
    });
    leader.persistAll();
    const ready = leader.from(f2, { kind: "ackEpoch", currentEpoch: epoch(0), lastZxid: zxid(epoch(0), 9) });
    expect(ready.disconnect.map((d) => d.peer)).toEqual([f2]);
    expect(leader.node.phase).toBe("discovery");
  });

  it("refuses a member that asks to join in a role its membership does not allow", () => {
    const leader = electedLeader();
    const ready = leader.from(f2, {
      kind: "followerInfo",
      role: "observer",
      acceptedEpoch: epoch(0),
      lastZxid: zxid(epoch(0), 0),
    });
    expect(ready.disconnect.map((d) => d.peer)).toEqual([f2]);
    expect(leader.writes).toEqual([]);
  });

  it("syncs a learner that logged a transaction it never had with TRUNC", () => {
    const leader = establishedWithFollower2();
    leader.persistAll();
    const sync = joinLate(leader, epoch(0), zxid(epoch(0), 7));
    expect(sync[0]).toEqual({ kind: "leaderInfo", newEpoch: 1 });
    expect(sync[1]).toEqual({ kind: "trunc", truncZxid: zxid(epoch(0), 0) });
    expect(sync.at(-1)).toEqual({ kind: "newLeader", epoch: 1 });
  });

  it("tells a rejoining learner what is committed even when it lacks no transaction", () => {
    const leader = establishedWithFollower2();
    leader.node.propose(new Uint8Array([7]));
    leader.persistAll();
    leader.from(f2, { kind: "ack", zxid: zxid(epoch(1), 1) });
    expect(leader.node.committedZxid).toBe(zxid(epoch(1), 1));
    // Member 3 logged 1:1 before losing its channel, never hearing that it was committed.
    const sync = joinLate(leader, epoch(1), zxid(epoch(1), 1));
    expect(sync).toContainEqual({ kind: "commit", zxid: zxid(epoch(1), 1) });
  });
});

export type { Txn };
