/**
 * What the ZAB state machine asks its runtime to do: the effects drained in one batch.
 *
 * @module
 */
import type { Epoch, ServerId } from "./ids.js";
import type { PeerMessage, Txn } from "./messages.js";
import type { Zxid } from "./zxid.js";

/**
 * One durable write, executed strictly after every write before it.
 *
 * - `append`: log the transactions and make them durable (group commit may merge consecutive
 *   appends into one write and one fsync).
 * - `truncate`: durably remove every logged transaction with zxid greater than `afterZxid` (TRUNC).
 * - `installSnapshot`: durably replace the log by a snapshot taken at `zxid` (SNAP): the log
 *   afterwards holds nothing at or before `zxid`, and later appends continue after it.
 * - `acceptedEpoch` / `currentEpoch`: durably record the epoch.
 *
 * @since 0.1.0
 */
export type StorageWrite =
  | { readonly kind: "append"; readonly txns: readonly Txn[] }
  | { readonly kind: "truncate"; readonly afterZxid: Zxid }
  | { readonly kind: "installSnapshot"; readonly zxid: Zxid; readonly data: Uint8Array }
  | { readonly kind: "acceptedEpoch"; readonly epoch: Epoch }
  | { readonly kind: "currentEpoch"; readonly epoch: Epoch };

/**
 * A write with the id the runtime reports back through `ZabNode.persisted` once it is durable.
 *
 * @since 0.1.0
 */
export interface NumberedWrite {
  /** Increases by one per write; completing id n implies every id below n is durable. */
  readonly id: number;
  readonly write: StorageWrite;
}

/**
 * A message for one peer.
 *
 * @since 0.1.0
 */
export interface Outbound {
  readonly to: ServerId;
  readonly message: PeerMessage;
}

/**
 * A transaction applied to the state machine, with what applying it returned.
 *
 * @since 0.1.0
 */
export interface Applied<Result> {
  readonly txn: Txn;
  readonly result: Result;
}

/**
 * A client write that a learner forwarded to this leader (REQUEST). The runtime turns it into a
 * proposal with `ZabNode.propose`.
 *
 * @since 0.1.0
 */
export interface ForwardedRequest {
  readonly from: ServerId;
  readonly requestId: bigint;
  readonly payload: Uint8Array;
}

/**
 * A member's role, as ZooKeeper names its states.
 *
 * @since 0.1.0
 */
export type Role = "looking" | "following" | "leading" | "observing";

/**
 * Where a member is within its role: `election` while looking; then `discovery`,
 * `synchronization` and `broadcast` (ZAB's phases 1-3). Only a member in `broadcast` serves.
 *
 * @since 0.1.0
 */
export type Phase = "election" | "discovery" | "synchronization" | "broadcast";

/**
 * A change of role or phase, reported in order.
 *
 * @since 0.1.0
 */
export interface Transition {
  readonly role: Role;
  readonly phase: Phase;
  /** The leader this member follows or is, once known. */
  readonly leader: ServerId | undefined;
  /** The epoch of that leadership (the new epoch once discovery chose it). */
  readonly epoch: Epoch | undefined;
  /** Why the change happened, for logs. */
  readonly reason: string;
}

/**
 * Everything the state machine produced since the last drain.
 *
 * @remarks
 * The runtime executes `writes` in order and calls `ZabNode.persisted(id)` as each becomes
 * durable. `messages` may be sent at once, in order per destination: the core only emits a
 * message that depends on durability (ACK, ACKEPOCH, the ACK of NEWLEADER) after the write it
 * depends on was reported durable. A runtime that cannot complete a write must stop the member
 * (fail-stop): in-memory state is always a future durable state, never an alternative one.
 * The arrays are owned by the caller after the drain.
 * @since 0.1.0
 */
export interface Ready<Result> {
  readonly writes: readonly NumberedWrite[];
  readonly messages: readonly Outbound[];
  /** Channels to close, because the peer sent something illegal or went silent, and why. */
  readonly disconnect: readonly { readonly peer: ServerId; readonly reason: string }[];
  readonly applied: readonly Applied<Result>[];
  readonly requests: readonly ForwardedRequest[];
  readonly transitions: readonly Transition[];
}
