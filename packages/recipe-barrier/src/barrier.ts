/**
 * Curator's `DistributedBarrier`: one node that holds everyone who waits on it until it is
 * removed.
 *
 * @module
 */
import { type Clock, type Coordination, systemClock, ZabError } from "@zab/core";
import { AGAIN, decideLoop } from "./decide-loop.js";
import type { RecipeOptions, WaitOptions } from "./wait-options.js";
import { WaitScope } from "./wait-scope.js";
import { checkRecipePath, ensurePath } from "./znode-path.js";

/**
 * A barrier that is either set or not: {@link Barrier.wait} blocks while its node exists.
 *
 * @remarks
 * The barrier is its node at `path`, a persistent node: {@link Barrier.set} creates it (with its
 * ancestors), {@link Barrier.remove} deletes it, and {@link Barrier.wait} returns once it reads
 * the node missing, leaving a one-shot watch on it in the meantime (one notification per waiter
 * when the barrier is removed). Set and remove are idempotent, so they ride out
 * `ConnectionLoss` by trying again; a `suspended` session only delays them. Because the node is
 * persistent, it outlives the session that set it: a barrier is removed on purpose, never by a
 * crash.
 * @example
 * ```ts
 * import type { Coordination } from "@zab/core";
 * import { Barrier } from "@zab/recipe-barrier";
 *
 * async function coordinator(session: Coordination): Promise<void> {
 *   const gate = new Barrier(session, "/deploy/gate");
 *   await gate.set();
 *   // ... prepare; workers call gate.wait() meanwhile ...
 *   await gate.remove();
 * }
 * ```
 * @see https://zookeeper.apache.org/doc/current/recipes.html#sc_recipes_eventHandles
 * @since 0.1.0
 */
export class Barrier {
  /** The barrier node. */
  readonly path: string;
  readonly #session: Coordination;
  readonly #clock: Clock;

  /**
   * @param session - The session.
   * @param path - The barrier node.
   * @param options - The clock.
   * @throws {@link @zab/core!ZabError} with code `"Invalid"` for a path that is not absolute or is the root.
   */
  constructor(session: Coordination, path: string, options: RecipeOptions = {}) {
    checkRecipePath(path, "a barrier");
    this.#session = session;
    this.path = path;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Sets the barrier: creates its node, and any missing ancestor. Setting a set barrier does
   * nothing.
   *
   * @param options - `signal` and `timeoutMs`.
   * @throws {@link @zab/core!ZabError} with code `"Timeout"` or `"Aborted"` when it gave up (the barrier
   *   may or may not be set then), `"SessionExpired"` or `"Closed"` when the session ended.
   */
  async set(options?: WaitOptions): Promise<void> {
    using scope = new WaitScope(this.#clock, options, `set ${this.path}`, this.path);
    await decideLoop(scope, async (signal) => {
      await ensurePath(this.#session, this.path, signal);
      return true;
    });
  }

  /**
   * Removes the barrier, which releases every waiter. Removing a barrier that is not set does
   * nothing.
   *
   * @param options - `signal` and `timeoutMs`.
   * @throws {@link @zab/core!ZabError} with code `"Timeout"` or `"Aborted"` when it gave up (the barrier
   *   may or may not be removed then), `"SessionExpired"` or `"Closed"` when the session ended,
   *   `"NotEmpty"` when someone created children under the barrier node.
   */
  async remove(options?: WaitOptions): Promise<void> {
    using scope = new WaitScope(this.#clock, options, `remove ${this.path}`, this.path);
    await decideLoop(scope, async (signal) => {
      try {
        await this.#session.delete(this.path, { signal });
      } catch (error) {
        // Not set, or removed by an earlier attempt of ours whose reply was lost.
        if (!ZabError.isInstance(error, "NoNode")) throw error;
      }
      return true;
    });
  }

  /**
   * Waits until the barrier is not set. Returns at once when it is not.
   *
   * @param options - `signal` and `timeoutMs`.
   * @throws {@link @zab/core!ZabError} with code `"Timeout"` or `"Aborted"` when the wait gave up,
   *   `"SessionExpired"` or `"Closed"` when the session ended.
   */
  async wait(options?: WaitOptions): Promise<void> {
    using scope = new WaitScope(this.#clock, options, `wait on ${this.path}`, this.path);
    await decideLoop(scope, async (signal) => {
      const barrier = await this.#session.exists(this.path, { watch: true, signal });
      if (barrier.stat === undefined) return true;
      await barrier.watch;
      return AGAIN;
    });
  }
}
