/**
 * ZooKeeper's shared lock recipe: many readers or one writer, in request order.
 *
 * @module
 */
import type { CallOptions, Coordination } from "@zab/core";
import type { Lease } from "./lease.js";
import type { AcquireOptions, RecipeOptions, TryAcquireOptions } from "./lock-options.js";
import { QueueRecipe } from "./queue-recipe.js";
import { checkRecipePath } from "./recipe-path.js";

/**
 * One side of a {@link ReadWriteLock}: its read lock or its write lock.
 *
 * @since 0.1.0
 */
export interface LockSide {
  /**
   * Waits for this side of the lock.
   *
   * @param options - `signal` to give up waiting.
   * @returns The lease.
   * @throws {@link @zab/core!ZabError} as {@link Mutex.acquire} does.
   */
  acquire(options?: AcquireOptions): Promise<Lease>;
  /**
   * Takes this side of the lock if it is granted within `timeoutMs` (default 0: at once).
   *
   * @param options - `timeoutMs` and `signal`.
   * @returns The lease, or `undefined` when not granted in time.
   * @throws {@link @zab/core!ZabError} as {@link Mutex.tryAcquire} does.
   */
  tryAcquire(options?: TryAcquireOptions): Promise<Lease | undefined>;
}

/**
 * A distributed read-write lock: any number of readers together, or one writer alone, granted in
 * request order so that a waiting writer is never starved by readers arriving after it.
 *
 * @remarks
 * ZooKeeper's shared-lock recipe on one queue of participants: a writer holds the lock when it is
 * first in line; a reader holds it when no writer is ahead of it, and watches only the closest
 * writer ahead (no herd effect). A writer's fencing token is greater than that of every reader
 * and writer granted before it; readers that hold the lock together have different tokens, each
 * greater than that of the last writer before them. Not reentrant, and a holder of the read lock
 * cannot upgrade (a write acquire waits behind its own read lease). Everything {@link Mutex}
 * says about leases, signals and clean-up holds here too.
 * @example
 * ```ts
 * import type { Coordination } from "@zab/core";
 * import { ReadWriteLock } from "@zab/recipe-lock";
 *
 * async function readCatalog(session: Coordination): Promise<void> {
 *   const lock = new ReadWriteLock(session, "/locks/catalog");
 *   await using lease = await lock.readLock.acquire();
 *   console.log("reading under token", lease.fencingToken);
 * }
 * ```
 * @see https://zookeeper.apache.org/doc/current/recipes.html#Shared+Locks
 * @since 0.1.0
 */
export class ReadWriteLock implements AsyncDisposable {
  /** The lock's directory. */
  readonly path: string;
  /** The shared side: held by any number of readers at once while no writer is ahead. */
  readonly readLock: LockSide;
  /** The exclusive side: held by one writer, once every participant ahead of it is gone. */
  readonly writeLock: LockSide;
  readonly #recipe: QueueRecipe;

  /**
   * @param session - The session the locks are held through.
   * @param path - The lock's directory, shared by every client of the lock.
   * @param options - When leases stop being trusted, and the clock.
   * @throws {@link @zab/core!ZabError} with code `"Invalid"` for a bad path.
   */
  constructor(session: Coordination, path: string, options: RecipeOptions = {}) {
    this.path = checkRecipePath(path);
    this.#recipe = new QueueRecipe({ session, path, options, name: "read-write lock" });
    this.readLock = this.#recipe.lock({ kind: "read", rule: { kind: "shared", blockedBy: ["write"] } });
    this.writeLock = this.#recipe.lock({ kind: "write", rule: { kind: "exclusive", leasesMax: 1 } });
  }

  /**
   * Stops the instance: pending acquires reject with `"Closed"` and the guard node is deleted.
   * Leases already granted stay held until released. Idempotent.
   *
   * @param options - `signal` to stop waiting (the clean-up goes on); it may take up to the
   *   session timeout while the session is suspended.
   * @throws {@link @zab/core!ZabError} with code `"Aborted"` when `signal` fired first.
   */
  close(options?: CallOptions): Promise<void> {
    return this.#recipe.close(options);
  }

  /** Same as {@link ReadWriteLock.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
