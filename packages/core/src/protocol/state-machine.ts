/**
 * The replicated state machine the protocol drives.
 *
 * The ZAB core owns one and applies committed transactions to it synchronously, in zxid order,
 * once they are both committed and durable on this member. Because the core owns it, a leader can
 * take a snapshot at exactly the zxid where a learner's sync stream continues.
 *
 * @module
 */
import type { Txn } from "./messages.js";
import type { Zxid } from "./zxid.js";

/**
 * A deterministic state machine: the same transactions applied in the same order give the same
 * state and results on every member.
 *
 * @remarks
 * Implementations must be pure: no I/O, no clock, no randomness, and they must not keep a
 * reference to a transaction's `payload` that they later mutate. `snapshot()` must capture the
 * state after the last applied transaction, and `restore()` must replace the whole state.
 * The data tree of `@zab/core` implements this interface.
 * @typeParam Result - What applying one transaction yields (for the data tree, the outcome a
 * client is answered with).
 * @since 0.1.0
 */
export interface StateMachine<Result> {
  /**
   * Applies one committed transaction.
   *
   * @param txn - The next transaction in zxid order.
   * @returns The outcome, handed back to the runtime in {@link Ready.applied}.
   */
  apply(txn: Txn): Result;
  /**
   * Serializes the whole state.
   *
   * @returns Bytes that {@link StateMachine.restore} turns back into this state.
   */
  snapshot(): Uint8Array;
  /**
   * Replaces the whole state with a snapshot.
   *
   * @param data - Bytes produced by {@link StateMachine.snapshot}.
   * @param zxid - The zxid of the last transaction the snapshot includes.
   */
  restore(data: Uint8Array, zxid: Zxid): void;
}
