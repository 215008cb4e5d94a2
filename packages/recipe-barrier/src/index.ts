/**
 * Barriers on zab, as Apache Curator and ZooKeeper's recipes define them, for any
 * {@link @zab/core!Coordination | Coordination} session (embedded or remote):
 *
 * - {@link Barrier}: a gate that holds waiters until it is removed (Curator's `DistributedBarrier`).
 * - {@link DoubleBarrier}: participants enter together once enough are in, and leave together
 *   once all are done (ZooKeeper's double barrier).
 * - {@link CountDownLatch}: waiters block until a number of count-downs happened.
 * - {@link CyclicBarrier}: rounds of a fixed number of parties, over and over.
 *
 * Every wait takes `{ signal, timeoutMs }` and removes what it created when it gives up; every
 * participant is an ephemeral node, so only live sessions count; and nobody watches more than
 * one node at a time, so N participants cause O(N) notifications. The
 * [barriers guide](../../../docs/guides/barriers.md) walks through a batch job whose workers start
 * and finish together.
 *
 * @example
 * ```ts
 * import type { Coordination } from "@zab/core";
 * import { DoubleBarrier } from "@zab/recipe-barrier";
 *
 * async function worker(session: Coordination): Promise<void> {
 *   await using barrier = new DoubleBarrier(session, "/jobs/42/barrier", { participants: 10 });
 *   await barrier.enter({ timeoutMs: 60_000 });
 *   // ... work ...
 *   await barrier.leave({ timeoutMs: 60_000 });
 * }
 * ```
 * @packageDocumentation
 */
export { Barrier } from "./barrier.js";
export { CountDownLatch } from "./count-down-latch.js";
export { CyclicBarrier, type CyclicBarrierOptions, type CyclicBarrierPassage } from "./cyclic-barrier.js";
export { DoubleBarrier, type DoubleBarrierOptions, type DoubleBarrierState } from "./double-barrier.js";
export {
  type DoubleBarrierRoundOptions,
  type DoubleBarrierRoundReport,
  runDoubleBarrierRound,
} from "./double-barrier-round.js";
export { PARTICIPANTS_MAX } from "./participant-count.js";
export type { RecipeOptions, WaitOptions } from "./wait-options.js";
