/**
 * The sequential specification a concurrent history is checked against, in the shape Porcupine
 * uses: an initial state, a step function that says whether an operation may return the output
 * it returned in a given state, and equality plus a hash on states so the checker can remember
 * which (linearized set, state) pairs it has already explored.
 *
 * @module
 */
import type { Operation } from "./operation.js";

/**
 * The outcome of applying one operation to a model state.
 *
 * @since 0.1.0
 */
export interface StepResult<State> {
  /** Whether the operation may have produced its output when applied in the given state. */
  readonly ok: boolean;
  /** The state after the operation; ignored when `ok` is false. */
  readonly state: State;
}

/**
 * A sequential object specification for {@link checkLinearizability}.
 *
 * @remarks
 * The checker calls these functions many times in its inner loop, so they should be cheap and
 * must be pure: `step` must not mutate `state` (the checker keeps old states to backtrack to) and
 * must return the same answer for the same arguments.
 *
 * - `step` receives `output === undefined` when the response is unknown (an indeterminate
 *   operation or a read that timed out). It must then return `ok: true` with the state the
 *   operation leaves if it takes effect: the checker may place it last, which covers "never".
 * - `hash` must return equal keys for equal states; different states may share a key (they are
 *   then told apart by `equal`), but the fewer that do, the faster the search.
 * - `partition`, when present, splits a history into independent sub-histories, each checked on
 *   its own from `init()` (P-compositionality: a history is linearizable iff each part is). It
 *   is only valid when operations in different parts touch disjoint state, e.g. different keys.
 *
 * @typeParam State - The model state; treated as immutable.
 * @typeParam Input - What a client asks for.
 * @typeParam Output - What a client is told.
 * @example
 * ```ts
 * import type { Model } from "@zab/testkit";
 *
 * // A counter whose increments return the new value.
 * const counter: Model<number, "increment", number> = {
 *   init: () => 0,
 *   step: (state, _input, output) => ({ ok: output === undefined || output === state + 1, state: state + 1 }),
 *   equal: (a, b) => a === b,
 *   hash: (state) => state,
 * };
 * ```
 * @since 0.1.0
 */
export interface Model<State, Input, Output> {
  /** @returns The state before any operation. */
  init(): State;
  /**
   * Applies one operation.
   *
   * @param state - The state before it; must not be mutated.
   * @param input - The operation and its arguments.
   * @param output - Its response, or `undefined` when unknown.
   * @returns Whether the output is possible in `state`, and the state after.
   */
  step(state: State, input: Input, output: Output | undefined): StepResult<State>;
  /** @returns Whether two states are the same. */
  equal(a: State, b: State): boolean;
  /** @returns A key that is equal for equal states (see remarks). */
  hash(state: State): string | number;
  /**
   * Splits a history into independently checkable parts (see remarks).
   *
   * @returns The parts; together they must contain every operation exactly once.
   */
  partition?(history: readonly Operation<Input, Output>[]): readonly (readonly Operation<Input, Output>[])[];
}
