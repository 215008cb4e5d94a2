/**
 * A distributed counting semaphore: up to `permits` leases at once.
 *
 * @module
 */
import { type CallOptions, type Coordination, ZabError } from "@zab/core";
import type { Lease } from "./lease.js";
import type { AcquireOptions, RecipeOptions, TryAcquireOptions } from "./lock-options.js";
import type { QueueLock } from "./queue-lock.js";
import { QueueRecipe } from "./queue-recipe.js";
import { checkRecipePath } from "./recipe-path.js";

/**
 * A distributed semaphore: at most `permits` leases held at once among every client of the same
 * path, granted in request order.
 *
 * @remarks
 * One queue of ephemeral-sequential participants: the first `permits` in line hold a lease. With
 * more than one permit any holder may leave first, so waiters watch the directory's children and
 * re-decide on every change (Curator's `InterProcessSemaphoreV2` does the same): fine for the
 * tens of participants semaphores usually have. Every client must use the same `permits` for a
 * path (it is a convention, as in Curator; a client with a larger number would let more in).
 * Leases carry fencing tokens and signals as {@link Mutex} leases do; the tokens of holders at
 * the same time differ but are not ordered among themselves.
 * @example
 * ```ts
 * import type { Coordination } from "@zab/core";
 * import { Semaphore } from "@zab/recipe-lock";
 *
 * async function crawl(session: Coordination, url: string): Promise<void> {
 *   const slots = new Semaphore(session, "/semaphores/crawler", 4);
 *   await using lease = await slots.acquire();
 *   await fetch(url, { signal: lease.signal });
 * }
 * ```
 * @since 0.1.0
 */
export class Semaphore implements AsyncDisposable {
  /** The semaphore's directory. */
  readonly path: string;
  /** How many leases may be held at once. */
  readonly permits: number;
  readonly #recipe: QueueRecipe;
  readonly #lock: QueueLock;

  /**
   * @param session - The session the leases are held through.
   * @param path - The semaphore's directory, shared by every client.
   * @param permits - How many leases at once; the same for every client of `path`.
   * @param options - When leases stop being trusted, and the clock.
   * @throws {@link @zab/core!ZabError} with code `"Invalid"` for a bad path or `permits` that is not a
   *   positive integer.
   */
  constructor(session: Coordination, path: string, permits: number, options: RecipeOptions = {}) {
    this.path = checkRecipePath(path);
    if (!Number.isSafeInteger(permits) || permits < 1) {
      throw new ZabError("Invalid", `permits must be a positive integer, got ${permits}`, { path });
    }
    this.permits = permits;
    this.#recipe = new QueueRecipe({ session, path, options, name: "semaphore" });
    this.#lock = this.#recipe.lock({ kind: "lease", rule: { kind: "exclusive", leasesMax: permits } });
  }

  /**
   * Waits for a lease.
   *
   * @param options - `signal` to give up waiting.
   * @returns The lease.
   * @throws {@link @zab/core!ZabError} as {@link Mutex.acquire} does.
   */
  acquire(options?: AcquireOptions): Promise<Lease> {
    return this.#lock.acquire(options);
  }

  /**
   * Takes a lease if one is granted within `timeoutMs` (default 0: at once).
   *
   * @param options - `timeoutMs` and `signal`.
   * @returns The lease, or `undefined` when none was granted in time.
   * @throws {@link @zab/core!ZabError} as {@link Mutex.tryAcquire} does.
   */
  tryAcquire(options?: TryAcquireOptions): Promise<Lease | undefined> {
    return this.#lock.tryAcquire(options);
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

  /** Same as {@link Semaphore.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
