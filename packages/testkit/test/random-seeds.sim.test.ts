// Goal: ZAB keeps its safety properties under random faults, and a healed ensemble makes
// progress. Method: swarm-style randomized simulations (random ensemble shape, fault mix and
// timing per seed): crashes that lose unsynced writes, coordinated power loss, symmetric and
// one-way partitions, isolating the leader, channel breaks, while clients write. The invariants
// are checked after every simulated event; at the end everything heals and a write must reach
// every member. A failing seed prints a one-line replay command.
import { describe, expect, it } from "vitest";
import { summarizeElectionTimes } from "../src/sim/election-stats.js";
import { type RandomRunReport, runRandomSimulation } from "../src/sim/random-run.js";

const SEEDS = 600;

describe("random simulation", () => {
  it(`keeps every invariant and recovers on ${SEEDS} seeds of 3- and 5-member ensembles`, () => {
    const reports: RandomRunReport[] = [];
    for (let seed = 1; seed <= SEEDS; seed += 1) reports.push(runRandomSimulation({ seed }));
    // The batch must really mix shapes and faults, or it proves little.
    expect(new Set(reports.map((report) => report.voters))).toEqual(new Set([3, 5]));
    expect(reports.some((report) => report.observers > 0)).toBe(true);
    expect(reports.reduce((sum, report) => sum + report.faults, 0)).toBeGreaterThan(SEEDS * 10);
    expect(reports.every((report) => report.committed > 0)).toBe(true);
    console.log(summarizeElectionTimes(reports));
  }, 180_000);
});
