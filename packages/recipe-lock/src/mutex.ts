/**
 * The ZooKeeper lock recipe: a fair, fenced, distributed mutual-exclusion lock.
 *
 * @module
 */
import type { CallOptions, Coordination } from "@zab/core";
import type { Lease } from "./lease.js";
import type { AcquireOptions, RecipeOptions, TryAcquireOptions } from "./lock-options.js";
import type { QueueLock } from "./queue-lock.js";
import { QueueRecipe } from "./queue-recipe.js";
import { checkRecipePath } from "./recipe-path.js";

/**
 * A distributed mutex: at most one holder at a time among every client that uses the same path,
 * granted in request order (FIFO).
 *
 * @remarks
 * ZooKeeper's lock recipe. Each waiter creates an ephemeral-sequential node under `path` and
 * watches only the node just ahead of it, so a release wakes exactly one waiter (no herd effect),
 * and the lock goes to waiters in the order their nodes were created. The node is created with a
 * protected name and behind a guard node (see the guide), so a create retried after a connection
 * loss never leaves a ghost waiter; a waiter that is aborted, a holder that crashes, and a session
 * that expires all leave no node behind.
 *
 * Each {@link Lease} carries a fencing token (its node's creation zxid) that strictly increases
 * from holder to holder, and a signal that fires when the lock can no longer be trusted (see
 * {@link RecipeOptions.abortOn}). Not reentrant: a second `acquire` on the same instance while it
 * holds the lock waits behind the first.
 *
 * The instance keeps one small ephemeral guard node in `path` while its session lives;
 * {@link Mutex.close} removes it.
 * @example
 * ```ts
 * import type { Coordination } from "@zab/core";
 * import { Mutex } from "@zab/recipe-lock";
 *
 * async function rebuildIndex(session: Coordination): Promise<void> {
 *   const mutex = new Mutex(session, "/locks/index");
 *   await using lease = await mutex.acquire({ signal: AbortSignal.timeout(10_000) });
 *   // Stop when the lock can no longer be trusted; give the token to the storage layer.
 *   await fetch("https://storage.example/index", {
 *     method: "PUT",
 *     headers: { "fencing-token": lease.fencingToken.toString() },
 *     signal: lease.signal,
 *   });
 * }
 * ```
 * @see https://zookeeper.apache.org/doc/current/recipes.html#sc_recipes_Locks
 * @since 0.1.0
 */
export class Mutex implements AsyncDisposable {
  /** The lock's directory. */
  readonly path: string;
  readonly #recipe: QueueRecipe;
  readonly #lock: QueueLock;
  #held: Lease | undefined;

  /**
   * @param session - The session the lock is held through.
   * @param path - The lock's directory; every client of the same lock uses the same path. Created
   *   with its parents when missing.
   * @param options - When leases stop being trusted, and the clock.
   * @throws {@link @zab/core!ZabError} with code `"Invalid"` for a bad path.
   */
  constructor(session: Coordination, path: string, options: RecipeOptions = {}) {
    this.path = checkRecipePath(path);
    this.#recipe = new QueueRecipe({
      session,
      path,
      options,
      name: "mutex",
      release: async () => {
        await this.#held?.release();
      },
    });
    this.#lock = this.#recipe.lock({
      kind: "lock",
      rule: { kind: "exclusive", leasesMax: 1 },
      onRelease: (lease) => {
        if (this.#held === lease) this.#held = undefined;
      },
    });
  }

  /** The lease this instance holds, if any. */
  get held(): Lease | undefined {
    return this.#held;
  }

  /**
   * Waits for the lock.
   *
   * @param options - `signal` to give up waiting.
   * @returns The lease; release it with `release()` or `await using`.
   * @throws {@link @zab/core!ZabError} with the signal's reason when it fired (`"Aborted"` for a reason that is
   *   not a ZabError); `"SessionExpired"` when the session was lost (or the waiter's node deleted)
   *   while waiting; `"Closed"` when the session or this instance was closed.
   */
  async acquire(options?: AcquireOptions): Promise<Lease> {
    return this.#keep(await this.#lock.acquire(options));
  }

  /**
   * Takes the lock if it is free, or becomes free within `timeoutMs`.
   *
   * @param options - `timeoutMs` (default 0: do not wait) and `signal`.
   * @returns The lease, or `undefined` when the lock was not granted in time (the waiter's node is
   *   removed).
   * @throws {@link @zab/core!ZabError} as {@link Mutex.acquire} does; `"Invalid"` for a negative `timeoutMs`.
   */
  async tryAcquire(options?: TryAcquireOptions): Promise<Lease | undefined> {
    const lease = await this.#lock.tryAcquire(options);
    return lease === undefined ? undefined : this.#keep(lease);
  }

  /**
   * Releases the lease this instance holds; does nothing when it holds none. Same as
   * `lease.release()`.
   *
   * @param options - `signal` to stop waiting for the deletion (which goes on).
   * @throws {@link @zab/core!ZabError} with code `"Aborted"` when `signal` fired first.
   */
  async release(options?: CallOptions): Promise<void> {
    await this.#held?.release(options);
  }

  /**
   * Stops the instance: pending acquires reject with `"Closed"`, the held lease is released, the
   * guard node deleted. Idempotent.
   *
   * @param options - `signal` to stop waiting (the clean-up goes on); it may take up to the
   *   session timeout while the session is suspended.
   * @throws {@link @zab/core!ZabError} with code `"Aborted"` when `signal` fired first.
   */
  close(options?: CallOptions): Promise<void> {
    return this.#recipe.close(options);
  }

  /** Same as {@link Mutex.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #keep(lease: Lease): Lease {
    if (!lease.released) this.#held = lease;
    return lease;
  }
}
