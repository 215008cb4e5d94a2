/**
 * Scenario family: a member too far behind for DIFF is synchronized by SNAP
 * (reliability.md §6 B.14, ZOOKEEPER-3104/3642).
 *
 * Goal: when a rejoining member's last zxid is older than the transactions the leader keeps in
 * memory, the leader sends its applied state as a snapshot (SNAP and snapshot chunks) followed by
 * the newer transactions; the member installs it durably, reaches the leader's digest, keeps up
 * with new writes, and restarts from the installed snapshot afterwards.
 *
 * Method: a 3-voter ensemble with `syncDiffTxnsMax: 20` (and small snapshot chunks, so the
 * transfer spans several chunks) commits a base; one follower is crashed while about 200 writes
 * commit, then restarted. The sync stream it receives is recorded on delivery. A second variant
 * keeps writes flowing while the member synchronizes.
 */
import type { PeerMessage, ServerId } from "@zab/core";
import { describe, expect, it } from "vitest";
import type { Simulation } from "../../src/sim/simulation.js";
import { commitWrites, expectConverged, proposeMany, settle, startEnsemble } from "./helpers.js";

function recordStream(sim: Simulation, member: ServerId): PeerMessage["kind"][] {
  const kinds: PeerMessage["kind"][] = [];
  sim.onDeliver((_from, to, message) => {
    if (to === member && message.kind !== "ping" && message.kind !== "notification") kinds.push(message.kind);
  });
  return kinds;
}

describe("member far behind gets SNAP", () => {
  it("follower down while 200 writes commit (DIFF window 20): SNAP, then the same digest", () => {
    const { sim, leader } = startEnsemble({
      seed: 4_001,
      voters: 3,
      zab: { syncDiffTxnsMax: 20, snapshotChunkBytes: 4 },
    });
    commitWrites(sim, 10);
    const lagging = sim.memberIds.find((id) => id !== leader);
    if (lagging === undefined) throw new Error("a follower");
    sim.crash(lagging);
    const lagBefore = sim.disk(lagging).lastZxid;
    commitWrites(sim, 200, 20_000);

    const stream = recordStream(sim, lagging);
    sim.restart(lagging);
    settle(sim);
    expectConverged(sim);

    expect(stream).toContain("snap");
    expect(stream).not.toContain("diff");
    expect(stream).not.toContain("trunc");
    // 16 bytes of digest state in 4-byte chunks.
    expect(stream.filter((kind) => kind === "snapChunk")).toHaveLength(4);
    expect(stream.indexOf("snap")).toBeLessThan(stream.indexOf("newLeader"));
    expect(stream.indexOf("newLeader")).toBeLessThan(stream.indexOf("upToDate"));
    expect(sim.disk(lagging).lastZxid).toBeGreaterThan(lagBefore);
    expect(sim.machine(lagging).digest()).toBe(sim.machine(leader).digest());
    // The installed snapshot replaced the old log: the member holds no transaction at or before it.
    expect(sim.disk(lagging).txns.length).toBeLessThan(30);

    // It keeps up with new writes and restarts from its snapshot.
    commitWrites(sim, 10);
    expectConverged(sim);
    sim.crash(lagging);
    sim.restart(lagging);
    settle(sim);
    commitWrites(sim, 5);
    expectConverged(sim);
  });

  it("follower far behind resynchronizes by SNAP while writes keep flowing", () => {
    const { sim, leader } = startEnsemble({ seed: 4_002, voters: 3, zab: { syncDiffTxnsMax: 20 } });
    const lagging = sim.memberIds.find((id) => id !== leader);
    if (lagging === undefined) throw new Error("a follower");
    sim.crash(lagging);
    commitWrites(sim, 150, 20_000);
    const stream = recordStream(sim, lagging);
    sim.restart(lagging);
    const during: Uint8Array[] = [];
    for (let i = 0; i < 40; i += 1) {
      during.push(...proposeMany(sim, leader, 1));
      sim.run(1);
    }
    settle(sim);
    expect(sim.runUntil(() => during.every((p) => sim.checker.isCommitted(p)), 2_000)).toBe(true);
    expectConverged(sim);
    expect(stream).toContain("snap");
    expect(sim.node(lagging)?.appliedZxid).toBe(sim.node(leader)?.appliedZxid);
  });

  it("leader crashes right after the last snapshot chunk, before NEWLEADER (ZOOKEEPER-3642): nothing is lost", () => {
    const { sim, leader } = startEnsemble({ seed: 4_003, voters: 3, zab: { syncDiffTxnsMax: 20 } });
    const [lagging, other] = sim.memberIds.filter((id) => id !== leader) as [ServerId, ServerId];
    sim.crash(lagging);
    const committed = commitWrites(sim, 120, 20_000);
    let struck = false;
    sim.onDeliver((_from, to, message) => {
      if (!struck && to === lagging && message.kind === "snapChunk" && message.last) {
        struck = true;
        // Right after this chunk is handled: the leader dies before NEWLEADER reaches the learner.
        sim.at(sim.now, () => sim.crash(leader));
      }
    });
    sim.restart(lagging);
    expect(sim.runUntil(() => struck && sim.node(leader) === undefined, 1_000)).toBe(true);
    settle(sim);
    expect(sim.leader()).toBe(other);
    commitWrites(sim, 5);
    expectConverged(sim);
    // The learner restarts from what it made durable, then the old leader comes back.
    sim.crash(lagging);
    sim.restart(lagging);
    sim.restart(leader);
    settle(sim);
    commitWrites(sim, 5);
    expectConverged(sim);
    for (const payload of committed) expect(sim.checker.isCommitted(payload)).toBe(true);
  });
});
