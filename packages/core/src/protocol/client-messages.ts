/**
 * The messages of the client protocol: what a client and the member serving it exchange.
 *
 * Modelled on ZooKeeper's client protocol (`ConnectRequest`, `RequestHeader`/`ReplyHeader`, the
 * `ZooDefs.OpCode` operations and `WatcherEvent`), with tagged unions in place of a request
 * table: a request carries its operation under `op`, and a reply names the operation it answers,
 * so a reply can be decoded and checked without knowing which request it matches.
 *
 * Types only: the encoding lives in the codec, the meaning in the data tree and the server.
 *
 * @see {@link https://zookeeper.apache.org/doc/current/zookeeperProgrammers.html | ZooKeeper Programmer's Guide}
 * @module
 */
import type { ZabErrorCode } from "../errors.js";
import type { Epoch, ServerId, SessionId } from "./ids.js";
import type { Phase, Role } from "./ready.js";
import type { Zxid } from "./zxid.js";

/**
 * How a znode is created (ZooKeeper's `CreateMode`).
 *
 * - `persistent`: lives until deleted.
 * - `ephemeral`: deleted when the creating session ends.
 * - `…Sequential`: the member appends a 10-digit, monotonically increasing counter to the name.
 * - `container`: deleted by the member once its last child is gone.
 * - `…WithTtl`: a persistent node deleted once it has had no children and no change for `ttlMs`.
 *
 * @since 0.1.0
 */
export type CreateMode =
  | "persistent"
  | "ephemeral"
  | "persistentSequential"
  | "ephemeralSequential"
  | "container"
  | "persistentWithTtl"
  | "persistentSequentialWithTtl";

/**
 * The kind of watch {@link AddWatchOp} sets (ZooKeeper's `AddWatchMode`): on the node only, or on
 * the node and every descendant. Both stay set after they fire.
 *
 * @since 0.1.0
 */
export type AddWatchMode = "persistent" | "persistentRecursive";

/**
 * Which watches {@link RemoveWatchesOp} removes (ZooKeeper's `Watcher.WatcherType`).
 *
 * @since 0.1.0
 */
export type WatcherType = "children" | "data" | "any" | "persistent" | "persistentRecursive";

/**
 * What happened to a watched znode (ZooKeeper's `Watcher.Event.EventType`).
 *
 * @since 0.1.0
 */
export type WatchEventType = "nodeCreated" | "nodeDeleted" | "nodeDataChanged" | "nodeChildrenChanged";

/**
 * A znode's metadata (ZooKeeper's `Stat`, without ACL version).
 *
 * @since 0.1.0
 */
export interface Stat {
  /** The zxid of the transaction that created the node. */
  readonly czxid: Zxid;
  /** The zxid of the transaction that last changed the node's data. */
  readonly mzxid: Zxid;
  /** The zxid of the transaction that last added or removed a child. */
  readonly pzxid: Zxid;
  /** When the node was created, in milliseconds since the Unix epoch (the leader's clock). */
  readonly ctime: number;
  /** When the node's data last changed, in milliseconds since the Unix epoch. */
  readonly mtime: number;
  /** How many times the data changed (an int32, as in ZooKeeper). */
  readonly version: number;
  /** How many times the children changed (an int32). */
  readonly cversion: number;
  /** The session that owns an ephemeral node, 0n for any other node. */
  readonly ephemeralOwner: SessionId;
  /** The size of the data, in bytes. */
  readonly dataLength: number;
  /** How many children the node has. */
  readonly numChildren: number;
}

/**
 * Client to member, first frame on a connection: open a new session or resume one.
 *
 * @remarks
 * A member refuses to resume a session whose password does not match, so one client cannot
 * attach to another's session, and refuses a client whose `lastZxidSeen` is ahead of its own
 * state, so a client never goes back in time by reconnecting.
 * @since 0.1.0
 */
export interface ConnectRequest {
  /** Discriminates the message. */
  readonly kind: "connectRequest";
  /** The client protocol revision the client speaks (1 today). */
  readonly protocolVersion: number;
  /** The highest zxid the client has seen in any reply or event. */
  readonly lastZxidSeen: Zxid;
  /** The session timeout the client asks for; the member may negotiate it. */
  readonly sessionTimeoutMs: number;
  /** The session to resume, or 0n for a new session. */
  readonly sessionId: SessionId;
  /** The session's secret: 16 bytes, all zero for a new session. */
  readonly sessionPassword: Uint8Array;
}

/**
 * Member to client: the session the connection now serves.
 *
 * @since 0.1.0
 */
export interface ConnectResponse {
  /** Discriminates the message. */
  readonly kind: "connectResponse";
  /** The negotiated session timeout. */
  readonly sessionTimeoutMs: number;
  /** The session's id. */
  readonly sessionId: SessionId;
  /** The session's 16-byte secret, to present when resuming it elsewhere. */
  readonly sessionPassword: Uint8Array;
  /** The member serving this connection. */
  readonly serverId: ServerId;
}

/**
 * Client to member, first frame on a connection instead of {@link ConnectRequest}: ask the
 * member how it is doing, without opening a session (ZooKeeper's `srvr` and `mntr` four-letter
 * words).
 *
 * @remarks
 * The member answers with one {@link StatusResponse} and closes the channel. It answers whatever
 * its role and phase, a member still looking for a leader included, which is what makes the
 * exchange useful to an operator; a member that cannot report (it is shutting down) closes the
 * channel without answering.
 * @since 0.1.0
 */
export interface StatusRequest {
  /** Discriminates the message. */
  readonly kind: "statusRequest";
}

/**
 * What a member reports about itself in a {@link StatusResponse}: its place in the ensemble, how
 * far its history goes, and the clients it serves.
 *
 * @remarks
 * A point-in-time view, read when the request arrived. `appliedZxid ≤ committedZxid ≤
 * lastLoggedZxid` holds.
 * @since 0.1.0
 */
export interface MemberStatus {
  /** The member that answered. */
  readonly serverId: ServerId;
  /** Looking for a leader, following, leading or observing. */
  readonly role: Role;
  /** Where it is within that role; it serves clients only in `broadcast`. */
  readonly phase: Phase;
  /** The leader it follows or is, once an election decided; `undefined` while looking. */
  readonly leader: ServerId | undefined;
  /** The epoch of the leadership it takes part in, once known; `undefined` before. */
  readonly epoch: Epoch | undefined;
  /** The last zxid in its log, durable or not, committed or not. */
  readonly lastLoggedZxid: Zxid;
  /** Everything up to this zxid is known to be committed. */
  readonly committedZxid: Zxid;
  /** Its data tree reflects every transaction up to this zxid. */
  readonly appliedZxid: Zxid;
  /** Sessions open in the ensemble, as its data tree holds them. */
  readonly sessions: number;
  /** Client connections with a session on this member. */
  readonly connections: number;
  /** Watches this member's clients hold (one kind of watch on one path counts one). */
  readonly watches: number;
  /**
   * The digest of this member's data tree at `appliedZxid`: members that applied the same zxid
   * must report the same digest.
   */
  readonly digest: bigint;
}

/**
 * Member to client: the answer to a {@link StatusRequest}, the only frame on that channel.
 *
 * @since 0.1.0
 */
export interface StatusResponse extends MemberStatus {
  /** Discriminates the message. */
  readonly kind: "statusResponse";
}

/**
 * Create a znode.
 *
 * @since 0.1.0
 */
export interface CreateOp {
  /** Names the operation. */
  readonly op: "create";
  /** The path of the node to create; for sequential modes, the prefix of its name. */
  readonly path: string;
  /** The new node's data. */
  readonly data: Uint8Array;
  /** How the node is created and when it goes away. */
  readonly mode: CreateMode;
  /** The time to live of a TTL mode; 0 for every other mode. */
  readonly ttlMs: number;
}

/**
 * Delete a znode if its version matches.
 *
 * @since 0.1.0
 */
export interface DeleteOp {
  /** Names the operation. */
  readonly op: "delete";
  /** The znode's path. */
  readonly path: string;
  /** The expected data version, or -1 for any. */
  readonly version: number;
}

/**
 * Read a znode's stat, optionally leaving a one-shot watch (which also fires on creation).
 *
 * @since 0.1.0
 */
export interface ExistsOp {
  /** Names the operation. */
  readonly op: "exists";
  /** The znode's path. */
  readonly path: string;
  /** Whether to leave a one-shot watch on the node. */
  readonly watch: boolean;
}

/**
 * Read a znode's data and stat, optionally leaving a one-shot data watch.
 *
 * @since 0.1.0
 */
export interface GetDataOp {
  /** Names the operation. */
  readonly op: "getData";
  /** The znode's path. */
  readonly path: string;
  /** Whether to leave a one-shot watch on the node. */
  readonly watch: boolean;
}

/**
 * Replace a znode's data if its version matches.
 *
 * @since 0.1.0
 */
export interface SetDataOp {
  /** Names the operation. */
  readonly op: "setData";
  /** The znode's path. */
  readonly path: string;
  /** The node's new data, replacing the old. */
  readonly data: Uint8Array;
  /** The expected data version, or -1 for any. */
  readonly version: number;
}

/**
 * List a znode's children, optionally leaving a one-shot child watch.
 *
 * @since 0.1.0
 */
export interface GetChildrenOp {
  /** Names the operation. */
  readonly op: "getChildren";
  /** The znode's path. */
  readonly path: string;
  /** Whether to leave a one-shot watch on the node. */
  readonly watch: boolean;
}

/**
 * Bring the serving member up to date with the leader before the next read.
 *
 * @since 0.1.0
 */
export interface SyncOp {
  /** Names the operation. */
  readonly op: "sync";
  /** The znode's path. */
  readonly path: string;
}

/**
 * Fail a {@link MultiOp} unless a znode's version matches. Valid only inside a multi.
 *
 * @since 0.1.0
 */
export interface CheckOp {
  /** Names the operation. */
  readonly op: "check";
  /** The znode's path. */
  readonly path: string;
  /** The expected data version, or -1 for any. */
  readonly version: number;
}

/**
 * An operation allowed inside a {@link MultiOp}.
 *
 * @since 0.1.0
 */
export type MultiItemOp = CreateOp | DeleteOp | SetDataOp | CheckOp;

/**
 * Apply several writes atomically: all of them, or none.
 *
 * @since 0.1.0
 */
export interface MultiOp {
  /** Names the operation. */
  readonly op: "multi";
  /** The writes, applied in order, all or none. */
  readonly ops: readonly MultiItemOp[];
}

/**
 * Keep the session alive.
 *
 * @since 0.1.0
 */
export interface PingOp {
  /** Names the operation. */
  readonly op: "ping";
}

/**
 * End the session, deleting its ephemeral nodes.
 *
 * @since 0.1.0
 */
export interface CloseSessionOp {
  /** Names the operation. */
  readonly op: "closeSession";
}

/**
 * Set a persistent watch on a znode, or on its whole subtree.
 *
 * @remarks
 * The member sets the watch when the request reaches the front of the session's line (after the
 * session's earlier requests are answered), and answers with the zxid it then had applied: the
 * watch sees every matching change after that zxid. With a `fromZxid`, it also replays the
 * matching changes after `fromZxid` that it still remembers, as watch events sent right after
 * the reply and before anything else, so a stream resumes after a reconnection without a gap.
 * It refuses with `WatchOverflow` when it no longer remembers all of them, and with
 * `Unavailable` when it has not applied `fromZxid` yet.
 * @since 0.1.0
 */
export interface AddWatchOp {
  /** Names the operation. */
  readonly op: "addWatch";
  /** The znode's path. */
  readonly path: string;
  /** Whether the watch covers the node only or its whole subtree. */
  readonly mode: AddWatchMode;
  /**
   * Replay the matching changes with a zxid above this one before following new ones; 0 to
   * follow from now on only.
   *
   * @since 0.1.0
   */
  readonly fromZxid: Zxid;
}

/**
 * Remove the session's watches of one type from a znode.
 *
 * @since 0.1.0
 */
export interface RemoveWatchesOp {
  /** Names the operation. */
  readonly op: "removeWatches";
  /** The znode's path. */
  readonly path: string;
  /** Which of the session's watches on the node to remove. */
  readonly watcherType: WatcherType;
}

/**
 * An operation a client may send on its own. {@link CheckOp} is absent: it only means something
 * inside a multi.
 *
 * @since 0.1.0
 */
export type ClientOp =
  | CreateOp
  | DeleteOp
  | ExistsOp
  | GetDataOp
  | SetDataOp
  | GetChildrenOp
  | SyncOp
  | MultiOp
  | PingOp
  | CloseSessionOp
  | AddWatchOp
  | RemoveWatchesOp;

/**
 * The name of every operation, {@link CheckOp} included.
 *
 * @since 0.1.0
 */
export type OpName = ClientOp["op"] | CheckOp["op"];

/**
 * Client to member: one operation, tagged with the client's request id.
 *
 * @remarks
 * The operation's fields sit beside `kind` and `xid`, so `request.op` is the operation's name.
 * A member answers requests of one session in the order it received them.
 * @since 0.1.0
 */
export type ClientRequest = {
  /** Discriminates the message. */
  readonly kind: "request";
  /** The client's id for this request (an int32), echoed in the reply. */
  readonly xid: number;
} & ClientOp;

/**
 * The result of a successful {@link CreateOp}: the path actually created (with the sequence
 * suffix for sequential modes) and the new node's stat.
 *
 * @since 0.1.0
 */
export interface CreateResult {
  /** Names the operation answered. */
  readonly op: "create";
  /** The path actually created, sequence suffix included. */
  readonly path: string;
  /** The new node's stat. */
  readonly stat: Stat;
}

/**
 * The result of a successful {@link DeleteOp}.
 *
 * @since 0.1.0
 */
export interface DeleteResult {
  /** Names the operation answered. */
  readonly op: "delete";
}

/**
 * The result of an {@link ExistsOp} on an existing node; a missing node is the error `NoNode`.
 *
 * @since 0.1.0
 */
export interface ExistsResult {
  /** Names the operation answered. */
  readonly op: "exists";
  /** The node's stat. */
  readonly stat: Stat;
}

/**
 * The result of a successful {@link GetDataOp}.
 *
 * @since 0.1.0
 */
export interface GetDataResult {
  /** Names the operation answered. */
  readonly op: "getData";
  /** The node's data. */
  readonly data: Uint8Array;
  /** The node's stat, from the same state as the data. */
  readonly stat: Stat;
}

/**
 * The result of a successful {@link SetDataOp}: the node's new stat.
 *
 * @since 0.1.0
 */
export interface SetDataResult {
  /** Names the operation answered. */
  readonly op: "setData";
  /** The node's stat after the write. */
  readonly stat: Stat;
}

/**
 * The result of a successful {@link GetChildrenOp}: child names (not paths), in no promised
 * order, and the parent's stat.
 *
 * @since 0.1.0
 */
export interface GetChildrenResult {
  /** Names the operation answered. */
  readonly op: "getChildren";
  /** The children's names, not their paths. */
  readonly children: readonly string[];
  /** The parent's stat. */
  readonly stat: Stat;
}

/**
 * The result of a {@link SyncOp}: the serving member has caught up with the leader.
 *
 * @since 0.1.0
 */
export interface SyncResult {
  /** Names the operation answered. */
  readonly op: "sync";
  /** The path the sync named. */
  readonly path: string;
}

/**
 * The result of a {@link CheckOp} that passed, inside a multi.
 *
 * @since 0.1.0
 */
export interface CheckResult {
  /** Names the operation answered. */
  readonly op: "check";
}

/**
 * An operation that failed, with the {@link ZabErrorCode} it failed with.
 *
 * @typeParam Name - The operations this failure may be about: client operations on the wire, and
 *   also the data tree's session transactions (`createSession`) in what applying a transaction
 *   reports.
 * @since 0.1.0
 */
export interface OpError<Name extends string = ClientOp["op"]> {
  /** Marks a failure; `failedOp` names the operation. */
  readonly op: "error";
  /** The operation that failed. */
  readonly failedOp: Name;
  /** Why it failed. */
  readonly code: ZabErrorCode;
}

/**
 * What one operation of a multi came to.
 *
 * @remarks
 * When a multi fails, nothing was applied, and every item reports an {@link OpError}: the item
 * at fault with its own code, the others with the code the data tree gives rolled-back items.
 * @since 0.1.0
 */
export type MultiItemOutcome =
  | CreateResult
  | DeleteResult
  | SetDataResult
  | CheckResult
  | OpError<MultiItemOp["op"]>;

/**
 * The result of a {@link MultiOp}, one outcome per operation, in order.
 *
 * @since 0.1.0
 */
export interface MultiResult {
  /** Names the operation answered. */
  readonly op: "multi";
  /** One outcome per operation of the multi, in order. */
  readonly results: readonly MultiItemOutcome[];
}

/**
 * The result of a {@link PingOp}.
 *
 * @since 0.1.0
 */
export interface PingResult {
  /** Names the operation answered. */
  readonly op: "ping";
}

/**
 * The result of a {@link CloseSessionOp}: the session is closed.
 *
 * @since 0.1.0
 */
export interface CloseSessionResult {
  /** Names the operation answered. */
  readonly op: "closeSession";
}

/**
 * The result of a successful {@link AddWatchOp}.
 *
 * @since 0.1.0
 */
export interface AddWatchResult {
  /** Names the operation answered. */
  readonly op: "addWatch";
}

/**
 * The result of a successful {@link RemoveWatchesOp}.
 *
 * @since 0.1.0
 */
export interface RemoveWatchesResult {
  /** Names the operation answered. */
  readonly op: "removeWatches";
}

/**
 * The successful result of each {@link ClientOp}, tagged with the operation's name.
 *
 * @since 0.1.0
 */
export type OpResult =
  | CreateResult
  | DeleteResult
  | ExistsResult
  | GetDataResult
  | SetDataResult
  | GetChildrenResult
  | SyncResult
  | MultiResult
  | PingResult
  | CloseSessionResult
  | AddWatchResult
  | RemoveWatchesResult;

/**
 * Member to client: the outcome of the request with the same `xid`.
 *
 * @remarks
 * Either the operation's result (`op` is its name) or an {@link OpError} (`op` is `"error"` and
 * `failedOp` names the operation). `zxid` is the last transaction the serving member had applied
 * when it answered, so a client can keep `lastZxidSeen` without reading the result.
 * @since 0.1.0
 */
export type ClientReply = {
  /** Discriminates the message. */
  readonly kind: "reply";
  /** The `xid` of the request answered. */
  readonly xid: number;
  /** The state the reply reflects. */
  readonly zxid: Zxid;
} & (OpResult | OpError);

/**
 * Member to client: a watch the session set has fired.
 *
 * @remarks
 * Events are hints: read the node again to learn its state. A one-shot watch fires once; a
 * persistent watch fires for every change until removed.
 * @since 0.1.0
 */
export interface WatchEvent {
  /** Discriminates the message. */
  readonly kind: "watchEvent";
  /** What happened to the node. */
  readonly type: WatchEventType;
  /** The node the event is about. */
  readonly path: string;
  /** The transaction that triggered the event. */
  readonly zxid: Zxid;
}

/**
 * Every message a client sends a member: a {@link ConnectRequest} or a {@link StatusRequest}
 * first, then (after a connect) requests.
 *
 * @since 0.1.0
 */
export type ClientToMemberMessage = ConnectRequest | StatusRequest | ClientRequest;

/**
 * Every message a member sends a client on a session's channel.
 *
 * @remarks
 * A {@link StatusResponse} is not among them: it travels only on a channel opened with a
 * {@link StatusRequest}, and the client that sent one decodes the answer with
 * {@link decodeStatusResponse}. A session's decoder therefore refuses a status response like any
 * unknown frame.
 * @since 0.1.0
 */
export type MemberToClientMessage = ConnectResponse | ClientReply | WatchEvent;
