/**
 * Acquire and try-acquire on a {@link ParticipantQueue}, with the recipe's own closing signal:
 * the calls every lock-like recipe (mutex, both sides of a read-write lock, semaphore) offers.
 *
 * @module
 */
import { assert, type Clock, ZabError } from "@zab/core";
import { linkedSignal } from "./abortable.js";
import type { LockRule } from "./decide-lock.js";
import type { Lease } from "./lease.js";
import type { AcquireOptions, TryAcquireOptions } from "./lock-options.js";
import type { ParticipantKind } from "./participant-name.js";
import type { AcquireRequest, ParticipantQueue } from "./participant-queue.js";

/** What a {@link QueueLock} is made of. */
export interface QueueLockFields {
  /** The queue its participants wait in. */
  readonly queue: ParticipantQueue;
  /** What its participants are. */
  readonly kind: ParticipantKind;
  /** Who blocks them. */
  readonly rule: LockRule;
  /** The recipe's closing signal: pending acquires reject with its reason. */
  readonly closing: AbortSignal;
  /** Timers for `tryAcquire`. */
  readonly clock: Clock;
  /** Who to tell when a lease is released. */
  readonly onRelease?: AcquireRequest["onRelease"];
  /** The data of its participants' nodes. */
  readonly data?: Uint8Array;
}

/** One kind of participant in one queue, and how it acquires. */
export class QueueLock {
  readonly #queue: ParticipantQueue;
  readonly #kind: ParticipantKind;
  readonly #rule: LockRule;
  readonly #closing: AbortSignal;
  readonly #clock: Clock;
  readonly #onRelease: AcquireRequest["onRelease"];
  readonly #data: Uint8Array | undefined;

  /**
   * @param fields - The queue, what this side's participants are and who blocks them, the
   *   recipe's closing signal, the clock, who to tell when a lease is released, and the data of
   *   the participants' nodes.
   */
  constructor(fields: QueueLockFields) {
    this.#queue = fields.queue;
    this.#kind = fields.kind;
    this.#rule = fields.rule;
    this.#closing = fields.closing;
    this.#clock = fields.clock;
    this.#onRelease = fields.onRelease;
    this.#data = fields.data;
  }

  /** Waits in line until the lease is granted. */
  async acquire(options: AcquireOptions = {}): Promise<Lease> {
    using linked = linkedSignal({ signals: [this.#closing, options.signal] });
    const lease = await this.#queue.acquire(this.#request(linked.signal));
    assert(lease !== undefined, "a blocking acquire returns a lease");
    return lease;
  }

  /** Takes the lease if it is granted within `timeoutMs`; `undefined` otherwise. */
  async tryAcquire(options: TryAcquireOptions = {}): Promise<Lease | undefined> {
    const timeoutMs = options.timeoutMs ?? 0;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new ZabError("Invalid", `timeoutMs must be a finite number >= 0, got ${timeoutMs}`);
    }
    if (timeoutMs === 0) {
      using linked = linkedSignal({ signals: [this.#closing, options.signal] });
      return this.#queue.acquire({ ...this.#request(linked.signal), waitMs: 0 });
    }
    using linked = linkedSignal({
      signals: [this.#closing, options.signal],
      deadline: { clock: this.#clock, timeoutMs },
    });
    try {
      return await this.#queue.acquire(this.#request(linked.signal));
    } catch (error) {
      // Our own deadline, not the caller's signal or a failure: not acquired in time.
      if (linked.signal.aborted && error === linked.signal.reason && options.signal?.aborted !== true) {
        if (!this.#closing.aborted) return undefined;
      }
      throw error;
    }
  }

  #request(signal: AbortSignal): AcquireRequest {
    return {
      kind: this.#kind,
      rule: this.#rule,
      signal,
      ...(this.#onRelease === undefined ? {} : { onRelease: this.#onRelease }),
      ...(this.#data === undefined ? {} : { data: this.#data }),
    };
  }
}
