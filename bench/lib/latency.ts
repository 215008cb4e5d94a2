/**
 * A latency recorder for benchmarks: per-operation samples from `process.hrtime.bigint()`, and
 * percentiles and throughput computed from them.
 *
 * @module
 */

/** What a run measured. Latencies in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/**
 * Records one latency sample per operation between {@link LatencyRecorder.start} and
 * {@link LatencyRecorder.stop}; throughput is samples over that wall-clock span.
 */
export class LatencyRecorder {
  readonly #samplesNs: number[] = [];
  #startNs: bigint | undefined;
  #stopNs: bigint | undefined;

  /** Starts the wall clock of the run. */
  start(): void {
    this.#startNs = process.hrtime.bigint();
  }

  /** Stops the wall clock of the run. */
  stop(): void {
    this.#stopNs = process.hrtime.bigint();
  }

  /** The current time, to pass back to {@link LatencyRecorder.record} when the operation ends. */
  now(): bigint {
    return process.hrtime.bigint();
  }

  /** Records the latency of an operation that began at `beganNs` (from {@link LatencyRecorder.now}). */
  record(beganNs: bigint): void {
    this.#samplesNs.push(Number(process.hrtime.bigint() - beganNs));
  }

  /** Percentiles (nearest rank) and throughput of the recorded samples. */
  summary(): LatencySummary {
    if (this.#startNs === undefined || this.#stopNs === undefined)
      throw new Error("call start() and stop() first");
    const sorted = Float64Array.from(this.#samplesNs).sort();
    const elapsedSeconds = Number(this.#stopNs - this.#startNs) / 1e9;
    const percentileMs = (q: number) =>
      (sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN) / 1e6;
    return {
      count: sorted.length,
      opsPerSecond: sorted.length / elapsedSeconds,
      p50Ms: percentileMs(0.5),
      p99Ms: percentileMs(0.99),
      p999Ms: percentileMs(0.999),
      maxMs: (sorted.at(-1) ?? Number.NaN) / 1e6,
    };
  }
}
