/**
 * Decides whether a concurrent history is linearizable with respect to a sequential model: the
 * Wing–Gong–Lowe search with the improvements of Horn and Kroening, as Porcupine implements it.
 *
 * The history is first split by the model's `partition` (P-compositionality), and each part is
 * searched on its own ({@link PartitionSearch}). The searches are interleaved in fixed slices
 * of steps, round-robin, the way Porcupine runs them in parallel: one violation settles the
 * whole history, and a part that is quick to refute must not wait behind one that explodes.
 * The problem is NP-complete, so the check has a time budget and a memory budget and may answer
 * `unknown`.
 *
 * @see Horn and Kroening, "Faster linearizability checking via P-compositionality" (2015)
 * @module
 */
import type { CacheBudget } from "./linearization-cache.js";
import type { Model } from "./model.js";
import type { Operation } from "./operation.js";
import { PartitionSearch } from "./partition-search.js";

/**
 * Limits for {@link checkLinearizability}.
 *
 * @since 0.1.0
 */
export interface CheckLinearizabilityOptions {
  /** Time budget for the whole history, in milliseconds. Default 60 000. */
  readonly timeoutMs?: number;
  /**
   * Memory budget shared by the search caches of all parts, in bytes. Cache memory is estimated
   * per entry, allowing for small model states (numbers, short strings); histories whose states
   * are large objects use more. Default 256 MiB.
   */
  readonly cacheBytesMax?: number;
}

/**
 * The verdict of {@link checkLinearizability}.
 *
 * @remarks
 * `not-linearizable` is definitive even when other parts ran out of budget, and carries the
 * operations of the part found not linearizable (for a key-value model: one key's). `unknown`
 * means no violation was found but the search did not finish: `timed-out` when the time budget
 * ran out, `cache-full` when the memory budget could not hold some part's cache (that part is
 * abandoned and the others are still searched).
 *
 * @since 0.1.0
 */
export type LinearizabilityResult<Input, Output> =
  | {
      /** Some order of the operations respects real time and the model. */
      readonly verdict: "linearizable";
    }
  | {
      /** No such order exists. */
      readonly verdict: "not-linearizable";
      /** The operations of the part (for a key-value model, the key) proven not linearizable. */
      readonly partition: readonly Operation<Input, Output>[];
    }
  | {
      /** The search did not finish, and found no violation so far. */
      readonly verdict: "unknown";
      /** Which budget ran out. */
      readonly reason: "timed-out" | "cache-full";
    };

const timeoutMsDefault = 60_000;
const cacheBytesMaxDefault = 256 * 1024 * 1024;
/**
 * Steps per part per turn: long enough to amortize a clock read, short enough (a few
 * milliseconds at most) to share time fairly and to notice the deadline promptly.
 */
const sliceSteps = 4096;

/**
 * Checks whether a history is linearizable with respect to a model.
 *
 * @remarks
 * Synchronous and CPU-bound: it blocks the event loop for up to about `timeoutMs` (run it in a
 * worker to keep a process responsive). It is deterministic: the same history and model give
 * the same verdict and, for a violation, the same part, unless a budget runs out. The history
 * is not modified.
 *
 * @param model - The sequential specification.
 * @param history - The operations, in any order.
 * @param options - Time and memory budgets.
 * @returns The verdict.
 * @throws RangeError if an operation's times are invalid (see {@link Operation}).
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { checkLinearizability, parseEtcdHistory, registerModel } from "@zab/testkit";
 *
 * const history = parseEtcdHistory(readFileSync("etcd_000.log", "utf8"));
 * const result = checkLinearizability(registerModel, history, { timeoutMs: 5_000 });
 * if (result.verdict === "not-linearizable") throw new Error("the register is not linearizable");
 * ```
 * @since 0.1.0
 */
export function checkLinearizability<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: readonly Operation<Input, Output>[],
  options: CheckLinearizabilityOptions = {},
): LinearizabilityResult<Input, Output> {
  const deadline = performance.now() + (options.timeoutMs ?? timeoutMsDefault);
  const budget: CacheBudget = { bytesLeft: options.cacheBytesMax ?? cacheBytesMaxDefault };
  const partitions = model.partition === undefined ? [history] : model.partition(history);
  let active = partitions.map((partition) => ({
    partition,
    search: new PartitionSearch(model, partition, budget),
  }));
  let cacheFull = false;
  while (active.length > 0) {
    const unfinished: typeof active = [];
    for (const part of active) {
      if (performance.now() >= deadline) return { verdict: "unknown", reason: "timed-out" };
      const verdict = part.search.run(sliceSteps);
      if (verdict === undefined) unfinished.push(part);
      else if (verdict === "not-linearizable") return { verdict, partition: part.partition };
      // A part that outgrew the cache proves nothing, but another part may still be a violation.
      else if (verdict === "cache-full") cacheFull = true;
    }
    active = unfinished;
  }
  return cacheFull ? { verdict: "unknown", reason: "cache-full" } : { verdict: "linearizable" };
}
