/**
 * The load both Coordination API benchmarks drive: pre-created znodes, then levels of setData or
 * getData calls at a fixed concurrency for a fixed time.
 *
 * One operation is one awaited call. Concurrency is the number of calls in flight: that many
 * workers each loop "take the next operation index i, call on session i mod sessions, await the
 * reply" until the level's time is up; the run then drains what is in flight. Throughput is
 * replies over the level's wall clock; latency is per call (nearest-rank percentiles).
 *
 * @module
 */
import type { Coordination } from "../../packages/core/src/index.js";
import { LatencyRecorder } from "./latency.js";
import { type AccountedProcess, UsageMeter } from "./process-usage.js";

/** The size of every value written. */
export const VALUE_BYTES = 100;
/** How many znodes the load spreads over, so that calls in flight do not contend on one. */
export const ZNODES = 1024;

/** What a level measures. */
export type LoadOp = "setData" | "getData";

/** The untimed warm-up before the levels, so that the JIT has compiled the hot paths. */
const WARMUP_MS = 1_500;
/** Time per level: long enough for stable p99s, short enough to keep a benchmark under a minute. */
export const LEVEL_MS = 4_000;
/** The levels every Coordination API benchmark reports. */
const LEVELS = [
  { op: "setData", concurrency: 1 },
  { op: "setData", concurrency: 16 },
  { op: "setData", concurrency: 128 },
  { op: "getData", concurrency: 128 },
] as const;

/** Warms up, then runs the standard levels and returns their table rows. */
export async function runStandardLevels(
  load: Omit<LoadLevel, "op" | "concurrency" | "durationMs">,
): Promise<Record<string, string | number>[]> {
  await runLevel({ ...load, op: "setData", concurrency: 16, durationMs: WARMUP_MS });
  await runLevel({ ...load, op: "getData", concurrency: 16, durationMs: WARMUP_MS / 3 });
  const rows = [];
  for (const level of LEVELS) rows.push(await runLevel({ ...load, ...level, durationMs: LEVEL_MS }));
  return rows;
}

/** Creates `/bench/n-0000` … with 100-byte values, a few hundred calls in flight at a time. */
export async function createZnodes(sessions: readonly Coordination[]): Promise<string[]> {
  const first = sessions[0];
  if (first === undefined) throw new Error("no session");
  await first.create("/bench");
  const paths = Array.from({ length: ZNODES }, (_, i) => `/bench/n-${String(i).padStart(4, "0")}`);
  const data = benchValue(0);
  for (let start = 0; start < paths.length; start += 256) {
    await Promise.all(paths.slice(start, start + 256).map((path) => first.create(path, { data })));
  }
  // Every session reads its own member's tree: wait until each one has every znode.
  await Promise.all(sessions.map((session) => session.sync("/bench")));
  return paths;
}

/** One level of load. */
export interface LoadLevel {
  readonly sessions: readonly Coordination[];
  readonly paths: readonly string[];
  readonly op: LoadOp;
  readonly concurrency: number;
  readonly durationMs: number;
  /** The members' log fdatasyncs so far (mean per member), when the benchmark can see them. */
  readonly datasyncs?: () => number;
  /** The processes whose CPU time and system calls per operation the level reports. */
  readonly processes?: () => readonly AccountedProcess[];
}

/** Runs one level and returns its table row. */
export async function runLevel(level: LoadLevel): Promise<Record<string, string | number>> {
  const { sessions, paths, op, concurrency, durationMs, datasyncs, processes } = level;
  const recorder = new LatencyRecorder();
  const data = benchValue(concurrency);
  const datasyncsBefore = datasyncs?.() ?? 0;
  let next = 0;
  let errors = 0;
  let deadline = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const i = next++;
      const session = sessions[i % sessions.length];
      const path = paths[i % paths.length];
      if (session === undefined || path === undefined) throw new Error("no session or path");
      const began = recorder.now();
      try {
        if (op === "setData") await session.setData(path, data);
        else await session.getData(path);
        recorder.record(began);
      } catch {
        errors++;
      }
    }
  };
  const meter = processes === undefined ? undefined : new UsageMeter(processes());
  recorder.start();
  deadline = performance.now() + durationMs;
  await Promise.all(Array.from({ length: concurrency }, worker));
  recorder.stop();
  const summary = recorder.summary();
  const usage = meter?.perOperation(summary.count) ?? {};
  const syncs = datasyncs === undefined ? undefined : datasyncs() - datasyncsBefore;
  return {
    op,
    concurrency,
    ops: summary.count,
    "ops/s": Math.round(summary.opsPerSecond),
    "p50 ms": summary.p50Ms,
    "p99 ms": summary.p99Ms,
    "p999 ms": summary.p999Ms,
    "max ms": summary.maxMs,
    errors,
    ...usage,
    ...(syncs === undefined
      ? {}
      : {
          "fdatasyncs/member": op === "setData" ? Math.round(syncs) : "-",
          "writes/fdatasync": op === "setData" && syncs > 0 ? summary.count / syncs : "-",
        }),
  };
}

/** A 100-byte value, filled with `seed` (the level's concurrency, so levels write different data). */
export function benchValue(seed: number): Uint8Array {
  return new Uint8Array(VALUE_BYTES).fill(seed & 0xff);
}
