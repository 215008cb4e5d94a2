/**
 * What the ZAB state machine asks its runtime to do: the effects drained in one batch.
 *
 * @module
 */
import type { DigestMismatch } from "./digest-check.js";
import type { Epoch, ServerId, SessionId } from "./ids.js";
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
 * @remarks
 * The order is what makes the protocol's promises true: because writes complete in order, a
 * `currentEpoch` write that is durable implies every synced transaction queued before it is
 * durable too, which is what the ACK of NEWLEADER asserts. {@link Storage} offers one method per
 * kind.
 * @since 0.1.0
 */
export type StorageWrite =
  | {
      /** Append to the log ({@link TxnLog.append}, then {@link TxnLog.sync}). */
      readonly kind: "append";
      /**
       * The transactions, in zxid order, each directly following the one before it and the last
       * one logged. Not empty.
       */
      readonly txns: readonly Txn[];
    }
  | {
      /** Cut the log's tail ({@link TxnLog.truncateAfter}), for a TRUNC from the leader. */
      readonly kind: "truncate";
      /** The last zxid to keep; never below what this member knows is committed. */
      readonly afterZxid: Zxid;
    }
  | {
      /** Install a leader's snapshot ({@link Storage.installSnapshot}), for a SNAP. */
      readonly kind: "installSnapshot";
      /**
       * The last transaction the snapshot includes. The state machine already reflects it when
       * the write is issued.
       */
      readonly zxid: Zxid;
      /** The serialized state machine, as received in the leader's {@link SnapChunk}s. */
      readonly data: Uint8Array;
    }
  | {
      /**
       * Record a newly accepted epoch ({@link EpochStore.writeAcceptedEpoch}): a learner before
       * it sends ACKEPOCH, a leader before it sends LEADERINFO.
       */
      readonly kind: "acceptedEpoch";
      /** The new accepted epoch; never below the previous one. */
      readonly epoch: Epoch;
    }
  | {
      /**
       * Record the current epoch ({@link EpochStore.writeCurrentEpoch}): a learner before it ACKs
       * NEWLEADER, a leader as its own acknowledgement of NEWLEADER.
       */
      readonly kind: "currentEpoch";
      /** The new current epoch; never below the previous one, never above the accepted epoch. */
      readonly epoch: Epoch;
    };

/**
 * A write with the id the runtime reports back through `ZabNode.persisted` once it is durable.
 *
 * @since 0.1.0
 */
export interface NumberedWrite {
  /** Increases by one per write; completing id n implies every id below n is durable. */
  readonly id: number;
  /**
   * What to write. Treat it as read-only: the node reads an `append`'s transactions again when
   * the write is reported durable.
   */
  readonly write: StorageWrite;
}

/**
 * A message for one peer.
 *
 * @since 0.1.0
 */
export interface Outbound {
  /** The member to send it to, over the channel the transport keeps to that member. */
  readonly to: ServerId;
  /** The message; encode it with {@link encodePeerMessage}. */
  readonly message: PeerMessage;
}

/**
 * A transaction applied to the state machine, with what applying it returned.
 *
 * @typeParam Result - What the state machine's `apply` returns.
 * @since 0.1.0
 */
export interface Applied<Result> {
  /** The committed transaction, applied in zxid order after every one before it. */
  readonly txn: Txn;
  /**
   * What {@link StateMachine.apply} returned for it. On the leader this is the outcome a waiting
   * proposer is answered with; every member computes the same value.
   */
  readonly result: Result;
}

/**
 * A client write that a learner forwarded to this leader (REQUEST). The runtime turns it into a
 * proposal with `ZabNode.propose`.
 *
 * @remarks
 * Only a leader in broadcast produces these, and only from learners that are up to date.
 * @since 0.1.0
 */
export interface ForwardedRequest {
  /** The learner that forwarded the write, as the transport authenticated it. */
  readonly from: ServerId;
  /** The learner's number for the request ({@link Request.requestId}); unique per learner only. */
  readonly requestId: bigint;
  /** The state machine command to propose. */
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
  /** The member's role after the change. */
  readonly role: Role;
  /** The phase the member entered. */
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
 * @typeParam Result - What the state machine's `apply` returns.
 * @since 0.1.0
 */
export interface Ready<Result> {
  /** Durable writes to execute strictly in order, reporting each with `ZabNode.persisted`. */
  readonly writes: readonly NumberedWrite[];
  /**
   * Messages to send, in order per destination. They may go out before `writes` complete; none of
   * them promises durability that is not already reported.
   */
  readonly messages: readonly Outbound[];
  /** Channels to close, because the peer sent something illegal or went silent, and why. */
  readonly disconnect: readonly {
    /** The member whose channel to close; it may connect again later. */
    readonly peer: ServerId;
    /** Why, for logs. */
    readonly reason: string;
  }[];
  /**
   * Transactions applied to the state machine since the last drain, in zxid order. Each was
   * committed and durable locally before it was applied.
   */
  readonly applied: readonly Applied<Result>[];
  /** Writes learners forwarded to this leader, for the runtime to propose. */
  readonly requests: readonly ForwardedRequest[];
  /**
   * Sessions that were active on some member since its last report (a learner's ping, or this
   * member's own {@link ZabNode.touchSessions} while it leads): the leader's runtime postpones
   * their expiry. Empty on members that do not lead.
   */
  readonly touchedSessions: readonly SessionId[];
  /** Role and phase changes, in the order they happened. */
  readonly transitions: readonly Transition[];
  /**
   * Where this learner's state machine digest differed from its leader's at the same zxid: the
   * replicas diverged. Nothing in the protocol acts on it; the runtime reports it loudly (an
   * error log and a counter) for an operator. Empty on a leader, and when the state machine has
   * no {@link StateMachine.digest}.
   */
  readonly digestMismatches: readonly DigestMismatch[];
}
