/**
 * A counter: a number that only goes up, such as transactions applied or bytes sent.
 *
 * @module
 */
import { assert } from "../assert.js";

/**
 * One counter series of a {@link MetricsRegistry}, made by {@link MetricsRegistry.counter}.
 *
 * @remarks
 * Incrementing adds to a number and allocates nothing, so it belongs on hot paths. A counter
 * made with a `collect` callback is read from that callback at scrape time instead (for a count
 * kept elsewhere, such as the digest checks of a {@link ZabNode}) and cannot be incremented. It
 * restarts at 0 with the process; Prometheus's `rate()` handles that reset.
 * @example
 * ```ts
 * const registry = new MetricsRegistry();
 * const sent = registry.counter({ name: "app_sent_bytes_total", help: "Bytes sent." });
 * sent.inc(frame.byteLength);
 * ```
 * @since 0.1.0
 */
export class Counter {
  readonly #collect: (() => number) | undefined;
  #value = 0;

  /**
   * @param collect - Reads the value at scrape time instead of counting here.
   * @internal
   */
  constructor(collect: (() => number) | undefined) {
    this.#collect = collect;
  }

  /**
   * Adds to the count.
   *
   * @param amount - How much; default 1. Never negative: a counter that went down would read as
   *   a reset.
   * @throws {@link AssertionError} for a negative or NaN amount, or on a counter read by a
   *   `collect` callback.
   */
  inc(amount = 1): void {
    assert(this.#collect === undefined, "a collected counter is read from its callback, not incremented");
    assert(amount >= 0, "a counter only goes up");
    this.#value += amount;
  }

  /** The count now (from the `collect` callback, for a collected counter). */
  get value(): number {
    return this.#collect === undefined ? this.#value : this.#collect();
  }
}
