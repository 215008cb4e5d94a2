/**
 * The messages ensemble members exchange, named after ZooKeeper's packets.
 *
 * The sender of a message is not part of it: the transport authenticates who is on the other end
 * of a channel and hands the protocol `(from, message)`. Names follow `Leader.java` and
 * `FastLeaderElection.java` so the code can be read side by side with ZooKeeper's.
 *
 * @see {@link https://zookeeper.apache.org/doc/current/zookeeperInternals.html | ZooKeeper internals}
 * @module
 */
import type { ElectionRound, Epoch, ServerId, SessionId } from "./ids.js";
import type { Zxid } from "./zxid.js";

/**
 * What a member is doing, as carried in election notifications.
 *
 * @since 0.1.0
 */
export type PeerState = "looking" | "following" | "leading" | "observing";

/**
 * The role a learner asks for when it connects to a leader.
 *
 * @since 0.1.0
 */
export type LearnerRole = "follower" | "observer";

/**
 * A transaction: an opaque, replicated state machine command with its zxid.
 *
 * @remarks
 * The protocol never looks inside `payload`; the state machine (the data tree) defines it.
 * Transactions are immutable once created: nobody mutates `payload` after it leaves the core.
 * @since 0.1.0
 */
export interface Txn {
  /** Where the transaction sits in the total order. */
  readonly zxid: Zxid;
  /** The state machine command. */
  readonly payload: Uint8Array;
}

/**
 * Fast leader election: a member's current vote, sent to every voter (ZooKeeper's Notification).
 *
 * @remarks
 * Votes are totally ordered by (peerEpoch, zxid, leader): a higher epoch wins, then a higher zxid,
 * then a higher id.
 * @since 0.1.0
 */
export interface Notification {
  readonly kind: "notification";
  /** The member this vote proposes as leader. */
  readonly leader: ServerId;
  /** The last logged zxid of the proposed leader. */
  readonly zxid: Zxid;
  /** The current epoch of the proposed leader. */
  readonly peerEpoch: Epoch;
  /** The sender's election round (logical clock). */
  readonly round: ElectionRound;
  /** What the sender is doing now. */
  readonly state: PeerState;
}

/**
 * Discovery, learner to leader: the learner's accepted epoch and last zxid (FOLLOWERINFO, or
 * OBSERVERINFO when `role` is `"observer"`).
 *
 * @since 0.1.0
 */
export interface FollowerInfo {
  readonly kind: "followerInfo";
  readonly role: LearnerRole;
  readonly acceptedEpoch: Epoch;
  readonly lastZxid: Zxid;
}

/**
 * Discovery, leader to learner: the new epoch the leader proposes (LEADERINFO).
 *
 * @since 0.1.0
 */
export interface LeaderInfo {
  readonly kind: "leaderInfo";
  readonly newEpoch: Epoch;
}

/**
 * Discovery, learner to leader: sent after the learner made `newEpoch` its durable accepted epoch
 * (ACKEPOCH).
 *
 * @since 0.1.0
 */
export interface AckEpoch {
  readonly kind: "ackEpoch";
  readonly currentEpoch: Epoch;
  readonly lastZxid: Zxid;
}

/**
 * Synchronization: the learner is missing the committed transactions up to `lastZxid`, which
 * follow as PROPOSAL and COMMIT pairs (DIFF).
 *
 * @since 0.1.0
 */
export interface Diff {
  readonly kind: "diff";
  readonly lastZxid: Zxid;
}

/**
 * Synchronization: the learner must cut every transaction after `truncZxid` (TRUNC).
 *
 * @since 0.1.0
 */
export interface Trunc {
  readonly kind: "trunc";
  readonly truncZxid: Zxid;
}

/**
 * Synchronization: the learner is too far behind and receives a whole snapshot taken at `zxid`,
 * in {@link SnapChunk}s totalling `snapshotBytes` (SNAP).
 *
 * @since 0.1.0
 */
export interface Snap {
  readonly kind: "snap";
  readonly zxid: Zxid;
  readonly snapshotBytes: number;
}

/**
 * One piece of a snapshot sent after {@link Snap}; `last` marks the final piece.
 *
 * @since 0.1.0
 */
export interface SnapChunk {
  readonly kind: "snapChunk";
  readonly data: Uint8Array;
  readonly last: boolean;
}

/**
 * Synchronization: the leader's history has been sent; the learner makes it durable, sets its
 * current epoch to `epoch`, then answers {@link AckNewLeader} (NEWLEADER).
 *
 * @since 0.1.0
 */
export interface NewLeader {
  readonly kind: "newLeader";
  readonly epoch: Epoch;
}

/**
 * Synchronization, learner to leader: the synced history is durable and the current epoch is set
 * (the ACK of NEWLEADER).
 *
 * @since 0.1.0
 */
export interface AckNewLeader {
  readonly kind: "ackNewLeader";
  readonly epoch: Epoch;
}

/**
 * Synchronization: a quorum acknowledged NEWLEADER; the learner may serve (UPTODATE).
 *
 * @since 0.1.0
 */
export interface UpToDate {
  readonly kind: "upToDate";
}

/**
 * Broadcast, leader to follower: log this transaction (PROPOSAL).
 *
 * @since 0.1.0
 */
export interface Proposal {
  readonly kind: "proposal";
  readonly txn: Txn;
}

/**
 * Broadcast, follower to leader: every proposal up to and including `zxid` is durable here (ACK).
 *
 * @since 0.1.0
 */
export interface Ack {
  readonly kind: "ack";
  readonly zxid: Zxid;
}

/**
 * Broadcast, leader to follower: every proposal up to and including `zxid` is committed (COMMIT).
 *
 * @since 0.1.0
 */
export interface Commit {
  readonly kind: "commit";
  readonly zxid: Zxid;
}

/**
 * Broadcast, leader to observer: a committed transaction, payload included (INFORM).
 *
 * @since 0.1.0
 */
export interface Inform {
  readonly kind: "inform";
  readonly txn: Txn;
}

/**
 * Liveness, both ways: "I am here". A learner lists the sessions its clients touched since its
 * last ping so the leader can keep them alive (PING).
 *
 * @since 0.1.0
 */
export interface Ping {
  readonly kind: "ping";
  readonly lastZxid: Zxid;
  readonly touchedSessions: readonly SessionId[];
}

/**
 * A learner forwards a client's write to the leader (REQUEST). `requestId` is unique per learner
 * connection and lets the learner match the outcome to the waiting client.
 *
 * @since 0.1.0
 */
export interface Request {
  readonly kind: "request";
  readonly requestId: bigint;
  readonly payload: Uint8Array;
}

/**
 * A learner asks the leader whether a session that moved to it is still alive (REVALIDATE).
 *
 * @since 0.1.0
 */
export interface Revalidate {
  readonly kind: "revalidate";
  readonly sessionId: SessionId;
  readonly timeoutMs: number;
}

/**
 * The leader's answer to {@link Revalidate}.
 *
 * @since 0.1.0
 */
export interface RevalidateReply {
  readonly kind: "revalidateReply";
  readonly sessionId: SessionId;
  readonly valid: boolean;
}

/**
 * Every message one member can send another.
 *
 * @since 0.1.0
 */
export type PeerMessage =
  | Notification
  | FollowerInfo
  | LeaderInfo
  | AckEpoch
  | Diff
  | Trunc
  | Snap
  | SnapChunk
  | NewLeader
  | AckNewLeader
  | UpToDate
  | Proposal
  | Ack
  | Commit
  | Inform
  | Ping
  | Request
  | Revalidate
  | RevalidateReply;
