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
  /**
   * A digest of the whole state after the last applied transaction (or restored snapshot).
   *
   * @remarks
   * Optional. When present, it must be a function of the state alone, equal on every member that
   * applied the same transactions, whatever its history of snapshots and restarts, and cheap to
   * read (it is read after every transaction a learner applies). The leader then sends it with its
   * pings and every learner compares, so a replica whose state diverged is reported
   * ({@link Ready.digestMismatches}) instead of serving different data unnoticed. The data tree's
   * {@link DataTree.digest} is one.
   * @returns 64 bits; wider values do not fit the wire.
   */
  digest?(): bigint;
}
