/**
 * Runs asynchronous steps one at a time, in call order.
 *
 * @internal
 * @module
 */

/**
 * A FIFO of asynchronous steps: each starts after the previous one settled.
 *
 * @internal
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * Queues `step` after every step queued before it.
   *
   * @param step - The work.
   * @returns What `step` returns; its rejection reaches this caller only.
   */
  run<T>(step: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(step);
    // The caller gets the rejection through `result`; the tail only orders later steps, so a
    // failed step must not fail the ones behind it (they report the fail-stop state themselves).
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every step queued so far has settled. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
