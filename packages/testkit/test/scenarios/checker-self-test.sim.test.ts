/**
 * Scenario family: the harness checks itself (reliability.md §6 D.50 "mutation meta-test").
 *
 * Goal: the simulator's invariants must be strong enough to catch a broken ensemble; if these
 * scenarios passed silently, every other scenario's "no invariant threw" would mean little.
 * - A driver that lies about fsync (reports a write durable as soon as it is issued) lets members
 *   ACK what a crash then loses; repeated whole-ensemble power losses under write load must make
 *   an `InvariantViolation` surface within a few seeds.
 * - A broken membership where members 1 and 2 believe the voters are {1, 2, 3} lets them commit
 *   on a minority of the real 5-member ensemble; a violation must surface on seed 1 quickly.
 *
 * Method: the same deterministic schedule is run with the fault and, as a control, without it;
 * the control must be clean, so the violations are due to the fault and not to the schedule.
 */
import { serverId } from "@zab/core";
import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/sim/invariants.js";
import { Simulation } from "../../src/sim/simulation.js";
import { proposeMany } from "./helpers.js";

/** Repeated power losses under write load. @returns The error thrown, if any. */
function powerLosses(seed: number, lieAboutFsync: boolean): unknown {
  const sim = new Simulation({ seed, voters: 3, lieAboutFsync });
  try {
    for (let round = 0; round < 10; round += 1) {
      sim.runUntil(() => sim.hasServingQuorum(), 2_000);
      const end = sim.now + 40 + sim.random.int(0, 20);
      while (sim.now < end) {
        for (const id of sim.liveIds) proposeMany(sim, id, 1);
        sim.run(2);
      }
      for (const id of sim.memberIds) sim.crash(id);
      sim.run(20);
      for (const id of sim.memberIds) sim.restart(id);
    }
    sim.run(300);
    expect(sim.checker.committedCount).toBeGreaterThan(0);
    return undefined;
  } catch (error) {
    return error;
  }
}

/** A 5-voter ensemble where members 1 and 2 see a 3-voter membership. */
function brokenMembership(broken: boolean): { error: unknown; at: number } {
  const sim = new Simulation({
    seed: 1,
    voters: 5,
    ...(broken
      ? { membershipOf: (id) => (id <= 2 ? { voters: [serverId(1), serverId(2), serverId(3)] } : undefined) }
      : {}),
  });
  try {
    for (let i = 0; i < 100; i += 1) {
      for (const id of sim.liveIds) proposeMany(sim, id, 1);
      sim.run(10);
    }
    return { error: undefined, at: sim.now };
  } catch (error) {
    return { error, at: sim.now };
  }
}

describe("checker self-test", () => {
  it("a driver that lies about fsync loses acknowledged writes in whole-ensemble crashes: an InvariantViolation within seeds 1..20", () => {
    const outcomes = Array.from({ length: 20 }, (_, i) => ({ seed: i + 1, error: powerLosses(i + 1, true) }));
    const violating = outcomes.filter((o) => o.error instanceof InvariantViolation);
    const otherErrors = outcomes.filter(
      (o) => o.error !== undefined && !(o.error instanceof InvariantViolation),
    );
    expect(otherErrors.map((o) => `${o.seed}: ${String(o.error)}`)).toEqual([]);
    expect(violating.length).toBeGreaterThanOrEqual(1);
    // The first seeds already catch it.
    expect(violating[0]?.seed).toBeLessThanOrEqual(5);
    // Control: the very same schedules with an honest driver are clean.
    for (const { seed } of violating) expect(powerLosses(seed, false), `honest seed ${seed}`).toBeUndefined();
  });

  it("members 1-2 believe the voters are {1,2,3} in a 5-member ensemble and commit on a minority: a violation on seed 1", () => {
    const { error, at } = brokenMembership(true);
    expect(error).toBeInstanceOf(InvariantViolation);
    expect(at, "caught within the first second of virtual time").toBeLessThan(1_000);
    // Control: the correct membership runs the same schedule cleanly.
    expect(brokenMembership(false).error).toBeUndefined();
  });
});
