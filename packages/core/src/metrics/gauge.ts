/**
 * A gauge: a number that goes up and down, such as open sessions or the current epoch.
 *
 * @module
 */
import { assert } from "../assert.js";

/**
 * One gauge series of a {@link MetricsRegistry}, made by {@link MetricsRegistry.gauge}.
 *
 * @remarks
 * Either set by its owner ({@link Gauge.set}, {@link Gauge.inc}, {@link Gauge.dec}) or, when
 * made with a `collect` callback, read from that callback at scrape time. The callback is the
 * usual choice for a value some other structure already holds (a map's size, a role): nothing
 * has to keep the gauge in step, and nothing runs between scrapes.
 * @example
 * ```ts
 * const registry = new MetricsRegistry();
 * registry.gauge({ name: "app_queue_length", help: "Items waiting.", collect: () => queue.length });
 * ```
 * @since 0.1.0
 */
export class Gauge {
  readonly #collect: (() => number) | undefined;
  #value = 0;

  /**
   * @param collect - Reads the value at scrape time instead of holding it here.
   * @internal
   */
  constructor(collect: (() => number) | undefined) {
    this.#collect = collect;
  }

  /**
   * Sets the value.
   *
   * @param value - The new value.
   * @throws {@link AssertionError} on a gauge read by a `collect` callback.
   */
  set(value: number): void {
    assert(this.#collect === undefined, "a collected gauge is read from its callback, not set");
    this.#value = value;
  }

  /**
   * Adds to the value.
   *
   * @param amount - How much; default 1.
   * @throws {@link AssertionError} on a gauge read by a `collect` callback.
   */
  inc(amount = 1): void {
    this.set(this.#value + amount);
  }

  /**
   * Subtracts from the value.
   *
   * @param amount - How much; default 1.
   * @throws {@link AssertionError} on a gauge read by a `collect` callback.
   */
  dec(amount = 1): void {
    this.set(this.#value - amount);
  }

  /** The value now (from the `collect` callback, for a collected gauge). */
  get value(): number {
    return this.#collect === undefined ? this.#value : this.#collect();
  }
}
