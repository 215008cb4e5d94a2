/**
 * The transactions of the data tree: what the leader proposes and every member applies.
 *
 * A transaction is a command, not a result: it carries the client's operation as the client sent
 * it (a {@link CreateOp}, {@link DeleteOp}, {@link SetDataOp} or {@link MultiOp}), and the data tree
 * decides its outcome when it applies it, against the committed state, identically on every
 * member. Sequential names, version checks and the all-or-nothing of a multi are therefore
 * decided at apply time and never by the proposer, which could only guess at the state the
 * transaction will meet (ZooKeeper's outstanding-changes bookkeeping exists to make that guess).
 * Sessions are transactions too, so the session table is replicated state.
 *
 * @module
 */
import type { CreateOp, DeleteOp, MultiOp, SetDataOp } from "../protocol/client-messages.js";
import type { ServerId, SessionId } from "../protocol/ids.js";

/**
 * Open a session: add it to the replicated session table.
 *
 * @since 0.1.0
 */
export interface CreateSessionTxnOp {
  /** Names the operation. */
  readonly op: "createSession";
  /** The new session's id, chosen by the proposer; never 0, which means "no session". */
  readonly sessionId: SessionId;
  /** The negotiated session timeout, in milliseconds. */
  readonly timeoutMs: number;
  /** The session's secret, {@link SESSION_PASSWORD_BYTES} bytes, proving ownership on reconnect. */
  readonly password: Uint8Array;
}

/**
 * Close a session: delete its ephemeral nodes and remove it from the session table, whether the
 * client asked or the leader expired it.
 *
 * @since 0.1.0
 */
export interface CloseSessionTxnOp {
  /** Names the operation. */
  readonly op: "closeSession";
  /** The session to close. */
  readonly sessionId: SessionId;
}

/**
 * Attach a session to the member its client just reconnected to (ZooKeeper's session move).
 *
 * @remarks
 * The member proposes it before it answers the client's reconnect, and the leader, on proposing
 * it, records that member as the session's owner: from then on it drops any write of the
 * session that reaches it from another member. So a write the client sent on a connection it
 * has since lost is either ordered before this transaction (the reconnected client sees it) or
 * never committed: it cannot land after the client looked for it. The tree itself does not
 * change; applying it fails with `SessionExpired` when the session is gone.
 * @since 0.1.0
 */
export interface AttachSessionTxnOp {
  /** Names the operation. */
  readonly op: "attachSession";
  /** The session. */
  readonly sessionId: SessionId;
  /** The member the session's client is now connected to. */
  readonly serverId: ServerId;
}

/**
 * The operation of a {@link TreeTxn}.
 *
 * @remarks
 * Reads and `check` are absent: a read is never a transaction, and a `check` means something only
 * inside a multi (ZOOKEEPER-2623/4680), so the codec cannot even express one at the top level.
 * @since 0.1.0
 */
export type TreeTxnOp =
  | CreateSessionTxnOp
  | CloseSessionTxnOp
  | AttachSessionTxnOp
  | CreateOp
  | DeleteOp
  | SetDataOp
  | MultiOp;

/**
 * A data tree transaction: who asked, when, and what.
 *
 * @remarks
 * Encode it with {@link encodeTreeTxn} into the payload of a {@link Txn}.
 * @since 0.1.0
 */
export interface TreeTxn {
  /** The session the operation runs for, or 0n for a transaction of the ensemble itself. */
  readonly sessionId: SessionId;
  /**
   * The client's request `xid` (an int32), so the member serving the client can match the
   * outcome to the waiting request; 0 when no request waits.
   */
  readonly cxid: number;
  /**
   * The proposer's clock, in milliseconds since the Unix epoch: the `ctime` and `mtime` nodes
   * get, so every member records the same times.
   */
  readonly timeMs: number;
  /** The operation. */
  readonly op: TreeTxnOp;
}
