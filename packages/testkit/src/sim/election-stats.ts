/**
 * Election timing across many simulation runs, in ticks: median and p99.
 *
 * @module
 */
import type { RandomRunReport } from "./random-run.js";

/**
 * The value below which a fraction of sorted samples fall (nearest rank).
 *
 * @param sorted - Samples, ascending.
 * @param fraction - Between 0 and 1.
 * @returns The percentile, or `NaN` for no samples.
 * @since 0.1.0
 */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/**
 * Summarizes how long elections took across runs, in ticks.
 *
 * @param reports - Reports of passing runs.
 * @returns One line: cold start, leader crash and post-fault recovery, median and p99 each.
 * @since 0.1.0
 */
export function summarizeElectionTimes(reports: readonly RandomRunReport[]): string {
  const ticks = (pick: (report: RandomRunReport) => number) =>
    reports.map((report) => pick(report) / report.tickMs).sort((a, b) => a - b);
  const cold = ticks((report) => report.coldStartMs);
  const failover = ticks((report) => report.failoverMs);
  const recovery = ticks((report) => report.recoveryMs);
  const format = (values: readonly number[]) =>
    `median ${percentile(values, 0.5).toFixed(1)}, p99 ${percentile(values, 0.99).toFixed(1)} ticks`;
  return [
    `cold-start election: ${format(cold)}`,
    `after a leader crash: ${format(failover)}`,
    `after healing the fault phase: ${format(recovery)}`,
  ].join("; ");
}
