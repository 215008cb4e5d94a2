/**
 * Scenario family: regressions for ZooKeeper's historical data-loss and liveness bugs
 * (reliability.md §2.3 and §6 A.4, A.5, A.8, B.10–B.13).
 *
 * Goal: each test replays, in the deterministic simulator, the situation that broke ZooKeeper
 * and asserts the property the fix restored:
 * - ZOOKEEPER-1154: the member with the highest zxid (an old leader holding an uncommitted txn)
 *   is absent at the election; when it rejoins it is synchronized by TRUNC, not DIFF, and the
 *   txn is never visible anywhere.
 * - ZOOKEEPER-1653/2307/4269: a crash between the acceptedEpoch and currentEpoch writes (or right
 *   after the currentEpoch write) leaves epochs the member restarts from without repair
 *   (accepted ≥ current), and it rejoins.
 * - ZOOKEEPER-3911/4643/4646: a follower acknowledges NEWLEADER only once the synced history and
 *   the new currentEpoch are durable, so a whole-ensemble crash right after that ACK loses
 *   nothing that the new epoch committed.
 * - ZOOKEEPER-4394: COMMITs arriving between NEWLEADER and UPTODATE are handled: no abandon, each
 *   txn applied once, in order.
 * - ZOOKEEPER-4685: a learner never sends a proposal ACK before its NEWLEADER ACK, and the
 *   leader does not count one that arrives early.
 * - ZOOKEEPER-1277: a zxid counter reaching its limit forces a new epoch instead of wrapping.
 *
 * Method: crashes are placed at exact protocol steps with the delivery hook (`onDeliver`, just
 * before a message is handled) and the disk hook (`onDurable`, after a write reached the disk and
 * before the member learns it is durable). Message orders are recorded on delivery. For
 * ZOOKEEPER-4685 an early ACK is also injected straight into the leader's `receive`, like
 * ZooKeeper's scripted-follower tests, at an instant where counting it would commit.
 */
import { counterOf, epochOf, type PeerMessage, type ServerId, type StorageWrite, type Zxid } from "@zab/core";
import { describe, expect, it } from "vitest";
import {
  committedLog,
  commitWrites,
  diskHas,
  expectConverged,
  expectOneLeaderPerEpoch,
  proposeMany,
  settle,
  startEnsemble,
  TraceTail,
  text,
} from "./helpers.js";

describe("ZooKeeper regressions", () => {
  it("ZOOKEEPER-1154: the old leader alone logged a txn and is absent at the election; it rejoins by TRUNC and the txn never appears", () => {
    const { sim, leader: oldLeader } = startEnsemble({ seed: 10_001, voters: 3 });
    const base = commitWrites(sim, 5);
    sim.partition([[oldLeader]]);
    const payload = sim.nextPayload();
    const result = sim.propose(oldLeader, payload);
    if (result?.kind !== "proposed") throw new Error(`the leader proposes (${result?.kind})`);
    const z = result.zxid;
    expect(
      sim.runUntil(() => diskHas(sim, oldLeader, z), 50),
      "the old leader logs it durably",
    ).toBe(true);
    sim.crash(oldLeader);
    sim.heal();

    const others = sim.memberIds.filter((id) => id !== oldLeader);
    const newLeader = settle(sim, others);
    const later = commitWrites(sim, 5);
    // Its zxid is now the highest in the ensemble's past epoch, yet it is not the others'.
    for (const id of others) expect(diskHas(sim, id, z)).toBe(false);

    const sync: { kind: PeerMessage["kind"]; to: ServerId }[] = [];
    sim.onDeliver((from, to, message) => {
      if (from === newLeader && ["diff", "trunc", "snap"].includes(message.kind))
        sync.push({ kind: message.kind, to });
    });
    sim.restart(oldLeader);
    settle(sim);
    expect(sync).toEqual([{ kind: "trunc", to: oldLeader }]);
    expect(diskHas(sim, oldLeader, z)).toBe(false);
    expectConverged(sim);
    const log = committedLog(sim, oldLeader).map(([, p]) => p);
    expect(log).toEqual([...base, ...later].map(text));
    expect(sim.checker.isCommitted(payload)).toBe(false);
    expectOneLeaderPerEpoch(sim);
  });

  describe("ZOOKEEPER-1653/2307/4269: crash between the epoch writes", () => {
    type Strike = {
      readonly write: "acceptedEpoch" | "currentEpoch";
      readonly who: "joiner" | "electedLeader" | "follower";
    };
    const WHO = {
      joiner: "a follower rejoining into a new epoch",
      follower: "a follower of a new election",
      electedLeader: "a newly elected leader",
    } as const;
    const strikes: Strike[] = [
      { write: "acceptedEpoch", who: "joiner" },
      { write: "currentEpoch", who: "joiner" },
      { write: "acceptedEpoch", who: "follower" },
      { write: "currentEpoch", who: "follower" },
      { write: "acceptedEpoch", who: "electedLeader" },
      { write: "currentEpoch", who: "electedLeader" },
    ];

    for (const [index, { write, who }] of strikes.entries()) {
      const seed = 10_100 + index;
      it(`${WHO[who]} crashes right after its ${write} write reached the disk: it restarts without repair and rejoins`, () => {
        const { sim, leader } = startEnsemble({ seed, voters: 5 });
        const base = commitWrites(sim, 5);
        const epochBefore = sim.node(leader)?.epoch ?? 0;
        let target: ServerId | undefined;
        if (who === "joiner") {
          // A follower misses an epoch change, then restarts into the established ensemble and
          // accepts its epoch.
          target = sim.memberIds.find((id) => id !== leader);
          if (target === undefined) throw new Error("a follower");
          sim.crash(target);
          sim.crash(leader);
          settle(sim);
          sim.restart(leader);
          settle(sim);
          commitWrites(sim, 3);
        }
        const struck: {
          member: ServerId;
          accepted: number;
          current: number;
          lastZxid: Zxid;
          committed: Zxid;
        }[] = [];
        sim.onDurable((member, durable: StorageWrite) => {
          if (struck.length > 0 || durable.kind !== write) return;
          const node = sim.node(member);
          const matches =
            who === "joiner"
              ? member === target
              : who === "electedLeader"
                ? node?.role === "leading"
                : node?.role === "following";
          if (!matches || durable.epoch <= epochBefore) return;
          const disk = sim.disk(member);
          struck.push({
            member,
            accepted: disk.acceptedEpoch,
            current: disk.currentEpoch,
            lastZxid: disk.lastZxid,
            committed: sim.checker.lastCommittedZxid,
          });
          sim.crash(member);
        });
        if (who === "joiner" && target !== undefined) sim.restart(target);
        else sim.crash(leader);
        const leaderBack = who === "joiner";

        expect(
          sim.runUntil(() => struck.length > 0, 2_000),
          "the strike happened",
        ).toBe(true);
        const [hit] = struck;
        if (hit === undefined) throw new Error("struck");
        expect(hit.accepted, "I-EPOCH on disk at the crash").toBeGreaterThanOrEqual(hit.current);
        if (write === "acceptedEpoch") expect(hit.accepted).toBeGreaterThan(hit.current);
        // ZOOKEEPER-4643: once the new currentEpoch is on disk, so is the history synced before it
        // (no writes flow during the strike, so that is everything committed so far).
        if (write === "currentEpoch") expect(hit.lastZxid).toBeGreaterThanOrEqual(hit.committed);

        // The rest of the ensemble gets on with it (a quorum is still up).
        settle(sim);
        commitWrites(sim, 3);
        // The struck member restarts from what its disk holds; no repair, no refusal.
        sim.restart(hit.member);
        if (!leaderBack) sim.restart(leader);
        const leaderNow = settle(sim);
        const epochNow = sim.node(leaderNow)?.epoch;
        const disk = sim.disk(hit.member);
        expect(disk.acceptedEpoch).toBeGreaterThanOrEqual(disk.currentEpoch);
        expect(disk.currentEpoch).toBe(epochNow);
        expect(sim.node(hit.member)?.phase).toBe("broadcast");
        commitWrites(sim, 3);
        expectConverged(sim);
        expect(committedLog(sim, hit.member).map(([, p]) => p)).toEqual(
          expect.arrayContaining(base.map(text)),
        );
        expectOneLeaderPerEpoch(sim);
      });
    }
  });

  it("ZOOKEEPER-3911/4643/4646: a DIFF-synced follower's NEWLEADER ACK finds its history durable; a whole-ensemble crash right after it loses nothing", () => {
    const { sim, leader } = startEnsemble({ seed: 10_201, voters: 3 });
    const [lagging, other] = sim.memberIds.filter((id) => id !== leader) as [ServerId, ServerId];
    commitWrites(sim, 5);
    sim.crash(lagging);
    commitWrites(sim, 5);
    // The leader alone logs five more: uncommitted, and only on its disk.
    sim.partition([[leader]]);
    const onlyOnLeader = proposeMany(sim, leader, 5);
    expect(onlyOnLeader).toHaveLength(5);
    const lastZ = sim.node(leader)?.lastLoggedZxid ?? 0n;
    expect(sim.runUntil(() => sim.disk(leader).lastZxid === lastZ, 50)).toBe(true);
    sim.crash(other);
    sim.heal();

    // The lagging follower comes back: with the leader it forms the new quorum and gets a DIFF of
    // five committed and five uncommitted txns; its ACK of NEWLEADER establishes the epoch,
    // which commits those five.
    const atAck: { zxids: Zxid[]; currentEpoch: number; epoch: number; leaderLog: Zxid[] }[] = [];
    const stream: PeerMessage["kind"][] = [];
    sim.onDeliver((from, to, message) => {
      if (to === lagging && message.kind !== "ping" && message.kind !== "notification")
        stream.push(message.kind);
      if (from !== lagging || message.kind !== "ackNewLeader" || atAck.length > 0) return;
      const disk = sim.disk(lagging);
      atAck.push({
        zxids: disk.txns.map((txn) => txn.zxid),
        currentEpoch: disk.currentEpoch,
        epoch: message.epoch,
        leaderLog: sim.disk(to).txns.map((txn) => txn.zxid),
      });
      // Right after the leader handles this ACK: power loss everywhere.
      sim.at(sim.now, () => {
        for (const id of sim.memberIds) sim.crash(id);
      });
    });
    sim.restart(lagging);
    expect(sim.runUntil(() => atAck.length > 0 && sim.liveIds.length === 0, 2_000)).toBe(true);
    expect(stream).toContain("diff");
    const [ack] = atAck;
    if (ack === undefined) throw new Error("the ACK was seen");
    expect(ack.currentEpoch, "currentEpoch was durable before the ACK").toBe(ack.epoch);
    expect(ack.zxids, "every synced txn was durable before the ACK").toEqual(
      expect.arrayContaining(ack.leaderLog),
    );
    // The leader counted the ACK: the new epoch committed the five txns that only it had logged.
    for (const payload of onlyOnLeader) expect(sim.checker.isCommitted(payload)).toBe(true);

    // The old leader never comes back: the follower's disk is the only other copy.
    sim.restart(lagging);
    sim.restart(other);
    settle(sim);
    commitWrites(sim, 3);
    for (const id of [lagging, other]) {
      const log = committedLog(sim, id).map(([, p]) => p);
      expect(log, `member ${id}`).toEqual(expect.arrayContaining(onlyOnLeader.map(text)));
    }
    sim.restart(leader);
    settle(sim);
    expectConverged(sim);
    expectOneLeaderPerEpoch(sim);
  });

  it("ZOOKEEPER-4394: COMMITs between NEWLEADER and UPTODATE reach a late joiner while writes flow; no abandon, each txn applied once in order", () => {
    const trace = new TraceTail(5_000);
    const { sim, leader } = startEnsemble({ seed: 10_301, voters: 3, trace: trace.push });
    const joiner = sim.memberIds.find((id) => id !== leader);
    if (joiner === undefined) throw new Error("a follower");
    let between = 0;
    let fullPattern = 0;
    for (let round = 0; round < 4; round += 1) {
      sim.crash(joiner);
      commitWrites(sim, 10);
      const stream: PeerMessage[] = [];
      sim.onDeliver((_from, to, message) => {
        if (to === joiner && stream.at(-1)?.kind !== "upToDate") stream.push(message);
      });
      const startedAt = sim.now;
      sim.restart(joiner);
      const flowing: Uint8Array[] = [];
      while (sim.node(joiner)?.phase !== "broadcast" && sim.now < startedAt + 1_000) {
        flowing.push(...proposeMany(sim, leader, 1));
        sim.run(1);
      }
      expect(sim.node(joiner)?.phase).toBe("broadcast");
      const kinds = stream.map((m) => m.kind);
      const newLeaderAt = kinds.indexOf("newLeader");
      const upToDateAt = kinds.indexOf("upToDate");
      expect(newLeaderAt).toBeGreaterThan(-1);
      expect(upToDateAt).toBeGreaterThan(newLeaderAt);
      const window = stream.slice(newLeaderAt + 1, upToDateAt);
      const commits = window.filter(
        (m): m is Extract<PeerMessage, { kind: "commit" }> => m.kind === "commit",
      );
      between += commits.length;
      // ZooKeeper's exact order: a proposal synced before NEWLEADER, committed after it.
      const synced = stream
        .slice(0, newLeaderAt)
        .filter((m): m is Extract<PeerMessage, { kind: "proposal" }> => m.kind === "proposal");
      const lastSynced = synced.at(-1)?.txn.zxid ?? 0n;
      if (commits.some((c) => c.zxid >= lastSynced) && synced.length > 0) fullPattern += 1;
      expect(sim.runUntil(() => flowing.every((p) => sim.checker.isCommitted(p)), 1_000)).toBe(true);
      expectConverged(sim);
      const lines = trace.grep(new RegExp(`^\\d+ \\[${joiner}\\] (looking/|disconnect)`));
      const afterStart = lines.filter(
        (line) => Number(line.split(" ")[0]) >= startedAt && !line.endsWith(": started"),
      );
      expect(afterStart, "the joiner never abandons its leader").toEqual([]);
    }
    expect(between, "COMMITs arrived between NEWLEADER and UPTODATE").toBeGreaterThan(0);
    expect(fullPattern, "DIFF, PROPOSAL, NEWLEADER, COMMIT, UPTODATE seen at least once").toBeGreaterThan(0);
  });

  it("ZOOKEEPER-4685: no learner sends a proposal ACK before its NEWLEADER ACK, and the leader ignores an early one", () => {
    const { sim, leader } = startEnsemble({ seed: 10_401, voters: 3 });
    commitWrites(sim, 5);
    // Per connection (learner > leader): reset by FOLLOWERINFO, opened by the ACK of NEWLEADER.
    const synced = new Map<string, boolean>();
    for (const id of sim.memberIds) if (id !== leader) synced.set(`${id}>${leader}`, true);
    let acksChecked = 0;
    let newLeaderAcks = 0;
    const violations: string[] = [];
    sim.onDeliver((from, to, message) => {
      const key = `${from}>${to}`;
      if (message.kind === "followerInfo") synced.set(key, false);
      if (message.kind === "ackNewLeader") {
        synced.set(key, true);
        newLeaderAcks += 1;
      }
      if (message.kind === "ack") {
        acksChecked += 1;
        if (synced.get(key) !== true)
          violations.push(`${sim.now}: ack from ${from} to ${to} before its NEWLEADER ACK`);
      }
    });

    // An early ACK injected while a joiner is syncing, at an instant where counting it commits.
    const joiner = sim.memberIds.find((id) => id !== leader);
    if (joiner === undefined) throw new Error("a follower");
    let syncing = false;
    let injected = 0;
    sim.onDeliver((from, to, message) => {
      if (to === joiner && message.kind === "newLeader") syncing = true;
      if (from === joiner && message.kind === "ackNewLeader") syncing = false;
      const node = sim.node(leader);
      if (!syncing || node === undefined || node.role !== "leading") return;
      if (node.durableZxid <= node.committedZxid) return;
      // With 3 voters, the leader's own durable copy and this ACK would make a quorum.
      const before = node.committedZxid;
      node.receive(joiner, { kind: "ack", zxid: node.durableZxid });
      expect(node.committedZxid, "the early ACK is not counted").toBe(before);
      injected += 1;
    });

    for (let round = 0; round < 5; round += 1) {
      sim.crash(joiner);
      commitWrites(sim, 5);
      sim.restart(joiner);
      const end = sim.now + 60;
      while (sim.now < end) {
        proposeMany(sim, leader, 1);
        sim.run(1);
      }
      settle(sim);
    }
    // And a change of leader, so that every follower goes through a fresh NEWLEADER.
    sim.crash(leader);
    settle(sim);
    commitWrites(sim, 10);
    sim.restart(leader);
    settle(sim);
    commitWrites(sim, 5);
    expectConverged(sim);

    expect(violations).toEqual([]);
    expect(acksChecked).toBeGreaterThan(50);
    expect(newLeaderAcks).toBeGreaterThanOrEqual(7);
    expect(injected, "an early ACK was injected where counting it would have committed").toBeGreaterThan(0);
  });

  it("ZOOKEEPER-1277: with zxidCounterMax 20, 100 writes commit across several epochs with no counter reaching 20", () => {
    const { sim } = startEnsemble({ seed: 10_501, voters: 3, zab: { zxidCounterMax: 20 } });
    const payloads = Array.from({ length: 100 }, () => sim.nextPayload());
    const queue = [...payloads];
    let rejected = 0;
    const deadline = sim.now + 30_000;
    while (queue.length > 0 && sim.now < deadline) {
      const leader = sim.leader();
      const next = queue[0];
      if (leader !== undefined && next !== undefined) {
        const result = sim.propose(leader, next);
        if (result?.kind === "proposed") {
          queue.shift();
          continue;
        }
        rejected += 1;
      }
      sim.run(5);
    }
    expect(queue, "every write was accepted by some leader").toEqual([]);
    expect(sim.runUntil(() => payloads.every((p) => sim.checker.isCommitted(p)), 5_000)).toBe(true);
    expect(rejected, "leaders refused writes at the counter limit").toBeGreaterThan(0);
    settle(sim);
    expectConverged(sim);

    const history = committedLog(sim, sim.leader() ?? sim.memberIds[0] ?? (0 as ServerId));
    expect(history.map(([, p]) => p)).toEqual(payloads.map(text));
    for (let i = 1; i < history.length; i += 1) {
      expect((history[i]?.[0] ?? 0n) > (history[i - 1]?.[0] ?? 0n), "zxids strictly increase").toBe(true);
    }
    for (const [z] of history) expect(counterOf(z)).toBeLessThan(20);
    const epochs = new Set(history.map(([z]) => epochOf(z)));
    expect(epochs.size, "the history spans several epochs").toBeGreaterThanOrEqual(Math.ceil(100 / 19));
    expectOneLeaderPerEpoch(sim);
  });
});
