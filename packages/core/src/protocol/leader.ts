/**
 * The leader's side of ZAB: discovery (choosing and establishing a new epoch), synchronization
 * of each learner (DIFF, TRUNC or SNAP), and broadcast (proposals, quorum commits, pings).
 *
 * @see {@link https://zookeeper.apache.org/doc/current/zookeeperInternals.html | ZooKeeper internals: Zab}
 * @module
 */
import { assert } from "../assert.js";
import type { Epoch, ServerId } from "./ids.js";
import { UINT32_MAX } from "./ids.js";
import type { AckEpoch, FollowerInfo, LearnerRole, PeerMessage, StateDigest, Txn } from "./messages.js";
import type { RoleContext } from "./role-context.js";
import { ZXID_ZERO, type Zxid, zxid } from "./zxid.js";

/** How far one learner has come with this leader. */
type LearnerStage =
  /** FOLLOWERINFO received; LEADERINFO not sent yet (the epoch is not chosen or not durable). */
  | "info"
  /** LEADERINFO sent; waiting for ACKEPOCH. */
  | "epochSent"
  /** ACKEPOCH received; waiting for a quorum of them before synchronizing. */
  | "epochAcked"
  /** The sync stream and NEWLEADER were sent; the learner now also receives every broadcast. */
  | "syncing"
  /** The learner acknowledged NEWLEADER: its copy of the history is durable. */
  | "synced"
  /** UPTODATE sent: the learner serves. */
  | "upToDate";

interface LearnerHandle {
  readonly role: LearnerRole;
  readonly acceptedEpoch: Epoch;
  stage: LearnerStage;
  /** The learner's last zxid, from ACKEPOCH. */
  lastZxid: Zxid;
  /** The last zxid of the sync stream; acknowledging NEWLEADER acknowledges up to here. */
  syncEnd: Zxid;
  /** Cumulative: every proposal up to here is durable on the learner. */
  acked: Zxid;
  ticksSinceHeard: number;
}

/**
 * The outcome of asking the leader to propose.
 *
 * @since 0.1.0
 */
export type LeaderProposeResult =
  | { readonly kind: "proposed"; readonly zxid: Zxid }
  | { readonly kind: "rejected"; readonly reason: "notReady" | "throttled" };

/**
 * The leader role of one member, from its election until it steps down.
 *
 * @internal
 */
export class Leader {
  readonly #learners = new Map<ServerId, LearnerHandle>();
  /** {@link #learners} in id order, rebuilt only when a learner joins or leaves. */
  #learnersInOrder: [ServerId, LearnerHandle][] | undefined;
  /** Learners whose FOLLOWERINFO arrived before the epoch was chosen, with their accepted epochs: the epoch exceeds all of them, and it is chosen once the voters among them (and the leader) form a quorum. */
  readonly #connecting = new Map<ServerId, Epoch>();
  readonly #epochAckers = new Set<ServerId>();
  readonly #newLeaderAckers = new Set<ServerId>();
  /** The new epoch, once chosen; LEADERINFO goes out once it is also durable. */
  #epoch: Epoch | undefined;
  #epochDurable = false;
  #phase: "discovery" | "synchronization" | "broadcast" = "discovery";
  #ticksInPhase = 0;
  #ticksSincePing = 0;
  #ticksSinceDigest = 0;
  #nextCounter = 1;
  /** This leader's history summary at election, to refuse a learner that is ahead of it. */
  readonly #initialCurrentEpoch: Epoch;
  readonly #initialLastZxid: Zxid;

  constructor(private readonly context: RoleContext) {
    this.#initialCurrentEpoch = context.currentEpoch;
    this.#initialLastZxid = context.history.lastLogged;
    this.#connecting.set(context.id, context.acceptedEpoch);
    context.enterPhase("discovery", "elected");
    this.#chooseEpochIfQuorum();
  }

  /** The epoch this leader establishes, once chosen. */
  get epoch(): Epoch | undefined {
    return this.#epoch;
  }

  /** Whether the leader has established its epoch and broadcasts. */
  get isBroadcasting(): boolean {
    return this.#phase === "broadcast";
  }

  /**
   * Handles a message from a peer.
   *
   * @param from - The sender.
   * @param message - Anything but an election notification.
   */
  receive(from: ServerId, message: PeerMessage): void {
    if (message.kind === "followerInfo") {
      this.#receiveFollowerInfo(from, message);
      return;
    }
    const learner = this.#learners.get(from);
    if (learner === undefined) {
      this.#illegal(from, `${message.kind} from ${from}, which is not a learner of this leader`);
      return;
    }
    learner.ticksSinceHeard = 0;
    switch (message.kind) {
      case "ackEpoch":
        this.#receiveAckEpoch(from, learner, message);
        return;
      case "ackNewLeader":
        this.#receiveAckNewLeader(from, learner, message.epoch);
        return;
      case "ack":
        // An ACK before the learner acknowledged NEWLEADER is ignored, not fatal (ZOOKEEPER-4685);
        // so is one for a zxid never proposed.
        if (learner.role !== "follower" || (learner.stage !== "synced" && learner.stage !== "upToDate"))
          return;
        if (message.zxid > this.context.history.lastLogged || message.zxid <= learner.acked) return;
        learner.acked = message.zxid;
        this.#commitIfQuorum();
        return;
      case "ping":
        if (message.touchedSessions.length > 0) this.context.reportTouchedSessions(message.touchedSessions);
        return;
      case "request":
        if (this.#phase !== "broadcast" || learner.stage !== "upToDate") return;
        this.context.forwardRequest({ from, requestId: message.requestId, payload: message.payload });
        return;
      default:
        this.#illegal(from, `${message.kind} is not a message a leader accepts`);
    }
  }

  /** Advances time: timeouts, pings and the quorum check. */
  tick(): void {
    this.#ticksInPhase += 1;
    const { initLimitTicks, syncLimitTicks, pingIntervalTicks } = this.context.config;
    if (this.#phase !== "broadcast" && this.#ticksInPhase > initLimitTicks) {
      this.context.lookForLeader(`no quorum finished ${this.#phase} within ${initLimitTicks} ticks`);
      return;
    }
    for (const [id, learner] of [...this.#learners].sort(([a], [b]) => a - b)) {
      learner.ticksSinceHeard += 1;
      const synced = learner.stage === "synced" || learner.stage === "upToDate";
      const limit = synced ? syncLimitTicks : initLimitTicks;
      if (learner.ticksSinceHeard > limit)
        this.#dropLearner(id, `silent for ${learner.ticksSinceHeard} ticks`);
    }
    this.#ticksSincePing += 1;
    this.#ticksSinceDigest += 1;
    if (this.#ticksSincePing >= pingIntervalTicks) {
      this.#ticksSincePing = 0;
      const digest = this.#digestIfDue();
      for (const id of this.#forwardingLearners()) {
        this.context.send(id, {
          kind: "ping",
          lastZxid: this.context.history.lastLogged,
          touchedSessions: [],
          ...(digest === undefined ? {} : { digest }),
        });
      }
    }
    if (this.#phase === "broadcast") {
      const reachable = [this.context.id, ...this.#syncedVoters()];
      if (!this.context.quorum.containsQuorum(reachable)) {
        this.context.lookForLeader("lost contact with a quorum of voters");
      }
    }
  }

  /** Reacts to a durable write: the leader's own log counts as its acknowledgement. */
  onPersisted(): void {
    if (this.#phase === "broadcast") this.#commitIfQuorum();
  }

  /**
   * Forgets a learner whose channel broke.
   *
   * @param peer - The learner.
   */
  channelClosed(peer: ServerId): void {
    this.#learners.delete(peer);
    this.#learnersInOrder = undefined;
  }

  /**
   * Proposes a transaction with the next zxid of this epoch.
   *
   * @param payload - The state machine command.
   * @returns The zxid, or why it was refused.
   */
  propose(payload: Uint8Array): LeaderProposeResult {
    const epoch = this.#epoch;
    if (this.#phase !== "broadcast" || epoch === undefined) return { kind: "rejected", reason: "notReady" };
    const { history, config } = this.context;
    if (history.uncommittedCount >= config.pendingProposalsMax)
      return { kind: "rejected", reason: "throttled" };
    if (this.#nextCounter >= config.zxidCounterMax) {
      // ZOOKEEPER-1277: never wrap the counter; a new election starts a new epoch at counter 1.
      this.context.lookForLeader("the zxid counter reached its maximum; starting a new epoch");
      return { kind: "rejected", reason: "notReady" };
    }
    const txn: Txn = { zxid: zxid(epoch, this.#nextCounter), payload };
    this.#nextCounter += 1;
    const appended = history.append(txn);
    assert(appended, "the leader's next zxid follows its log");
    this.context.write({ kind: "append", txns: [txn] });
    for (const [id, learner] of this.#sortedLearners()) {
      if (learner.role === "follower" && this.#isForwarding(learner)) {
        this.context.send(id, { kind: "proposal", txn });
      }
    }
    return { kind: "proposed", zxid: txn.zxid };
  }

  #receiveFollowerInfo(from: ServerId, info: FollowerInfo): void {
    const { quorum, config } = this.context;
    const isVoter = quorum.isVoter(from);
    const isObserver = config.observers.includes(from);
    if ((info.role === "follower" && !isVoter) || (info.role === "observer" && !isObserver)) {
      this.#illegal(from, `${from} asked to join as ${info.role}, which its membership does not allow`);
      return;
    }
    const existing = this.#learners.get(from);
    if (existing !== undefined && (existing.stage === "info" || existing.stage === "epochSent")) {
      // A resend while the learner waits for LEADERINFO: answer again if the epoch is ready.
      existing.ticksSinceHeard = 0;
      if (existing.stage === "epochSent") this.#sendLeaderInfo(from, existing);
      return;
    }
    // A new handshake (first contact, or the learner started over): forget its old stream.
    const learner: LearnerHandle = {
      role: info.role,
      acceptedEpoch: info.acceptedEpoch,
      stage: "info",
      lastZxid: info.lastZxid,
      syncEnd: info.lastZxid,
      acked: 0n as Zxid,
      ticksSinceHeard: 0,
    };
    const epoch = this.#epoch;
    if (epoch !== undefined && info.acceptedEpoch > epoch) {
      // The learner promised a later epoch (to a would-be leader that never established it) and
      // will refuse ours for good. Stepping down lets a new election pick an epoch above it.
      this.context.lookForLeader(
        `member ${from} accepted epoch ${info.acceptedEpoch}, above ours (${epoch})`,
      );
      return;
    }
    this.#learners.set(from, learner);
    this.#learnersInOrder = undefined;
    if (epoch === undefined) {
      this.#connecting.set(from, info.acceptedEpoch);
      this.#chooseEpochIfQuorum();
    } else if (this.#epochDurable) {
      this.#sendLeaderInfo(from, learner);
    }
  }

  /** Discovery: once a quorum of voters connected, propose max(acceptedEpoch) + 1. */
  #chooseEpochIfQuorum(): void {
    if (this.#epoch !== undefined) return;
    if (!this.context.quorum.containsQuorum(this.#connecting.keys())) return;
    const highest = Math.max(...this.#connecting.values());
    if (highest >= UINT32_MAX) {
      this.context.lookForLeader("the epoch space is exhausted");
      return;
    }
    const epoch = (highest + 1) as Epoch;
    this.#epoch = epoch;
    // The leader persists its own acceptedEpoch before proposing the epoch (ZOOKEEPER-1291).
    this.context.setAcceptedEpoch(epoch, () => {
      this.#epochDurable = true;
      this.#epochAckers.add(this.context.id);
      for (const [id, learner] of this.#sortedLearners()) {
        if (learner.stage === "info") this.#sendLeaderInfo(id, learner);
      }
      this.#startSynchronizationIfQuorum();
    });
  }

  #sendLeaderInfo(to: ServerId, learner: LearnerHandle): void {
    const epoch = this.#epoch;
    assert(epoch !== undefined && this.#epochDurable, "LEADERINFO only for a durable epoch");
    learner.stage = "epochSent";
    this.context.send(to, { kind: "leaderInfo", newEpoch: epoch });
  }

  #receiveAckEpoch(from: ServerId, learner: LearnerHandle, ack: AckEpoch): void {
    if (learner.stage !== "epochSent") {
      this.#illegal(from, `ACKEPOCH from ${from} in stage ${learner.stage}`);
      return;
    }
    // While the epoch is being established, a learner with a more recent history than this
    // leader's means the election went wrong: refuse it (ZooKeeper's waitForEpochAck). Once the
    // epoch is established, a late joiner's extra transactions are uncommitted and get cut.
    const ahead =
      this.#phase === "discovery" &&
      (ack.currentEpoch > this.#initialCurrentEpoch ||
        (ack.currentEpoch === this.#initialCurrentEpoch && ack.lastZxid > this.#initialLastZxid));
    if (ahead) {
      this.#dropLearner(from, "its history is ahead of the leader's");
      return;
    }
    learner.stage = "epochAcked";
    learner.lastZxid = ack.lastZxid;
    if (learner.role === "follower") this.#epochAckers.add(from);
    if (this.#phase === "discovery") this.#startSynchronizationIfQuorum();
    else this.#synchronize(from, learner);
  }

  #startSynchronizationIfQuorum(): void {
    const epoch = this.#epoch;
    if (this.#phase !== "discovery" || epoch === undefined || !this.#epochDurable) return;
    if (!this.context.quorum.containsQuorum(this.#epochAckers)) return;
    this.#phase = "synchronization";
    this.#ticksInPhase = 0;
    this.context.enterPhase("synchronization", "a quorum acknowledged the new epoch");
    // Writes are ordered: once currentEpoch is durable, the leader's whole history is too, so
    // this counts as the leader's own acknowledgement of NEWLEADER.
    this.context.setCurrentEpoch(epoch, () => {
      this.#newLeaderAckers.add(this.context.id);
      this.#establishIfQuorum();
    });
    for (const [id, learner] of this.#sortedLearners()) {
      if (learner.stage === "epochAcked") this.#synchronize(id, learner);
    }
  }

  /**
   * Synchronization: send the learner what it lacks (DIFF), what to cut (TRUNC) or a whole
   * snapshot (SNAP), then NEWLEADER. From here on it also receives every broadcast, so nothing
   * proposed or committed in between is missed (the stream and the broadcast share one FIFO
   * channel).
   */
  #synchronize(to: ServerId, learner: LearnerHandle): void {
    const epoch = this.#epoch;
    assert(epoch !== undefined, "synchronizing requires a chosen epoch");
    const { history, stateMachine, config } = this.context;
    const lastZxid = learner.lastZxid;
    const floor = history.floor(lastZxid);
    let from: Zxid;
    if (floor === undefined) {
      // Too far behind for the transactions kept in memory: send the applied state.
      from = history.applied;
      this.#sendSnapshot(to, from, stateMachine.snapshot(), config.snapshotChunkBytes);
    } else if (floor === lastZxid) {
      from = lastZxid;
      this.context.send(to, { kind: "diff", lastZxid: history.lastLogged });
    } else {
      // The learner logged transactions this leader never had (ZOOKEEPER-1154): cut them.
      from = floor;
      this.context.send(to, { kind: "trunc", truncZxid: floor });
    }
    for (const txn of history.after(from)) this.context.send(to, { kind: "proposal", txn });
    // Always say how far the leader has committed (Zab spec issue 3): the learner may already hold
    // transactions it never heard were committed, whatever the sync needed to send.
    if (history.committed > ZXID_ZERO) this.context.send(to, { kind: "commit", zxid: history.committed });
    this.context.send(to, { kind: "newLeader", epoch });
    learner.stage = "syncing";
    learner.syncEnd = history.lastLogged;
  }

  #sendSnapshot(to: ServerId, snapshotZxid: Zxid, data: Uint8Array, chunkBytes: number): void {
    this.context.send(to, { kind: "snap", zxid: snapshotZxid, snapshotBytes: data.byteLength });
    let offset = 0;
    // At least one chunk, so an empty snapshot still ends with `last`.
    do {
      const end = Math.min(offset + chunkBytes, data.byteLength);
      this.context.send(to, {
        kind: "snapChunk",
        data: data.subarray(offset, end),
        last: end === data.byteLength,
      });
      offset = end;
    } while (offset < data.byteLength);
  }

  #receiveAckNewLeader(from: ServerId, learner: LearnerHandle, epoch: Epoch): void {
    if (learner.stage !== "syncing" || epoch !== this.#epoch) {
      this.#illegal(from, `ACK of NEWLEADER for epoch ${epoch} from ${from} in stage ${learner.stage}`);
      return;
    }
    learner.stage = "synced";
    if (learner.syncEnd > learner.acked) learner.acked = learner.syncEnd;
    if (learner.role === "follower") this.#newLeaderAckers.add(from);
    if (this.#phase === "broadcast") {
      this.#sendUpToDate(from, learner);
      this.#commitIfQuorum();
    } else {
      this.#establishIfQuorum();
    }
  }

  /** The epoch is established once a quorum made the leader's history durable. */
  #establishIfQuorum(): void {
    if (this.#phase !== "synchronization" || !this.context.quorum.containsQuorum(this.#newLeaderAckers))
      return;
    const { history } = this.context;
    this.#phase = "broadcast";
    // The whole initial history is committed now: a quorum holds it durably under this epoch.
    // Learners already heard of what was committed before, in their sync stream.
    const previouslyCommitted = history.committed;
    history.commitUpTo(history.lastLogged);
    this.context.applyCommitted();
    this.context.enterPhase("broadcast", "a quorum acknowledged NEWLEADER");
    for (const [id, learner] of this.#sortedLearners()) {
      if (this.#isForwarding(learner) && history.committed > previouslyCommitted) {
        this.context.send(id, { kind: "commit", zxid: history.committed });
      }
      if (learner.stage === "synced") this.#sendUpToDate(id, learner);
    }
  }

  #sendUpToDate(to: ServerId, learner: LearnerHandle): void {
    learner.stage = "upToDate";
    this.context.send(to, { kind: "upToDate" });
  }

  /** Broadcast: commit the highest zxid a quorum of voters (the leader included) holds durably. */
  #commitIfQuorum(): void {
    const { history, quorum } = this.context;
    const durable: Zxid[] = [history.durable];
    for (const [id, learner] of this.#learners) {
      if (quorum.isVoter(id) && (learner.stage === "synced" || learner.stage === "upToDate")) {
        durable.push(learner.acked);
      }
    }
    if (durable.length < quorum.size) return;
    durable.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    const candidate = durable[quorum.size - 1];
    assert(candidate !== undefined, "a quorum-sized list has that element");
    const previous = history.committed;
    if (candidate <= previous) return;
    // Collected before applying, which may prune what was applied from memory; only observers
    // need them (as INFORMs).
    const committedTxns = this.#hasObservers()
      ? history.after(previous).filter((txn) => txn.zxid <= candidate)
      : [];
    history.commitUpTo(candidate);
    this.context.applyCommitted();
    for (const [id, learner] of this.#sortedLearners()) {
      if (!this.#isForwarding(learner)) continue;
      if (learner.role === "follower") {
        this.context.send(id, { kind: "commit", zxid: candidate });
      } else {
        for (const txn of committedTxns) this.context.send(id, { kind: "inform", txn });
      }
    }
  }

  /**
   * The leader's applied zxid and state digest, once `digestIntervalTicks` have passed since the
   * last. Any member's state at a zxid it applied is the same (only committed transactions are
   * applied, in order), so the digest is comparable in every phase, sync included.
   */
  #digestIfDue(): StateDigest | undefined {
    const { stateMachine, history, config } = this.context;
    if (stateMachine.digest === undefined || this.#ticksSinceDigest < config.digestIntervalTicks)
      return undefined;
    this.#ticksSinceDigest = 0;
    const digest = stateMachine.digest();
    assert(
      BigInt.asUintN(64, digest) === digest,
      () => `a state digest must fit 64 unsigned bits: ${digest}`,
    );
    return { zxid: history.applied, digest };
  }

  #hasObservers(): boolean {
    for (const learner of this.#learners.values()) if (learner.role === "observer") return true;
    return false;
  }

  #isForwarding(learner: LearnerHandle): boolean {
    return learner.stage === "syncing" || learner.stage === "synced" || learner.stage === "upToDate";
  }

  *#forwardingLearners(): Iterable<ServerId> {
    for (const [id, learner] of this.#sortedLearners()) if (this.#isForwarding(learner)) yield id;
  }

  *#syncedVoters(): Iterable<ServerId> {
    for (const [id, learner] of this.#learners) {
      if (learner.role === "follower" && (learner.stage === "synced" || learner.stage === "upToDate"))
        yield id;
    }
  }

  /** Learners in id order, so that every run sends in the same order. */
  #sortedLearners(): readonly [ServerId, LearnerHandle][] {
    this.#learnersInOrder ??= [...this.#learners].sort(([a], [b]) => a - b);
    return this.#learnersInOrder;
  }

  #dropLearner(id: ServerId, reason: string): void {
    this.#learners.delete(id);
    this.#learnersInOrder = undefined;
    this.context.disconnect(id, reason);
  }

  /** A message illegal for this role and phase is dropped and its channel closed. */
  #illegal(from: ServerId, reason: string): void {
    this.#dropLearner(from, `illegal message: ${reason}`);
  }
}
