/**
 * A distributed `CountDownLatch`: waiters block until a fixed number of count-downs happened,
 * anywhere.
 *
 * @module
 */
import { type Clock, type Coordination, type MultiError, systemClock, ZabError } from "@zab/core";
import { AGAIN, decideLoop } from "./decide-loop.js";
import { decideCountDown, decodeLatchState, encodeLatchState } from "./latch-state.js";
import { checkParticipantCount, type PARTICIPANTS_MAX } from "./participant-count.js";
import { newGuid } from "./participant-node.js";
import type { RecipeOptions, WaitOptions } from "./wait-options.js";
import { WaitScope } from "./wait-scope.js";
import { checkRecipePath, childPath, ensurePath } from "./znode-path.js";

/** The node whose creation opens a latch. */
const OPEN = "open";

/**
 * A latch that opens after `count` count-downs (Java's `CountDownLatch`, distributed).
 *
 * @remarks
 * The issue sketched `CountDownLatch(path, count)`; like the other recipes it takes the session
 * first: `new CountDownLatch(session, path, count)`.
 *
 * The latch node at `path` holds `{ count, remaining }` (created by the first count-down, or by
 * the first handle that needs it). A count-down is one `multi`: decrement `remaining` if its
 * version is the one read, create a marker node `_c_<GUID>-down` unique to this count-down, and,
 * when `remaining` reaches zero, create `path/open`. So a count-down happens at most once even
 * when its outcome was unknown (`ConnectionLoss`): the retry finds the marker, or fails on it.
 * Count-downs are persistent: they outlive the session that made them, as a latch's must (a
 * worker that counted down and then crashed still counted). Waiters watch `path/open` only: one
 * notification each when the latch opens, however many count-downs there were. The latch never
 * closes again; counting down an open latch does nothing. Every handle on one path must give the
 * same `count`.
 * @example
 * ```ts
 * import type { Coordination } from "@zab/core";
 * import { CountDownLatch } from "@zab/recipe-barrier";
 *
 * async function shard(session: Coordination, work: () => Promise<void>): Promise<void> {
 *   const loaded = new CountDownLatch(session, "/jobs/7/loaded", 8);
 *   await work();
 *   await loaded.countDown();
 *   await loaded.await({ timeoutMs: 60_000 }); // every shard has loaded
 * }
 * ```
 * @since 0.1.0
 */
export class CountDownLatch {
  /** The latch node. */
  readonly path: string;
  /** How many count-downs open the latch. */
  readonly count: number;
  readonly #session: Coordination;
  readonly #clock: Clock;
  readonly #openPath: string;

  /**
   * @param session - The session.
   * @param path - The latch node; created, with its ancestors, when first needed.
   * @param count - How many count-downs open the latch: an integer from 1 to
   *   {@link PARTICIPANTS_MAX}.
   * @param options - The clock.
   * @throws {@link @zab/core!ZabError} with code `"Invalid"` for a path that is not absolute or is the root,
   *   or a bad `count`.
   */
  constructor(session: Coordination, path: string, count: number, options: RecipeOptions = {}) {
    checkRecipePath(path, "a count-down latch");
    checkParticipantCount(count, "count", path);
    this.#session = session;
    this.path = path;
    this.count = count;
    this.#clock = options.clock ?? systemClock;
    this.#openPath = childPath(path, OPEN);
  }

  /**
   * Counts down once; the count-down that reaches zero opens the latch. Does nothing on an open
   * latch.
   *
   * @param options - `signal` and `timeoutMs`.
   * @throws {@link @zab/core!ZabError} with code `"Timeout"` or `"Aborted"` when it gave up (the count-down
   *   may or may not have happened then), `"SessionExpired"` or `"Closed"` when the session ended,
   *   `"Invalid"` when the latch at `path` has another count or `path` holds something else.
   */
  async countDown(options?: WaitOptions): Promise<void> {
    using scope = new WaitScope(this.#clock, options, `countDown ${this.path}`, this.path);
    const marker = childPath(this.path, `_c_${newGuid(this.#clock)}-down`);
    let mayHaveHappened = false;
    await decideLoop(scope, async (signal) => {
      if (mayHaveHappened && (await this.#session.exists(marker, { signal })).stat !== undefined) return true;
      const latch = await this.#read(signal);
      if (latch === undefined) return AGAIN;
      const decision = decideCountDown(decodeLatchState(latch.data, this.path), this.count);
      switch (decision.kind) {
        case "open":
          return true;
        case "mismatch":
          throw new ZabError(
            "Invalid",
            `the latch at ${this.path} counts ${decision.stored}, not ${this.count}`,
            { path: this.path },
          );
        case "decrement": {
          mayHaveHappened = true;
          try {
            await this.#session.multi(
              [
                {
                  op: "setData",
                  path: this.path,
                  data: encodeLatchState(decision.next),
                  version: latch.version,
                },
                { op: "create", path: marker, data: new Uint8Array(), mode: "persistent", ttlMs: 0 },
                ...(decision.opens
                  ? [
                      {
                        op: "create" as const,
                        path: this.#openPath,
                        data: new Uint8Array(),
                        mode: "persistent" as const,
                        ttlMs: 0,
                      },
                    ]
                  : []),
              ],
              { signal },
            );
            return true;
          } catch (error) {
            // Another count-down came first: read again.
            if (ZabError.isInstance(error, "BadVersion")) return AGAIN;
            // Our marker is there: an earlier attempt whose outcome was unknown committed after
            // we looked for the marker, and counted down.
            if (ZabError.isInstance(error, "NodeExists") && (error as MultiError).failedIndex === 1)
              return true;
            throw error;
          }
        }
      }
    });
  }

  /**
   * Reads how many count-downs remain.
   *
   * @param options - `signal` and `timeoutMs`.
   * @returns The count-downs still needed: `count` for a latch nobody used yet, 0 once open.
   * @throws {@link @zab/core!ZabError} with code `"Timeout"` or `"Aborted"` when it gave up,
   *   `"SessionExpired"` or `"Closed"` when the session ended, `"Invalid"` when `path` holds
   *   something else than a latch.
   */
  async getCount(options?: WaitOptions): Promise<number> {
    using scope = new WaitScope(this.#clock, options, `getCount ${this.path}`, this.path);
    return await decideLoop(scope, async (signal) => {
      try {
        const { data } = await this.#session.getData(this.path, { signal });
        return decodeLatchState(data, this.path).remaining;
      } catch (error) {
        // Nobody counted down yet.
        if (ZabError.isInstance(error, "NoNode")) return this.count;
        throw error;
      }
    });
  }

  /**
   * Waits until the latch is open. Returns at once when it is.
   *
   * @param options - `signal` and `timeoutMs`.
   * @throws {@link @zab/core!ZabError} with code `"Timeout"` or `"Aborted"` when the wait gave up,
   *   `"SessionExpired"` or `"Closed"` when the session ended.
   */
  async await(options?: WaitOptions): Promise<void> {
    using scope = new WaitScope(this.#clock, options, `await ${this.path}`, this.path);
    await decideLoop(scope, async (signal) => {
      const open = await this.#session.exists(this.#openPath, { watch: true, signal });
      if (open.stat !== undefined) return true;
      await open.watch;
      return AGAIN;
    });
  }

  /**
   * Reads the latch node, creating it (with `remaining = count`) when missing.
   *
   * @returns Its data and version, or `undefined` after creating it (read again).
   */
  async #read(
    signal: AbortSignal,
  ): Promise<{ readonly data: Uint8Array; readonly version: number } | undefined> {
    try {
      const { data, stat } = await this.#session.getData(this.path, { signal });
      return { data, version: stat.version };
    } catch (error) {
      if (!ZabError.isInstance(error, "NoNode")) throw error;
    }
    const parent = this.path.slice(0, this.path.lastIndexOf("/"));
    if (parent !== "") await ensurePath(this.#session, parent, signal);
    try {
      await this.#session.create(this.path, {
        data: encodeLatchState({ count: this.count, remaining: this.count }),
        signal,
      });
    } catch (error) {
      // Another handle created it first.
      if (!ZabError.isInstance(error, "NodeExists")) throw error;
    }
    return undefined;
  }
}
