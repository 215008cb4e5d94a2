/**
 * What every recipe built on a {@link ParticipantQueue} (mutex, semaphore, read-write lock,
 * leader election) is made of: the queue, the locks on it, and the instance's close.
 *
 * @module
 */
import { type CallOptions, type Clock, type Coordination, systemClock, ZabError } from "@zab/core";
import { abortable } from "./abortable.js";
import { ABORT_ON_DEFAULT, type RecipeOptions } from "./lock-options.js";
import { ParticipantQueue } from "./participant-queue.js";
import { QueueLock, type QueueLockFields } from "./queue-lock.js";

/** One recipe instance's queue and closing: the locks it hands out stop when it closes. */
export class QueueRecipe {
  /** The queue every lock of the instance waits in. */
  readonly queue: ParticipantQueue;
  readonly #path: string;
  readonly #name: string;
  readonly #clock: Clock;
  readonly #release: () => Promise<void>;
  readonly #closing = new AbortController();
  #closed: Promise<void> | undefined;

  /**
   * @param fields - The session; the recipe's directory, already checked; the recipe's settings;
   *   its name for error messages ("mutex"); and what it gives up when it closes, after pending
   *   acquires stopped and before the guard node is deleted (a held lease; default nothing).
   */
  constructor(fields: {
    readonly session: Coordination;
    readonly path: string;
    readonly options: RecipeOptions;
    readonly name: string;
    readonly release?: () => Promise<void>;
  }) {
    this.#path = fields.path;
    this.#name = fields.name;
    this.#clock = fields.options.clock ?? systemClock;
    this.#release = fields.release ?? (() => Promise.resolve());
    this.queue = new ParticipantQueue({
      session: fields.session,
      path: fields.path,
      clock: this.#clock,
      abortOn: fields.options.abortOn ?? ABORT_ON_DEFAULT,
    });
  }

  /** Fires, with a `"Closed"` ZabError, when the instance is closed. */
  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  /**
   * A lock on the queue whose pending acquires reject with `"Closed"` when the instance closes.
   *
   * @param fields - What its participants are and who blocks them, who to tell when a lease is
   *   released, and the data of its participants' nodes.
   * @returns The lock.
   */
  lock(fields: Omit<QueueLockFields, "queue" | "closing" | "clock">): QueueLock {
    return new QueueLock({ ...fields, queue: this.queue, closing: this.#closing.signal, clock: this.#clock });
  }

  /**
   * Stops the instance: pending acquires reject with `"Closed"`, what it holds is released, the
   * guard node deleted. Idempotent.
   *
   * @param options - `signal` to stop waiting (the clean-up goes on).
   * @throws {@link @zab/core!ZabError} with code `"Aborted"` when `signal` fired first.
   */
  close(options?: CallOptions): Promise<void> {
    this.#closed ??= this.#close();
    return abortable(this.#closed, options?.signal, `closing the ${this.#name}`);
  }

  async #close(): Promise<void> {
    this.#closing.abort(
      new ZabError("Closed", `the ${this.#name} on ${this.#path} was closed`, { path: this.#path }),
    );
    await this.#release();
    await this.queue.close();
  }
}
