/**
 * A bounded async iterator fed by a producer that never waits: what {@link LeaderElection.events}
 * returns.
 *
 * @module
 */
import { ZabError } from "@zab/core";
import { abortReason } from "./abortable.js";

/** The feed's buffer bound; a consumer further behind gets `"Throttled"`. */
const EVENTS_BUFFERED_MAX = 64;

/**
 * One consumer's stream of events.
 */
export class EventFeed<T> implements AsyncIterableIterator<T, undefined, undefined>, AsyncDisposable {
  readonly #buffer: T[] = [];
  readonly #stopped: (feed: EventFeed<T>) => void;
  #waiter:
    | { resolve: (result: IteratorResult<T, undefined>) => void; reject: (error: unknown) => void }
    | undefined;
  /** Set once no more events come: `undefined` for a clean end. */
  #end: { readonly error: unknown } | undefined;

  /**
   * @param options - `signal` to stop the feed, and who to tell when it stops.
   */
  constructor(options: { readonly signal?: AbortSignal; readonly stopped: (feed: EventFeed<T>) => void }) {
    this.#stopped = options.stopped;
    const { signal } = options;
    if (signal?.aborted === true) this.fail(abortReason(signal, "the event stream"));
    else
      signal?.addEventListener("abort", () => this.fail(abortReason(signal, "the event stream")), {
        once: true,
      });
  }

  /** Whether events are still taken. */
  get open(): boolean {
    return this.#end === undefined;
  }

  /** Adds an event, or fails the feed when its consumer is too far behind. */
  push(item: T): void {
    if (this.#end !== undefined) return;
    if (this.#waiter !== undefined) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter.resolve({ done: false, value: item });
      return;
    }
    if (this.#buffer.length >= EVENTS_BUFFERED_MAX) {
      this.fail(new ZabError("Throttled", `the consumer fell ${EVENTS_BUFFERED_MAX} events behind`));
      return;
    }
    this.#buffer.push(item);
  }

  /** Ends the feed after the buffered events, with `error` if given. */
  fail(error?: unknown): void {
    if (this.#end !== undefined) return;
    this.#end = { error };
    this.#stopped(this);
    if (this.#waiter !== undefined && this.#buffer.length === 0) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      if (error === undefined) waiter.resolve({ done: true, value: undefined });
      else waiter.reject(error);
    }
  }

  next(): Promise<IteratorResult<T, undefined>> {
    const item = this.#buffer.shift();
    if (item !== undefined) return Promise.resolve({ done: false, value: item });
    if (this.#end !== undefined) {
      const { error } = this.#end;
      // The error is reported once; later calls see a finished iterator.
      this.#end = { error: undefined };
      return error === undefined ? Promise.resolve({ done: true, value: undefined }) : Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.#buffer.length = 0;
    this.fail();
    this.#end = { error: undefined };
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}
