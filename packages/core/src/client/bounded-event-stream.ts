/**
 * The bounded queue behind every event iterator of the client: connection states and persistent
 * watches.
 *
 * A producer pushes; one consumer pulls with `for await`. The buffer is bounded: a consumer that
 * falls too far behind gets what was buffered and then an error, never an unbounded heap and
 * never a silent gap.
 *
 * @module
 */
import { assert } from "../assert.js";
import type { ZabError } from "../errors.js";
import { abortedError } from "./aborted-error.js";
import type { EventStream } from "./coordination.js";

/**
 * Settings of a {@link BoundedEventStream}.
 *
 * @typeParam T - The events.
 * @since 0.1.0
 * @internal
 */
export interface BoundedEventStreamOptions<T> {
  /** The most events buffered for the consumer; one more fails the stream with `overflow()`. */
  readonly itemsMax: number;
  /** The error the consumer gets, after the buffered events, once the buffer overflowed. */
  readonly overflow: () => ZabError;
  /** Stops the stream with `"Aborted"` when it fires. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Called once, as soon as the stream stops taking events for whatever reason: the producer
   * ended or failed it, the buffer overflowed, the signal fired, or the consumer returned.
   */
  readonly stopped: (stream: BoundedEventStream<T>) => void;
}

interface Waiter<T> {
  readonly resolve: (result: IteratorResult<T, undefined>) => void;
  readonly reject: (error: unknown) => void;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A single-consumer async iterator over a bounded buffer.
 *
 * @remarks
 * Once stopped, the consumer still receives what was buffered, then the end (or the error, once;
 * later `next` calls report the end). Aborting and returning drop the buffer. The stream is its
 * own iterator, as an async generator object is.
 * @typeParam T - The events.
 * @since 0.1.0
 * @internal
 */
export class BoundedEventStream<T> implements EventStream<T> {
  readonly #options: BoundedEventStreamOptions<T>;
  #items: T[] = [];
  #itemsHead = 0;
  #waiters: Waiter<T>[] = [];
  /** Set once the stream takes no more events: `undefined` error for a clean end. */
  #stop: { readonly error: ZabError | undefined } | undefined;
  #onAbort: (() => void) | undefined;

  /** @param options - The bound, the overflow error, the signal and the stop callback. */
  constructor(options: BoundedEventStreamOptions<T>) {
    assert(Number.isSafeInteger(options.itemsMax) && options.itemsMax > 0, "itemsMax is a positive integer");
    this.#options = options;
    const signal = options.signal;
    if (signal === undefined) return;
    if (signal.aborted) {
      this.#abort(signal);
      return;
    }
    this.#onAbort = () => this.#abort(signal);
    signal.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Whether the stream still takes events. */
  get open(): boolean {
    return this.#stop === undefined;
  }

  /**
   * Hands an event to the consumer, or buffers it.
   *
   * @param item - The event.
   */
  push(item: T): void {
    if (this.#stop !== undefined) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve({ done: false, value: item });
      return;
    }
    if (this.#items.length - this.#itemsHead >= this.#options.itemsMax) {
      this.fail(this.#options.overflow());
      return;
    }
    this.#items.push(item);
  }

  /** Ends the stream once the buffered events are consumed. */
  end(): void {
    this.#finish(undefined, false);
  }

  /**
   * Fails the stream once the buffered events are consumed.
   *
   * @param error - What the consumer's `next` rejects with.
   */
  fail(error: ZabError): void {
    this.#finish(error, false);
  }

  /**
   * Takes the next event, waiting for one.
   *
   * @returns The event, or the end.
   * @throws {@link ZabError} the error the stream failed with, once.
   */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#itemsHead < this.#items.length) {
      const item = this.#items[this.#itemsHead] as T;
      this.#itemsHead += 1;
      if (this.#itemsHead === this.#items.length) {
        this.#items = [];
        this.#itemsHead = 0;
      }
      return Promise.resolve({ done: false, value: item });
    }
    const stop = this.#stop;
    if (stop === undefined) {
      return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
    }
    if (stop.error === undefined) return Promise.resolve(DONE);
    // The error is reported once; afterwards the stream is simply over, like a generator that threw.
    this.#stop = { error: undefined };
    return Promise.reject(stop.error);
  }

  /**
   * Stops the stream from the consumer's side, as `break` out of `for await` does.
   *
   * @returns The end.
   */
  return(): Promise<IteratorResult<T, undefined>> {
    this.#finish(undefined, true);
    this.#stop = { error: undefined };
    return Promise.resolve(DONE);
  }

  /** @returns This stream: it is its own iterator. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stops the stream, as {@link BoundedEventStream.return} does. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  #abort(signal: AbortSignal): void {
    this.#finish(abortedError(signal, "the event stream"), true);
  }

  #finish(error: ZabError | undefined, dropBuffered: boolean): void {
    if (dropBuffered) {
      this.#items = [];
      this.#itemsHead = 0;
    }
    if (this.#stop !== undefined) return;
    this.#stop = { error };
    if (this.#onAbort !== undefined) this.#options.signal?.removeEventListener("abort", this.#onAbort);
    // Waiters exist only while the buffer is empty, so they learn the end at once: the first
    // gets the error, if any, and the rest the end.
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (this.#stop.error === undefined) {
        waiter.resolve(DONE);
      } else {
        const failure = this.#stop.error;
        this.#stop = { error: undefined };
        waiter.reject(failure);
      }
    }
    this.#options.stopped(this);
  }
}
