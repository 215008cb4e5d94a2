/**
 * A histogram with fixed buckets: how observations such as fsync latencies are distributed.
 *
 * @module
 */
import { assert } from "../assert.js";

/**
 * What a {@link Histogram} has seen so far, as Prometheus exposes it.
 *
 * @since 0.1.0
 */
export interface HistogramSnapshot {
  /**
   * One entry per bucket, in increasing `le`, the last one `+Infinity`: how many observations
   * were at most `le`. Cumulative, so the last count equals {@link HistogramSnapshot.count}.
   */
  readonly buckets: readonly {
    /** The bucket's inclusive upper bound. */
    readonly le: number;
    /** Observations less than or equal to `le`. */
    readonly count: number;
  }[];
  /** The sum of every observation. */
  readonly sum: number;
  /** How many observations there were. */
  readonly count: number;
}

/**
 * One histogram series of a {@link MetricsRegistry}, made by {@link MetricsRegistry.histogram}.
 *
 * @remarks
 * The bucket bounds are fixed when the histogram is made. Observing walks that short array to
 * the first bound at or above the value and adds one to its bucket: no allocation, no sorting,
 * so it belongs on hot paths. Counts are kept per bucket and summed into Prometheus's
 * cumulative form only when read. Latencies are observed in seconds, Prometheus's base unit.
 * @example
 * ```ts
 * const registry = new MetricsRegistry();
 * const latency = registry.histogram({
 *   name: "app_write_duration_seconds",
 *   help: "Time to write one batch.",
 *   buckets: [0.001, 0.01, 0.1, 1],
 * });
 * latency.observe(0.004); // counted in the 0.01 bucket and every one above it
 * ```
 * @since 0.1.0
 */
export class Histogram {
  /** The finite upper bounds, increasing; the `+Inf` bucket is implicit. */
  readonly #bounds: Float64Array;
  /** Observations per bucket (not cumulative); the last slot is the `+Inf` bucket. */
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  /**
   * @param bounds - Finite, strictly increasing upper bounds (validated by the registry).
   * @internal
   */
  constructor(bounds: readonly number[]) {
    this.#bounds = Float64Array.from(bounds);
    this.#counts = new Float64Array(bounds.length + 1);
  }

  /**
   * Records one observation.
   *
   * @param value - The observed value, in the histogram's unit (seconds for a latency).
   * @throws {@link AssertionError} for NaN, which belongs to no bucket.
   */
  observe(value: number): void {
    assert(!Number.isNaN(value), "a histogram observation is a number");
    const bounds = this.#bounds;
    let bucket = 0;
    // Ends at the +Inf slot at the latest: the arrays are a few entries long.
    while (bucket < bounds.length && value > (bounds[bucket] ?? Number.POSITIVE_INFINITY)) bucket += 1;
    this.#counts[bucket] = (this.#counts[bucket] ?? 0) + 1;
    this.#sum += value;
    this.#count += 1;
  }

  /**
   * What the histogram holds now.
   *
   * @returns A new snapshot; later observations do not change it.
   */
  snapshot(): HistogramSnapshot {
    const buckets: { le: number; count: number }[] = [];
    let cumulative = 0;
    for (let bucket = 0; bucket < this.#counts.length; bucket += 1) {
      cumulative += this.#counts[bucket] ?? 0;
      buckets.push({ le: this.#bounds[bucket] ?? Number.POSITIVE_INFINITY, count: cumulative });
    }
    return { buckets, sum: this.#sum, count: this.#count };
  }
}
