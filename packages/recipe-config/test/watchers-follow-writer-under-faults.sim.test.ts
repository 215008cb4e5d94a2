// Goal: the fleet scenario. Watchers spread over the members follow a writer's stream of
// versions through leader crashes, partitions, pauses past the session timeout, clients cut off
// from their member and broken channels; every watcher's versions only go up, every watcher ends
// on the last committed version, and no watcher ever gets, as a value, a version that failed
// validation — neither one the writer tried to set (refused before it was proposed) nor one
// sneaked in around the schema (reported as an "invalid" event). Method: CoordinationScenario
// (3 members running the real session layer, real connect() clients, virtual time) with its
// random faults while the writer works; sessions have a 1 s timeout, so pauses expire some of
// them and their owners reconnect with new sessions (a new watch starts at the current value:
// never below what the watcher saw before). After the faults heal, the final version is read
// linearizably and each watcher must reach it on its own. `CONFIG_SIM_SEEDS=N` runs N more seeds
// of 1,000 updates locally.
import { compareZxid } from "@zab/core";
import { describe, expect, it } from "vitest";
import { extraSeeds } from "./helpers/extra-seeds.js";
import { runWatchers, type WatchersRunReport } from "./helpers/watchers-run.js";

function checkReport(report: WatchersRunReport, seed: number): void {
  const where = (watcher: number) => `seed ${seed}, watcher ${watcher}`;
  for (const [index, log] of report.logs.entries()) {
    const { versions } = log;
    expect(versions.length, where(index)).toBeGreaterThan(0);
    for (let at = 1; at < versions.length; at += 1) {
      const previous = versions[at - 1];
      const current = versions[at];
      if (previous === undefined || current === undefined) continue;
      const order = compareZxid(current.zxid, previous.zxid);
      // Within one watch, strictly newer; a replacement watch restarts at the current value,
      // which may be the version last seen, never an older one.
      if (current.watch === previous.watch) expect(order, where(index)).toBeGreaterThan(0);
      else expect(order, where(index)).toBeGreaterThanOrEqual(0);
      expect(current.version >= previous.version || order > 0, where(index)).toBe(true);
    }
    // No invalid value delivered as a value.
    expect(
      versions.every((entry) => entry.kind === "invalid" || (entry.seq ?? -1) >= 0),
      where(index),
    ).toBe(true);
    const last = versions.at(-1);
    expect(last?.zxid, where(index)).toBe(report.final.zxid);
    expect(last?.version, where(index)).toBe(report.final.version);
  }
}

describe("watchers follow a writer under faults", () => {
  it("20 watchers, 5,000 updates through crashes and partitions: increasing, ending on the last version, never an invalid value", async () => {
    const seed = 1;
    const report = await runWatchers({ seed, watchers: 20, updates: 5_000, invalidEvery: 250 });
    checkReport(report, seed);
    // The run must have gone through real trouble, or it proves little.
    expect(report.faults).toBeGreaterThan(20);
    expect(report.acknowledged + report.indeterminate).toBeGreaterThanOrEqual(5_000);
    expect(report.acknowledged).toBeGreaterThan(4_500);
    expect(report.refused).toBe(19);
    expect(report.final.seq).toBe(5_000);
    const total = (pick: (log: WatchersRunReport["logs"][number]) => number) =>
      report.logs.reduce((sum, log) => sum + pick(log), 0);
    expect(total((log) => log.staleEvents)).toBeGreaterThan(0);
    expect(total((log) => log.freshEvents)).toBeGreaterThan(0);
    expect(total((log) => log.watches)).toBeGreaterThan(20);
    expect(total((log) => log.versions.filter((entry) => entry.kind === "invalid").length)).toBeGreaterThan(
      0,
    );
    console.log(
      `seed ${seed}: ${report.faults} faults, ${report.acknowledged} acknowledged, ${report.indeterminate} indeterminate, ` +
        `${total((log) => log.watches) - 20} watcher sessions replaced, ${report.writerSessions - 1} writer sessions replaced, ` +
        `${total((log) => log.versions.length)} versions seen, ${total((log) => log.staleEvents)} stale events`,
    );
  }, 120_000);

  it.each(extraSeeds)(
    "holds on extra seed %i of 1,000 updates",
    async (seed) => {
      const report = await runWatchers({ seed, watchers: 20, updates: 1_000, invalidEvery: 100 });
      checkReport(report, seed);
    },
    3_600_000,
  );
});
