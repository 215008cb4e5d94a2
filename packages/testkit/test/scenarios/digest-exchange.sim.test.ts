/**
 * Scenario family: the periodic digest exchange (DESIGN.md §4 "A periodic digest of the data tree,
 * compared across members, catches divergence in production too"; ZooKeeper's ZOOKEEPER-3114).
 *
 * Goal: in a healthy ensemble every learner compares its state digest with its leader's many times
 * — across a leader change, a SNAP and an observer — and never reports a mismatch (a false alarm
 * would page an operator for nothing); and a member whose state diverges is reported by that
 * member, once per zxid compared, within a few digest intervals of the divergence.
 *
 * Method: (a) a 3-voter + 1-observer ensemble takes writes while its leader is crashed and a
 * follower is brought back by SNAP; the members' digest counters are summed (banked before each
 * crash, since a restarted node starts from zero). (b) One follower's state machine is made to
 * report a different digest for every zxid after some point, as a replica whose state was
 * corrupted while it applied the same history would. The simulator's own oracle compares what
 * `apply` returns, which stays right, so only the protocol's exchange can notice; the simulator
 * treats the mismatch it reports as an invariant violation, which the test expects.
 */
import type { DigestCheckStats, ServerId } from "@zab/core";
import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/sim/invariants.js";
import type { Simulation } from "../../src/sim/simulation.js";
import { commitWrites, expectConverged, proposeMany, settle, startEnsemble } from "./helpers.js";

const TICK_MS = 10;
const DIGEST_INTERVAL_TICKS = 5;

/** Sums the digest counters of members, keeping those of nodes that crashed. */
class CheckTally {
  #banked: DigestCheckStats = { checked: 0, mismatched: 0, skipped: 0 };
  constructor(private readonly sim: Simulation) {}

  /** Keeps a member's counts before it crashes and its node is gone. */
  crash(id: ServerId): void {
    this.#banked = add(this.#banked, this.sim.node(id)?.digestChecks);
    this.sim.crash(id);
  }

  /** Everything counted so far, on every member. */
  get total(): DigestCheckStats {
    return this.sim.memberIds.reduce((sum, id) => add(sum, this.sim.node(id)?.digestChecks), this.#banked);
  }
}

/**
 * Proposes one write every tick at whoever leads, for `ms`, then waits for them to commit: the
 * leader's applied zxid keeps moving, so every digest it sends is a new one to compare (an idle
 * leader repeats the same zxid, which learners compare only once).
 */
function writeSteadily(sim: Simulation, ms: number): void {
  const end = sim.now + ms;
  const accepted: Uint8Array[] = [];
  while (sim.now < end) {
    const leader = sim.leader();
    if (leader !== undefined) accepted.push(...proposeMany(sim, leader, 1));
    sim.run(TICK_MS);
  }
  const committed = sim.runUntil(() => accepted.every((payload) => sim.checker.isCommitted(payload)), 2_000);
  expect(committed, "the steady writes commit").toBe(true);
}

function add(a: DigestCheckStats, b: DigestCheckStats | undefined): DigestCheckStats {
  if (b === undefined) return a;
  return {
    checked: a.checked + b.checked,
    mismatched: a.mismatched + b.mismatched,
    skipped: a.skipped + b.skipped,
  };
}

describe("digest exchange", () => {
  it("(a) a healthy ensemble compares digests many times and never finds a mismatch", () => {
    const { sim, leader } = startEnsemble({
      seed: 31_001,
      voters: 3,
      observers: 1,
      tickMs: TICK_MS,
      zab: { digestIntervalTicks: DIGEST_INTERVAL_TICKS, syncDiffTxnsMax: 20, snapshotChunkBytes: 4 },
    });
    const tally = new CheckTally(sim);
    // One second of writes is 20 digest intervals; each of the 3 learners compares most of them.
    writeSteadily(sim, 1_000);
    expectConverged(sim);
    const firstLeg = tally.total;
    expect(firstLeg.checked).toBeGreaterThanOrEqual(3 * 15);

    // A new leader: its learners start comparing afresh with it.
    tally.crash(leader);
    const second = settle(sim);
    expect(second).not.toBe(leader);
    writeSteadily(sim, 1_000);
    const secondLeg = tally.total;
    expect(secondLeg.checked - firstLeg.checked).toBeGreaterThanOrEqual(2 * 15);

    // The old leader comes back far behind (DIFF window 20): SNAP, then it compares from there.
    const stream: string[] = [];
    sim.onDeliver((_from, to, message) => {
      if (to === leader) stream.push(message.kind);
    });
    sim.restart(leader);
    settle(sim);
    writeSteadily(sim, 500);
    expectConverged(sim);
    expect(stream).toContain("snap");
    expect(sim.node(leader)?.digestChecks.checked ?? 0).toBeGreaterThanOrEqual(5);

    const { checked, mismatched } = tally.total;
    expect(mismatched).toBe(0);
    expect(checked).toBeGreaterThanOrEqual(80);
  });

  it("(b) a member whose state diverges reports it within a few digest intervals", () => {
    const { sim, leader } = startEnsemble({
      seed: 31_002,
      voters: 3,
      tickMs: TICK_MS,
      zab: { digestIntervalTicks: DIGEST_INTERVAL_TICKS },
    });
    commitWrites(sim, 20);
    expectConverged(sim);
    sim.run(2 * DIGEST_INTERVAL_TICKS * TICK_MS);
    const [diverging, healthy] = sim.memberIds.filter((id) => id !== leader);
    if (diverging === undefined || healthy === undefined) throw new Error("two followers");
    const machine = sim.machine(diverging);
    const divergedAfter = machine.lastZxid;
    const honest = machine.digest.bind(machine);
    let divergedAtMs: number | undefined;
    // The state after `divergedAfter` differs from what the history says it should be.
    machine.digest = () => {
      if (machine.lastZxid <= divergedAfter) return honest();
      divergedAtMs ??= sim.now;
      return honest() ^ 0xdeadn;
    };
    const checksBefore = sim.node(diverging)?.digestChecks;
    expect(checksBefore?.mismatched).toBe(0);
    expect(checksBefore?.checked).toBeGreaterThan(0);

    let violation: unknown;
    try {
      commitWrites(sim, 20);
      sim.run(1_000);
    } catch (error) {
      violation = error;
    }

    expect(violation).toBeInstanceOf(InvariantViolation);
    const message = (violation as InvariantViolation).message;
    expect(message).toMatch(
      new RegExp(`^digest exchange: member ${diverging} holds digest 0x[0-9a-f]+ at 0x`),
    );
    expect(message).toContain(`where its leader ${leader} holds`);
    const reportedAt = BigInt(message.match(/ at (0x[0-9a-f]{16}),/)?.[1] ?? "0");
    expect(reportedAt).toBeGreaterThan(divergedAfter);
    expect(sim.node(diverging)?.digestChecks.mismatched).toBe(1);
    expect(sim.node(healthy)?.digestChecks.mismatched).toBe(0);
    // Reported within a few intervals of the first diverged state (plus the followers' lag).
    expect(divergedAtMs).toBeDefined();
    expect(sim.now - (divergedAtMs ?? 0)).toBeLessThanOrEqual(3 * DIGEST_INTERVAL_TICKS * TICK_MS);
  });
});
