/**
 * A priority queue of timed events: earliest first, and in insertion order among equal times,
 * so that a simulation is deterministic.
 *
 * @module
 */

interface Entry<T> {
  readonly at: number;
  readonly sequence: number;
  readonly value: T;
}

/**
 * An event taken from an {@link EventQueue}.
 *
 * @since 0.1.0
 */
export interface TimedEvent<T> {
  /** When it is due, in the queue's time unit. */
  readonly at: number;
  /** The event itself. */
  readonly value: T;
}

/**
 * A binary min-heap keyed by (time, insertion sequence).
 *
 * @since 0.1.0
 */
export class EventQueue<T> {
  readonly #heap: Entry<T>[] = [];
  #sequence = 0;

  /** How many events are queued. */
  get size(): number {
    return this.#heap.length;
  }

  /**
   * Queues an event.
   *
   * @param at - Its time.
   * @param value - The event.
   */
  push(at: number, value: T): void {
    this.#heap.push({ at, sequence: this.#sequence, value });
    this.#sequence += 1;
    let index = this.#heap.length - 1;
    // Sift up: each step halves the index, so this terminates.
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#less(index, parent)) break;
      this.#swap(index, parent);
      index = parent;
    }
  }

  /** @returns The time of the earliest event, or `undefined` when empty. */
  peekTime(): number | undefined {
    return this.#heap[0]?.at;
  }

  /** @returns The earliest event with its time, or `undefined` when empty. */
  pop(): TimedEvent<T> | undefined {
    const top = this.#heap[0];
    const last = this.#heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (this.#heap.length > 0) {
      this.#heap[0] = last;
      let index = 0;
      // Sift down: each step doubles the index, so this terminates.
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < this.#heap.length && this.#less(left, smallest)) smallest = left;
        if (right < this.#heap.length && this.#less(right, smallest)) smallest = right;
        if (smallest === index) break;
        this.#swap(index, smallest);
        index = smallest;
      }
    }
    return { at: top.at, value: top.value };
  }

  #less(a: number, b: number): boolean {
    const x = this.#heap[a];
    const y = this.#heap[b];
    if (x === undefined || y === undefined) return false;
    return x.at < y.at || (x.at === y.at && x.sequence < y.sequence);
  }

  #swap(a: number, b: number): void {
    const x = this.#heap[a];
    const y = this.#heap[b];
    if (x === undefined || y === undefined) return;
    this.#heap[a] = y;
    this.#heap[b] = x;
  }
}
