/**
 * One operation of a concurrent history: what a client asked for, what it was told, and when.
 *
 * Linearizability is judged against real time, so every operation carries the time its call was
 * issued and the time its response arrived. An operation whose outcome the client never learned
 * (a Jepsen `:info`, or a call with no response at all) returns at `+∞` with an unknown output:
 * it may have taken effect at any point after its call, or never.
 *
 * @module
 */

/**
 * A completed or indeterminate operation in a history.
 *
 * @remarks
 * Times are in any unit, as long as every operation of a history uses the same clock: only their
 * order matters. A call and a return at the same instant count as concurrent (the call is
 * ordered first), so equal timestamps never invent a real-time order. `callTime` must be finite
 * and not after `returnTime`.
 *
 * @typeParam Input - What the client asked for (the operation and its arguments).
 * @typeParam Output - What the client was told.
 * @since 0.1.0
 */
export interface Operation<Input, Output> {
  /** The client (Jepsen "process") that issued it; only used to describe histories. */
  readonly process: number;
  /** The operation and its arguments. */
  readonly input: Input;
  /** The response, or `undefined` when it is unknown (a model must then accept any outcome). */
  readonly output: Output | undefined;
  /** When the call was issued. */
  readonly callTime: number;
  /** When the response arrived: `Number.POSITIVE_INFINITY` for an indeterminate operation. */
  readonly returnTime: number;
}
