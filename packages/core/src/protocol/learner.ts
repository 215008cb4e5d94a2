/**
 * A learner's side of ZAB (a follower, or an observer that never votes): discovery with its
 * chosen leader, synchronization from the leader's history, then broadcast.
 *
 * Ordering rules that ZooKeeper learned the hard way, and that this file keeps:
 * - ACKEPOCH only after the new accepted epoch is durable;
 * - the ACK of NEWLEADER only after every synced transaction and then the current epoch are
 *   durable (ZOOKEEPER-1282, 3911, 4643, 4646): writes are ordered, and the ACK waits on the last;
 * - no ACK of a proposal before the ACK of NEWLEADER (ZOOKEEPER-4685);
 * - a proposal that does not directly follow the log is a hole and forces a resync
 *   (ZOOKEEPER-4925), while a repeat of one already logged is ignored (Zab spec issue 2);
 * - COMMIT may arrive between NEWLEADER and UPTODATE (ZOOKEEPER-4394).
 *
 * A learner also compares its state machine's digest with the one the leader sends in pings
 * (see `digest-check.ts`), starting afresh with every leader it follows.
 *
 * @module
 */
import { assert } from "../assert.js";
import { DigestCheck, type DigestCheckOutcome } from "./digest-check.js";
import type { Epoch, ServerId } from "./ids.js";
import type { LearnerRole, PeerMessage, StateDigest, Txn } from "./messages.js";
import type { RoleContext } from "./role-context.js";
import { formatZxid, type Zxid } from "./zxid.js";

type LearnerStage =
  /** FOLLOWERINFO sent (and resent) until LEADERINFO arrives. */
  | "discovery"
  /** LEADERINFO accepted; ACKEPOCH goes out once the accepted epoch is durable. */
  | "acceptingEpoch"
  /** ACKEPOCH sent; receiving the sync stream. */
  | "synchronization"
  /** NEWLEADER received; its ACK goes out once everything before it is durable. */
  | "newLeader"
  /** ACK of NEWLEADER sent; waiting for UPTODATE. */
  | "awaitingUpToDate"
  /** Serving. */
  | "broadcast";

interface SnapshotTransfer {
  readonly zxid: Zxid;
  readonly bytes: number;
  readonly chunks: Uint8Array[];
  received: number;
}

/**
 * The learner role of one member, following one leader until it gives up on it.
 *
 * @internal
 */
export class Learner {
  #stage: LearnerStage = "discovery";
  #epoch: Epoch | undefined;
  /** How the leader chose to sync us; set by the first message of the sync stream. */
  #syncMode: "diff" | "trunc" | "snap" | undefined;
  #snapshot: SnapshotTransfer | undefined;
  #ackedNewLeader = false;
  #lastAckSent: Zxid = 0n as Zxid;
  #ticksInRole = 0;
  #ticksSinceHeard = 0;
  #nextRequestId = 1n;
  /** Present when the state machine has a digest; knows only what happened under this leader. */
  readonly #digests: DigestCheck | undefined;

  /**
   * @param context - The member's services.
   * @param leader - The leader this member decided to follow.
   * @param role - Follower (votes, ACKs proposals) or observer (only learns commits).
   */
  constructor(
    private readonly context: RoleContext,
    readonly leader: ServerId,
    readonly role: LearnerRole,
  ) {
    const { stateMachine, history, config } = context;
    this.#digests =
      stateMachine.digest === undefined
        ? undefined
        : new DigestCheck(leader, this.#ownDigest(history.applied), config.recentDigestsMax);
    context.enterPhase("discovery", `following ${leader}`);
    this.#sendFollowerInfo();
  }

  /** The epoch of the leader, once its LEADERINFO arrived. */
  get epoch(): Epoch | undefined {
    return this.#epoch;
  }

  /** Whether this learner is synchronized and serving. */
  get isBroadcasting(): boolean {
    return this.#stage === "broadcast";
  }

  /**
   * Handles a message from a peer.
   *
   * @param from - The sender.
   * @param message - Anything but an election notification.
   */
  receive(from: ServerId, message: PeerMessage): void {
    if (from !== this.leader) {
      // Only the leader talks to a learner; another member claiming to lead is stale.
      if (message.kind !== "followerInfo")
        this.context.disconnect(from, `${message.kind} from ${from}, not our leader`);
      return;
    }
    this.#ticksSinceHeard = 0;
    switch (message.kind) {
      case "leaderInfo":
        this.#receiveLeaderInfo(message.newEpoch);
        return;
      case "diff":
      case "trunc":
      case "snap":
        this.#receiveSyncStart(message);
        return;
      case "snapChunk":
        this.#receiveSnapChunk(message.data, message.last);
        return;
      case "proposal":
        this.#receiveProposal(message.txn);
        return;
      case "commit":
        this.#receiveCommit(message.zxid);
        return;
      case "inform":
        this.#receiveInform(message.txn);
        return;
      case "newLeader":
        this.#receiveNewLeader(message.epoch);
        return;
      case "upToDate":
        if (this.#stage !== "awaitingUpToDate") {
          this.#abandon(`UPTODATE in stage ${this.#stage}`);
          return;
        }
        this.#stage = "broadcast";
        this.context.enterPhase("broadcast", "up to date with the leader");
        return;
      case "ping":
        if (message.digest !== undefined) this.#report(this.#digests?.leaderDigest(message.digest));
        this.context.send(this.leader, {
          kind: "ping",
          lastZxid: this.context.history.lastLogged,
          touchedSessions: this.context.takeTouchedSessions(),
        });
        return;
      default:
        this.#abandon(`${message.kind} is not a message a learner accepts`);
    }
  }

  /** Advances time: a learner that hears nothing from its leader goes back to looking. */
  tick(): void {
    this.#ticksInRole += 1;
    this.#ticksSinceHeard += 1;
    const { initLimitTicks, syncLimitTicks } = this.context.config;
    if (this.#stage !== "broadcast") {
      if (this.#ticksInRole > initLimitTicks) {
        this.context.lookForLeader(`not synchronized with ${this.leader} within ${initLimitTicks} ticks`);
        return;
      }
      // FOLLOWERINFO may have reached a leader still finishing its election: say it again.
      if (this.#stage === "discovery") this.#sendFollowerInfo();
      return;
    }
    if (this.#ticksSinceHeard > syncLimitTicks) {
      this.context.lookForLeader(`leader ${this.leader} silent for ${this.#ticksSinceHeard} ticks`);
    }
  }

  /** Reacts to a durable write: acknowledge what became durable, if acknowledging has begun. */
  onPersisted(): void {
    const durable = this.context.history.durable;
    if (this.role !== "follower" || !this.#ackedNewLeader || durable <= this.#lastAckSent) return;
    this.#lastAckSent = durable;
    this.context.send(this.leader, { kind: "ack", zxid: durable });
  }

  /**
   * Reacts to the member applying a committed transaction: remember the digest of the new state,
   * and compare it if the leader's digest for this zxid is waiting.
   *
   * @param zxid - The transaction just applied.
   */
  onApplied(zxid: Zxid): void {
    if (this.#digests !== undefined) this.#report(this.#digests.applied(this.#ownDigest(zxid)));
  }

  /**
   * Forwards a client write to the leader.
   *
   * @param payload - The state machine command.
   * @returns The request id the leader's REQUEST carries, or `undefined` when not serving.
   */
  forward(payload: Uint8Array): bigint | undefined {
    if (this.#stage !== "broadcast") return undefined;
    const requestId = this.#nextRequestId;
    this.#nextRequestId += 1n;
    this.context.send(this.leader, { kind: "request", requestId, payload });
    return requestId;
  }

  #sendFollowerInfo(): void {
    this.context.send(this.leader, {
      kind: "followerInfo",
      role: this.role,
      acceptedEpoch: this.context.acceptedEpoch,
      lastZxid: this.context.history.lastLogged,
    });
  }

  #receiveLeaderInfo(newEpoch: Epoch): void {
    if (this.#stage !== "discovery") {
      // A second LEADERINFO answers a resent FOLLOWERINFO; only a different epoch is wrong.
      if (newEpoch !== this.#epoch) this.#abandon(`LEADERINFO for epoch ${newEpoch} after ${this.#epoch}`);
      return;
    }
    const accepted = this.context.acceptedEpoch;
    if (newEpoch < accepted) {
      this.#abandon(`the leader's epoch ${newEpoch} is below our accepted epoch ${accepted}`);
      return;
    }
    this.#epoch = newEpoch;
    this.#stage = "acceptingEpoch";
    const sendAckEpoch = () => {
      this.#stage = "synchronization";
      this.context.enterPhase("synchronization", `accepted epoch ${newEpoch}`);
      this.context.send(this.leader, {
        kind: "ackEpoch",
        currentEpoch: this.context.currentEpoch,
        lastZxid: this.context.history.lastLogged,
      });
    };
    // ACKEPOCH promises never to accept a lower epoch: only once the promise is durable.
    if (newEpoch > accepted) this.context.setAcceptedEpoch(newEpoch, sendAckEpoch);
    else this.context.afterDurable(sendAckEpoch);
  }

  #receiveSyncStart(message: Extract<PeerMessage, { kind: "diff" | "trunc" | "snap" }>): void {
    if (this.#stage !== "synchronization" || this.#syncMode !== undefined) {
      this.#abandon(`${message.kind.toUpperCase()} in stage ${this.#stage}`);
      return;
    }
    const { history, config } = this.context;
    switch (message.kind) {
      case "diff":
        this.#syncMode = "diff";
        return;
      case "trunc":
        // Only uncommitted transactions may be cut; a leader asking for more is wrong.
        if (message.truncZxid < history.committed) {
          this.#abandon(
            `TRUNC to ${formatZxid(message.truncZxid)} below committed ${formatZxid(history.committed)}`,
          );
          return;
        }
        this.#syncMode = "trunc";
        history.truncateAfter(message.truncZxid);
        this.context.write({ kind: "truncate", afterZxid: message.truncZxid });
        return;
      case "snap":
        if (message.snapshotBytes > config.snapshotBytesMax || message.zxid < history.committed) {
          this.#abandon(`SNAP of ${message.snapshotBytes} bytes at ${formatZxid(message.zxid)}`);
          return;
        }
        this.#syncMode = "snap";
        this.#snapshot = { zxid: message.zxid, bytes: message.snapshotBytes, chunks: [], received: 0 };
        return;
    }
  }

  #receiveSnapChunk(data: Uint8Array, last: boolean): void {
    const transfer = this.#snapshot;
    if (transfer === undefined) {
      this.#abandon("a snapshot chunk outside a SNAP");
      return;
    }
    transfer.received += data.byteLength;
    if (transfer.received > transfer.bytes) {
      this.#abandon("a snapshot longer than announced");
      return;
    }
    transfer.chunks.push(data);
    if (!last) return;
    if (transfer.received !== transfer.bytes) {
      this.#abandon("a snapshot shorter than announced");
      return;
    }
    this.#snapshot = undefined;
    const snapshot = new Uint8Array(transfer.bytes);
    let offset = 0;
    for (const chunk of transfer.chunks) {
      snapshot.set(chunk, offset);
      offset += chunk.byteLength;
    }
    const { history, stateMachine } = this.context;
    stateMachine.restore(snapshot, transfer.zxid);
    history.resetTo(transfer.zxid);
    if (this.#digests !== undefined) this.#report(this.#digests.restored(this.#ownDigest(transfer.zxid)));
    this.context.write({ kind: "installSnapshot", zxid: transfer.zxid, data: snapshot });
  }

  #receiveProposal(txn: Txn): void {
    const inSync =
      this.#stage === "synchronization" && this.#syncMode !== undefined && this.#snapshot === undefined;
    const inBroadcast =
      this.#stage === "awaitingUpToDate" || this.#stage === "broadcast" || this.#stage === "newLeader";
    if (!inSync && !(inBroadcast && this.role === "follower")) {
      this.#abandon(`PROPOSAL ${formatZxid(txn.zxid)} in stage ${this.#stage}`);
      return;
    }
    this.#log(txn);
  }

  #receiveInform(txn: Txn): void {
    const afterSync =
      this.#stage === "newLeader" || this.#stage === "awaitingUpToDate" || this.#stage === "broadcast";
    if (this.role !== "observer" || !afterSync) {
      this.#abandon(`INFORM in stage ${this.#stage}`);
      return;
    }
    if (!this.#log(txn)) return;
    this.#receiveCommit(txn.zxid);
  }

  /** Logs the next transaction; ignores a repeat, abandons the leader on a hole. */
  #log(txn: Txn): boolean {
    const { history } = this.context;
    if (txn.zxid <= history.lastLogged) return true;
    if (!history.append(txn)) {
      this.#abandon(`${formatZxid(txn.zxid)} does not follow ${formatZxid(history.lastLogged)}: a hole`);
      return false;
    }
    this.context.write({ kind: "append", txns: [txn] });
    return true;
  }

  #receiveCommit(zxid: Zxid): void {
    const syncing =
      this.#stage === "synchronization" && this.#syncMode !== undefined && this.#snapshot === undefined;
    const afterSync =
      this.#stage === "newLeader" || this.#stage === "awaitingUpToDate" || this.#stage === "broadcast";
    if (!syncing && !afterSync) {
      this.#abandon(`COMMIT in stage ${this.#stage}`);
      return;
    }
    const { history } = this.context;
    if (zxid <= history.committed) return;
    if (zxid > history.lastLogged) {
      this.#abandon(`COMMIT of ${formatZxid(zxid)} beyond the log at ${formatZxid(history.lastLogged)}`);
      return;
    }
    history.commitUpTo(zxid);
    this.context.applyCommitted();
  }

  #receiveNewLeader(epoch: Epoch): void {
    if (this.#stage !== "synchronization" || this.#syncMode === undefined || this.#snapshot !== undefined) {
      this.#abandon(`NEWLEADER in stage ${this.#stage}`);
      return;
    }
    if (epoch !== this.#epoch) {
      this.#abandon(`NEWLEADER for epoch ${epoch}, accepted ${this.#epoch}`);
      return;
    }
    this.#stage = "newLeader";
    // The ACK of NEWLEADER covers the sync stream, which ends here; proposals after it still need
    // their own ACK, even if they became durable in the same batch as the current epoch.
    const syncEnd = this.context.history.lastLogged;
    // Writes are ordered: when currentEpoch is durable, so is every synced transaction before it.
    this.context.setCurrentEpoch(epoch, () => {
      this.#stage = "awaitingUpToDate";
      this.#ackedNewLeader = true;
      this.#lastAckSent = syncEnd;
      this.context.send(this.leader, { kind: "ackNewLeader", epoch });
      this.onPersisted();
    });
  }

  /** The state machine's digest, as of `zxid`, which the caller knows it reflects. */
  #ownDigest(zxid: Zxid): StateDigest {
    const digest = this.context.stateMachine.digest?.();
    assert(digest !== undefined, "only a state machine with a digest is compared");
    return { zxid, digest };
  }

  #report(outcome: DigestCheckOutcome | undefined): void {
    if (outcome !== undefined) this.context.reportDigestCheck(outcome);
  }

  /** Gives up on this leader: something it sent makes no sense for where we are. */
  #abandon(reason: string): void {
    this.context.disconnect(this.leader, `illegal message: ${reason}`);
    this.context.lookForLeader(reason);
  }
}
