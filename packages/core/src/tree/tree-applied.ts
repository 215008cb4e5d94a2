/**
 * What applying one transaction to the data tree reports: the outcome the waiting client is
 * answered with, and the changes that fire watches.
 *
 * @module
 */
import type {
  CloseSessionResult,
  CreateResult,
  DeleteResult,
  MultiResult,
  OpError,
  SetDataResult,
  WatchEvent,
} from "../protocol/client-messages.js";
import type { ServerId, SessionId } from "../protocol/ids.js";
import type { Zxid } from "../protocol/zxid.js";
import type { AttachSessionTxnOp, TreeTxnOp } from "./tree-txn.js";

/**
 * One change to a node, in the vocabulary of watch events.
 *
 * @remarks
 * How ZooKeeper's `DataTree` triggers watches, and so how a watch manager consumes these:
 * - `nodeCreated` on a path fires its data and exists watches;
 * - `nodeDeleted` fires the path's data **and** child watches;
 * - `nodeDataChanged` fires its data watches;
 * - `nodeChildrenChanged` fires the parent's child watches.
 * @since 0.1.0
 */
export type TreeChange = Pick<WatchEvent, "type" | "path">;

/**
 * The outcome of a {@link CreateSessionTxnOp}: the session now exists on every member.
 *
 * @since 0.1.0
 */
export interface CreateSessionResult {
  /** Names the operation answered. */
  readonly op: "createSession";
  /** The new session's id. */
  readonly sessionId: SessionId;
  /** Its timeout, in milliseconds. */
  readonly timeoutMs: number;
  /** Its 16-byte secret, for the connect response. A copy the caller owns. */
  readonly password: Uint8Array;
}

/**
 * The outcome of an {@link AttachSessionTxnOp}: the session is open and now attached to a member.
 *
 * @since 0.1.0
 */
export interface AttachSessionResult {
  /** Names the operation answered. */
  readonly op: "attachSession";
  /** The session. */
  readonly sessionId: SessionId;
  /** The member it attached to. */
  readonly serverId: ServerId;
}

/**
 * What a transaction came to: the operation's result, or an {@link OpError} naming the operation
 * and its code.
 *
 * @remarks
 * A multi always reports a {@link MultiResult}, whose items carry the per-operation errors
 * (`RolledBack` for the items not at fault), unless its session was not open, which fails the
 * whole multi with `SessionExpired`.
 * @since 0.1.0
 */
export type TreeOutcome =
  | CreateResult
  | DeleteResult
  | SetDataResult
  | MultiResult
  | CreateSessionResult
  | CloseSessionResult
  | AttachSessionResult
  | OpError<TreeTxnOp["op"]>;

/**
 * What {@link DataTree.apply} returns for one transaction.
 *
 * @remarks
 * Identical on every member for the same transaction, so any member can answer the client and
 * fire watches. Every array is new and owned by the caller.
 * @since 0.1.0
 */
export interface TreeApplied {
  /** The session the transaction ran for (0n for the ensemble's own transactions). */
  readonly sessionId: SessionId;
  /** The client's request `xid`, to find the waiting request. */
  readonly cxid: number;
  /** The transaction's zxid: the reply's zxid, and the zxid of every watch event it fires. */
  readonly zxid: Zxid;
  /** The result or the error. A failed operation changed nothing. */
  readonly outcome: TreeOutcome;
  /**
   * The node changes, in the order ZooKeeper fires their watches: a create gives `nodeCreated`
   * then the parent's `nodeChildrenChanged`; a delete gives `nodeDeleted` then the parent's
   * `nodeChildrenChanged`; a setData gives `nodeDataChanged`; a multi gives its operations'
   * changes in order, or none when it failed; a closeSession gives one delete's changes per
   * ephemeral node, in path order.
   */
  readonly changes: readonly TreeChange[];
}
