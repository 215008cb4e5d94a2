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
 * then a higher id. A looking member rebroadcasts whenever it adopts a better vote and resends
 * with exponential backoff until it decides; a member that already follows or leads answers a
 * looking member's notification with the vote it decided on.
 * @since 0.1.0
 */
export interface Notification {
  /** Always `"notification"`: selects this variant of {@link PeerMessage} (wire type 23). */
  readonly kind: "notification";
  /**
   * The member this vote proposes as leader. A receiver ignores the vote when this member is not a
   * voter, since only a voter can lead.
   */
  readonly leader: ServerId;
  /** The last logged zxid of the proposed leader: the second key of the vote order. */
  readonly zxid: Zxid;
  /**
   * The current epoch of the proposed leader: the first key of the vote order. Members of an
   * established ensemble report the established epoch here, so that a member joining late sees
   * them agree (ZOOKEEPER-1732).
   */
  readonly peerEpoch: Epoch;
  /**
   * The sender's election round (ZooKeeper's `logicalclock`). A looking receiver answers a lower
   * round with its own vote so the sender catches up, moves to a higher round and starts counting
   * afresh, and counts only votes of its own round towards a quorum.
   */
  readonly round: ElectionRound;
  /**
   * What the sender is doing now. `looking` votes take part in the election; `following` and
   * `leading` votes let a looking member join an established leadership without a new election
   * once a quorum names the same leader and that leader says it leads; `observing` votes are
   * ignored.
   */
  readonly state: PeerState;
}

/**
 * Discovery, learner to leader: the learner's accepted epoch and last zxid (FOLLOWERINFO, or
 * OBSERVERINFO when `role` is `"observer"`).
 *
 * @remarks
 * A learner resends it every tick until LEADERINFO arrives, because the member it decided to
 * follow may still be finishing its own election and not yet listening as a leader.
 * @since 0.1.0
 */
export interface FollowerInfo {
  /** Always `"followerInfo"`: selects this variant of {@link PeerMessage} (wire type 11). */
  readonly kind: "followerInfo";
  /**
   * Whether the learner joins as a voting follower or as an observer. The leader closes the
   * channel when the role contradicts its configuration: a follower that is not a voter, or an
   * observer that is not listed among the observers.
   */
  readonly role: LearnerRole;
  /**
   * The learner's accepted epoch: the highest epoch it promised to a leader. Before the new epoch
   * is chosen, the leader collects these and picks one above the largest (ZAB's discovery). Once
   * it has chosen, a learner whose accepted epoch is above the leader's would refuse that epoch
   * for good, so the leader steps down and a new election picks a higher one.
   */
  readonly acceptedEpoch: Epoch;
  /**
   * The learner's last logged zxid when it sent this. The leader synchronizes from the `lastZxid`
   * of the later {@link AckEpoch}, which supersedes this value.
   */
  readonly lastZxid: Zxid;
}

/**
 * Discovery, leader to learner: the new epoch the leader proposes (LEADERINFO).
 *
 * @remarks
 * The leader sends it only once the epoch is its own durable accepted epoch (ZOOKEEPER-1291).
 * @since 0.1.0
 */
export interface LeaderInfo {
  /** Always `"leaderInfo"`: selects this variant of {@link PeerMessage} (wire type 17). */
  readonly kind: "leaderInfo";
  /**
   * The epoch the leader proposes to establish: one above the largest accepted epoch among the
   * members that connected to it. A learner whose accepted epoch is higher abandons this leader;
   * otherwise it makes `newEpoch` its durable accepted epoch before it answers with
   * {@link AckEpoch}. A repeated LEADERINFO (the answer to a resent FOLLOWERINFO) must carry the
   * same epoch, or the learner abandons the leader.
   */
  readonly newEpoch: Epoch;
}

/**
 * Discovery, learner to leader: sent after the learner made `newEpoch` its durable accepted epoch
 * (ACKEPOCH).
 *
 * @remarks
 * Sending it is a promise never to accept a lower epoch, which is why it waits for the write.
 * Once a quorum of followers (the leader included) acknowledged, the leader starts synchronizing.
 * @since 0.1.0
 */
export interface AckEpoch {
  /** Always `"ackEpoch"`: selects this variant of {@link PeerMessage} (wire type 18). */
  readonly kind: "ackEpoch";
  /**
   * The learner's current epoch: the epoch of the last leader it fully synchronized with. While
   * the epoch is being established, the leader refuses a learner whose (currentEpoch, lastZxid) is
   * ahead of its own history, because the election should have chosen the most up-to-date member
   * (ZooKeeper's `waitForEpochAck`).
   */
  readonly currentEpoch: Epoch;
  /**
   * The learner's last logged zxid. The leader compares it with its own history to choose how to
   * synchronize the learner: {@link Diff}, {@link Trunc} or {@link Snap}.
   */
  readonly lastZxid: Zxid;
}

/**
 * Synchronization, leader to learner: the learner's log is a prefix of the leader's history, and
 * what it lacks follows as PROPOSALs (DIFF).
 *
 * @remarks
 * The sync stream is DIFF, a {@link Proposal} for every transaction after the learner's last
 * zxid (committed or not), one cumulative {@link Commit} of what the leader has committed, then
 * {@link NewLeader}.
 * @since 0.1.0
 */
export interface Diff {
  /** Always `"diff"`: selects this variant of {@link PeerMessage} (wire type 13). */
  readonly kind: "diff";
  /**
   * The leader's last logged zxid when it built the stream, which is where the learner's log will
   * end once it has logged the PROPOSALs that follow. The learner does not act on it: it logs
   * exactly what those PROPOSALs carry.
   */
  readonly lastZxid: Zxid;
}

/**
 * Synchronization, leader to learner: the learner logged transactions the leader never had, so it
 * must cut every transaction after `truncZxid` (TRUNC, ZOOKEEPER-1154).
 *
 * @remarks
 * Like {@link Diff}, it is followed by PROPOSALs for the leader's transactions after `truncZxid`,
 * a cumulative COMMIT and NEWLEADER.
 * @since 0.1.0
 */
export interface Trunc {
  /** Always `"trunc"`: selects this variant of {@link PeerMessage} (wire type 14). */
  readonly kind: "trunc";
  /**
   * The last zxid the learner and the leader share: the largest zxid in the leader's history at
   * or below the learner's last zxid. The learner keeps its log up to here and queues a durable
   * `truncate` of the rest. A TRUNC below what the learner knows is committed makes it abandon the
   * leader, since a committed transaction is never cut.
   */
  readonly truncZxid: Zxid;
}

/**
 * Synchronization, leader to learner: the learner is behind the transactions the leader keeps in
 * memory and receives a whole snapshot taken at `zxid`, in {@link SnapChunk}s totalling
 * `snapshotBytes` (SNAP).
 *
 * @remarks
 * After the last chunk come PROPOSALs for the transactions after `zxid`, a cumulative COMMIT and
 * NEWLEADER, as for {@link Diff}.
 * @since 0.1.0
 */
export interface Snap {
  /** Always `"snap"`: selects this variant of {@link PeerMessage} (wire type 15). */
  readonly kind: "snap";
  /**
   * The zxid of the last transaction in the snapshot: the leader's applied zxid. The learner
   * restores its state machine to it and replaces its log by the snapshot; a SNAP below what the
   * learner knows is committed makes it abandon the leader.
   */
  readonly zxid: Zxid;
  /**
   * The snapshot's total size in bytes. The learner refuses a SNAP larger than its
   * `snapshotBytesMax` before receiving any chunk, and abandons a transfer whose chunks add up to
   * more or fewer bytes.
   */
  readonly snapshotBytes: number;
}

/**
 * One piece of a snapshot sent after {@link Snap}; `last` marks the final piece.
 *
 * @remarks
 * ZooKeeper streams the snapshot after SNAP without packets of its own; framing it in chunks keeps
 * every frame below the transport's frame size limit.
 * @since 0.1.0
 */
export interface SnapChunk {
  /** Always `"snapChunk"`: selects this variant of {@link PeerMessage} (wire type 21). */
  readonly kind: "snapChunk";
  /** The next bytes of the snapshot, in order, at most `snapshotChunkBytes` (a leader setting). */
  readonly data: Uint8Array;
  /**
   * `true` on the final chunk. The learner then checks the total against
   * {@link Snap.snapshotBytes}, restores the state machine and queues a durable `installSnapshot`
   * write. An empty snapshot still travels as one empty chunk with `last` set.
   */
  readonly last: boolean;
}

/**
 * Synchronization: the leader's history has been sent; the learner makes it durable, sets its
 * current epoch to `epoch`, then answers {@link AckNewLeader} (NEWLEADER).
 *
 * @remarks
 * It ends the sync stream. Everything the leader proposes or commits after it travels on the
 * same FIFO channel, so the learner misses nothing between the stream and the broadcast.
 * @since 0.1.0
 */
export interface NewLeader {
  /** Always `"newLeader"`: selects this variant of {@link PeerMessage} (wire type 10). */
  readonly kind: "newLeader";
  /**
   * The epoch the leader is establishing; it must equal the one in its LEADERINFO, or the learner
   * abandons the leader. The learner writes it as its durable current epoch after every synced
   * transaction, and acknowledges only once that write is durable (ZOOKEEPER-1282).
   */
  readonly epoch: Epoch;
}

/**
 * Synchronization, learner to leader: the synced history is durable and the current epoch is set
 * (the ACK of NEWLEADER).
 *
 * @remarks
 * ZooKeeper acknowledges NEWLEADER with an ACK packet; zab gives it a message of its own, so that
 * it cannot be confused with the acknowledgement of a proposal. Once a quorum of followers (the
 * leader included) acknowledged, the leader commits its whole initial history and the epoch is
 * established.
 * @since 0.1.0
 */
export interface AckNewLeader {
  /** Always `"ackNewLeader"`: selects this variant of {@link PeerMessage} (wire type 20). */
  readonly kind: "ackNewLeader";
  /**
   * The epoch of the NEWLEADER acknowledged. The leader closes the channel when it is not the
   * epoch it is establishing or the learner was not synchronizing. The acknowledgement covers the
   * whole sync stream: the leader counts the learner as holding all of it durably.
   */
  readonly epoch: Epoch;
}

/**
 * Synchronization: a quorum acknowledged NEWLEADER; the learner may serve (UPTODATE).
 *
 * @remarks
 * The leader sends it to a learner once the epoch is established and that learner acknowledged
 * NEWLEADER; the learner then enters `broadcast`. A learner that receives it before it sent its
 * acknowledgement abandons the leader.
 * @since 0.1.0
 */
export interface UpToDate {
  /** Always `"upToDate"`: selects this variant of {@link PeerMessage} (wire type 12). */
  readonly kind: "upToDate";
}

/**
 * Leader to learner: log this transaction (PROPOSAL).
 *
 * @remarks
 * In broadcast the leader sends each new proposal to its followers as soon as it assigns the
 * zxid, without waiting for its own disk. The sync stream also carries PROPOSALs, to observers as
 * well as followers.
 * @since 0.1.0
 */
export interface Proposal {
  /** Always `"proposal"`: selects this variant of {@link PeerMessage} (wire type 2). */
  readonly kind: "proposal";
  /**
   * The transaction. The learner logs it only if its zxid directly follows the log (the next
   * counter, or counter 1 of a later epoch): a repeat of a logged zxid is ignored, and a gap makes
   * the learner abandon the leader and resynchronize (ZOOKEEPER-4925). A follower acknowledges it
   * with {@link Ack} once it is durable.
   */
  readonly txn: Txn;
}

/**
 * Broadcast, follower to leader: every proposal up to and including `zxid` is durable here (ACK).
 *
 * @since 0.1.0
 */
export interface Ack {
  /** Always `"ack"`: selects this variant of {@link PeerMessage} (wire type 3). */
  readonly kind: "ack";
  /**
   * The follower's durable zxid. Acknowledgements are cumulative, so one ACK covers every proposal
   * up to it. A follower starts sending them only after its ACK of NEWLEADER, and the leader
   * ignores one from a learner that has not acknowledged NEWLEADER (ZOOKEEPER-4685), one above
   * its own last logged zxid, one that does not advance, and any from an observer. The leader
   * commits the highest zxid that a quorum of voters, itself included, holds durably.
   */
  readonly zxid: Zxid;
}

/**
 * Leader to learner: every proposal up to and including `zxid` is committed (COMMIT).
 *
 * @remarks
 * Every sync stream carries one before NEWLEADER, so that a learner learns what was committed
 * before it joined, and every learner being synchronized or served gets one when the epoch is
 * established. After that, in broadcast, followers get one whenever the commit point advances,
 * while observers get each committed transaction as an {@link Inform} instead.
 * @since 0.1.0
 */
export interface Commit {
  /** Always `"commit"`: selects this variant of {@link PeerMessage} (wire type 4). */
  readonly kind: "commit";
  /**
   * The leader's commit point. The learner marks everything up to it committed and applies what
   * is also durable locally. One at or below what the learner already knows committed is ignored;
   * one beyond the learner's log makes it abandon the leader.
   */
  readonly zxid: Zxid;
}

/**
 * Broadcast, leader to observer: a committed transaction, payload included (INFORM).
 *
 * @since 0.1.0
 */
export interface Inform {
  /** Always `"inform"`: selects this variant of {@link PeerMessage} (wire type 8). */
  readonly kind: "inform";
  /**
   * The committed transaction, sent once the leader commits it. The observer logs it like a
   * PROPOSAL (a repeat is ignored, a gap makes it resynchronize) and commits up to its zxid at
   * once, since observers never acknowledge proposals. Only an observer accepts INFORM, and only
   * after NEWLEADER.
   */
  readonly txn: Txn;
}

/**
 * A state machine's digest at a zxid: the state after applying every transaction up to `zxid`.
 *
 * @since 0.1.0
 */
export interface StateDigest {
  /** The last transaction the state reflects. */
  readonly zxid: Zxid;
  /** {@link StateMachine.digest} of that state, 64 bits. */
  readonly digest: bigint;
}

/**
 * Liveness, both ways: "I am here". A learner lists the sessions its clients touched since its
 * last ping so the leader can keep them alive (PING). Some of the leader's pings also carry its
 * state machine's digest, for learners to check that their state has not diverged.
 *
 * @remarks
 * The leader pings every learner it is synchronizing or serving each `pingIntervalTicks`, and a
 * learner answers each ping with one of its own. Any message resets the receiver's count of
 * silent ticks: a leader drops a learner it has not heard from for `syncLimitTicks`
 * (`initLimitTicks` until the learner acknowledged NEWLEADER), and a serving learner abandons a
 * leader silent for `syncLimitTicks`.
 * @since 0.1.0
 */
export interface Ping {
  /** Always `"ping"`: selects this variant of {@link PeerMessage} (wire type 5). */
  readonly kind: "ping";
  /** The sender's last logged zxid, for diagnostics; neither side acts on it. */
  readonly lastZxid: Zxid;
  /**
   * The sessions whose clients were active on the sending learner since its last ping, so that
   * the leader can postpone their expiry. The leader's own pings carry none; a leader hands what
   * it receives to its runtime as {@link Ready.touchedSessions}.
   */
  readonly touchedSessions: readonly SessionId[];
  /**
   * Leader to learner only: the leader's applied zxid and its state machine's digest there, once
   * every `digestIntervalTicks` when its state machine has a digest. The learner compares it with
   * its own digest at that zxid (now, or once it has applied that far) and reports a difference
   * as a {@link DigestMismatch}. Learners never send it, and a leader ignores it.
   */
  readonly digest?: StateDigest;
}

/**
 * A learner forwards a client's write to the leader (REQUEST).
 *
 * @remarks
 * The leader hands it to its runtime as a {@link ForwardedRequest}, which proposes it, only while
 * it is in broadcast and the learner is up to date; otherwise it drops the request without an
 * answer.
 * @since 0.1.0
 */
export interface Request {
  /** Always `"request"`: selects this variant of {@link PeerMessage} (wire type 1). */
  readonly kind: "request";
  /**
   * The learner's number for this request: 1, 2, … for each leader it follows (it starts again
   * at 1 after every election). {@link ZabNode.propose} returns it to the learner's runtime, and
   * the leader's runtime sees it as {@link ForwardedRequest.requestId}. No message carries it back
   * yet, so the learner cannot learn the outcome through it.
   */
  readonly requestId: bigint;
  /** The state machine command, opaque to the protocol. */
  readonly payload: Uint8Array;
}

/**
 * A learner asks the leader whether a session that moved to it is still alive (REVALIDATE).
 *
 * @remarks
 * Reserved for session support: the codec carries it, but no role sends it in this version, and
 * a leader that receives one treats it as illegal and closes the channel.
 * @since 0.1.0
 */
export interface Revalidate {
  /** Always `"revalidate"`: selects this variant of {@link PeerMessage} (wire type 6). */
  readonly kind: "revalidate";
  /** The session whose client reconnected to the learner. */
  readonly sessionId: SessionId;
  /** The session timeout the client negotiated, in milliseconds (at most 2^32 - 1 on the wire). */
  readonly timeoutMs: number;
}

/**
 * The leader's answer to {@link Revalidate}.
 *
 * @remarks
 * Reserved like {@link Revalidate}: no role sends it in this version, and a learner that receives
 * one treats it as illegal and abandons its leader. ZooKeeper answers with a REVALIDATE packet;
 * zab gives the answer a message of its own (wire type 22).
 * @since 0.1.0
 */
export interface RevalidateReply {
  /** Always `"revalidateReply"`: selects this variant of {@link PeerMessage} (wire type 22). */
  readonly kind: "revalidateReply";
  /** The session asked about, as in {@link Revalidate.sessionId}. */
  readonly sessionId: SessionId;
  /**
   * `true` when the leader still holds the session as alive, so the learner may serve its client;
   * `false` when it has expired.
   */
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
