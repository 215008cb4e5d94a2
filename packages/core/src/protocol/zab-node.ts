/**
 * One ensemble member's ZAB protocol as a pure, deterministic state machine.
 *
 * `ZabNode` has no sockets, files, timers, clock or randomness. A runtime (or the simulator)
 * feeds it inputs — {@link ZabNode.tick}, {@link ZabNode.receive}, {@link ZabNode.persisted},
 * {@link ZabNode.propose}, {@link ZabNode.channelClosed} — and drains the effects with
 * {@link ZabNode.ready}: durable writes, messages, applied transactions, role changes. The same
 * code therefore runs in production and, in virtual time, under the deterministic simulator.
 *
 * @module
 */
import { assert, assertNever } from "../assert.js";
import { ZabError } from "../errors.js";
import { type ResolvedZabConfig, resolveZabConfig, type ZabConfig } from "./config.js";
import type { DigestCheckOutcome, DigestCheckStats, DigestMismatch } from "./digest-check.js";
import { FastLeaderElection } from "./fast-leader-election.js";
import { History } from "./history.js";
import type { ElectionRound, Epoch, ServerId, SessionId } from "./ids.js";
import { Leader } from "./leader.js";
import { Learner } from "./learner.js";
import type { PeerMessage, PeerState, Txn } from "./messages.js";
import { MajorityQuorum } from "./quorum.js";
import type {
  Applied,
  ForwardedRequest,
  NumberedWrite,
  Outbound,
  Phase,
  Ready,
  Role,
  StorageWrite,
  Transition,
} from "./ready.js";
import type { RoleContext } from "./role-context.js";
import type { StateMachine } from "./state-machine.js";
import type { Vote } from "./vote.js";
import { formatZxid, ZXID_ZERO, type Zxid } from "./zxid.js";

/**
 * What a member recovered from its storage at start-up.
 *
 * @remarks
 * Everything in it is taken as durable. Whether the logged transactions are committed is not
 * known yet: the node applies them only once a leader's COMMIT (or its own quorum, as leader)
 * says so. {@link ZabServer.start} builds this from a {@link StorageRecovery} and the log.
 * @since 0.1.0
 */
export interface RestoredState {
  /**
   * The durable accepted epoch (ZAB's `acceptedEpoch`: the highest epoch this member promised to
   * a prospective leader, or chose as leader). The constructor throws `Corrupt` when it is below
   * `currentEpoch`.
   */
  readonly acceptedEpoch: Epoch;
  /**
   * The durable current epoch (ZAB's `currentEpoch`, the epoch of the last leader this member
   * fully synchronized with). It becomes the `peerEpoch` of the member's own vote.
   */
  readonly currentEpoch: Epoch;
  /** The newest valid snapshot, if any. */
  readonly snapshot?:
    | {
        /** The last transaction the snapshot includes; the history starts after it. */
        readonly zxid: Zxid;
        /** The serialized state, handed to {@link StateMachine.restore} before anything else. */
        readonly data: Uint8Array;
      }
    | undefined;
  /** Every durable logged transaction after the snapshot, in zxid order. */
  readonly txns: readonly Txn[];
}

/**
 * The outcome of {@link ZabNode.propose}.
 *
 * - `proposed`: this member leads; the transaction has this zxid.
 * - `forwarded`: this member follows; the request went to the leader with this request id.
 * - `rejected`: no leader is serving here (`notReady`), or too many proposals are pending
 *   (`throttled`).
 *
 * @since 0.1.0
 */
export type ProposeResult =
  | {
      /** This member leads in broadcast: it logged the transaction and sent it to its followers. */
      readonly kind: "proposed";
      /**
       * The zxid the leader assigned; the transaction shows up in {@link Ready.applied} under this
       * zxid once a quorum holds it durably.
       */
      readonly zxid: Zxid;
    }
  | {
      /** This member is a follower in broadcast: it sent the command to its leader as a REQUEST. */
      readonly kind: "forwarded";
      /** The {@link Request.requestId} the REQUEST carries. */
      readonly requestId: bigint;
    }
  | {
      /** Nothing was proposed or sent. */
      readonly kind: "rejected";
      /**
       * `notReady` when this member is not a leader or follower in broadcast (an observer never
       * is, and a leader whose zxid counter reached `zxidCounterMax` steps down); `throttled`
       * when the leader already has `pendingProposalsMax` uncommitted proposals.
       */
      readonly reason: "notReady" | "throttled";
    };

interface PendingWrite {
  readonly id: number;
  readonly write: StorageWrite;
  readonly callbacks: (() => void)[];
}

interface DecidedVote {
  readonly vote: Vote;
  readonly round: ElectionRound;
}

/**
 * One member's ZAB state machine: fast leader election, discovery, synchronization, broadcast.
 *
 * @remarks
 * Inputs are synchronous and never throw for anything a peer sends: an illegal message is dropped
 * and its channel closed ({@link Ready.disconnect}). Effects accumulate until
 * {@link ZabNode.ready} drains them. The runtime must execute {@link Ready.writes} in order and
 * report each with {@link ZabNode.persisted}; messages that depend on durability are only emitted
 * after that report.
 * @typeParam Result - What the state machine's `apply` returns.
 * @example
 * ```ts
 * import { ZabNode, serverId, epoch, type StateMachine } from "@zab/core";
 *
 * const log: Uint8Array[] = [];
 * const machine: StateMachine<number> = {
 *   apply: (txn) => log.push(txn.payload),
 *   snapshot: () => new Uint8Array(),
 *   restore: () => { log.length = 0; },
 * };
 * const node = new ZabNode(
 *   { id: serverId(1), voters: [serverId(1)] },
 *   machine,
 *   { acceptedEpoch: epoch(0), currentEpoch: epoch(0), txns: [] },
 * );
 * node.tick();
 * const effects = node.ready(); // writes to persist, messages to send, role changes
 * ```
 * @since 0.1.0
 */
export class ZabNode<Result = unknown> {
  readonly #config: ResolvedZabConfig;
  readonly #quorum: MajorityQuorum;
  readonly #stateMachine: StateMachine<Result>;
  readonly #history: History;
  readonly #election: FastLeaderElection;
  readonly #context: RoleContext;
  #acceptedEpoch: Epoch;
  #currentEpoch: Epoch;
  #role: Role = "looking";
  #phase: Phase = "election";
  #leader: Leader | undefined;
  #learner: Learner | undefined;
  #decided: DecidedVote | undefined;
  /** Bumped on every role change; a durable-write callback of an older generation is dropped. */
  #generation = 0;
  #nextWriteId = 1;
  #lastPersistedId = 0;
  readonly #pendingWrites: PendingWrite[] = [];
  #writes: NumberedWrite[] = [];
  #messages: Outbound[] = [];
  #disconnect: { peer: ServerId; reason: string }[] = [];
  #applied: Applied<Result>[] = [];
  #requests: ForwardedRequest[] = [];
  #touchedSessions: SessionId[] = [];
  /** Sessions touched here since the last ping to the leader (learner side), without repeats. */
  #sessionsToReport = new Set<SessionId>();
  #transitions: Transition[] = [];
  #digestMismatches: DigestMismatch[] = [];
  #digestChecks: DigestCheckStats = { checked: 0, mismatched: 0, skipped: 0 };

  /**
   * Restores a member from what its storage recovered and starts it looking for a leader: its
   * first {@link ZabNode.ready} holds the election notifications to send.
   *
   * @param config - Membership and tick settings.
   * @param stateMachine - The replicated state machine; the node restores and applies to it.
   * @param restored - What storage recovered.
   * @throws {@link ZabError} with code `"Invalid"` for bad settings, and `"Corrupt"` when the
   * restored log has a hole or the epochs are inconsistent.
   */
  constructor(config: ZabConfig, stateMachine: StateMachine<Result>, restored: RestoredState) {
    this.#config = resolveZabConfig(config);
    this.#quorum = new MajorityQuorum(this.#config.voters);
    this.#stateMachine = stateMachine;
    if (restored.acceptedEpoch < restored.currentEpoch) {
      throw new ZabError(
        "Corrupt",
        `acceptedEpoch ${restored.acceptedEpoch} is below currentEpoch ${restored.currentEpoch}`,
      );
    }
    this.#acceptedEpoch = restored.acceptedEpoch;
    this.#currentEpoch = restored.currentEpoch;
    const base = restored.snapshot?.zxid ?? ZXID_ZERO;
    if (restored.snapshot !== undefined) stateMachine.restore(restored.snapshot.data, restored.snapshot.zxid);
    this.#history = new History(base, this.#config.syncDiffTxnsMax);
    for (const txn of restored.txns) {
      if (!this.#history.append(txn)) {
        throw new ZabError(
          "Corrupt",
          `the log has a hole: ${formatZxid(txn.zxid)} does not follow ${formatZxid(this.#history.lastLogged)}`,
        );
      }
    }
    // What storage recovered is durable; whether it is committed is learned from a leader.
    this.#history.markDurable(this.#history.lastLogged);
    this.#context = this.#makeContext();
    this.#election = new FastLeaderElection(this.#config.id, this.#quorum, this.#config, (to, notification) =>
      this.#send(to, notification),
    );
    this.#lookForLeader("started");
  }

  /** This member's id. */
  get id(): ServerId {
    return this.#config.id;
  }

  /** What this member is doing. */
  get role(): Role {
    return this.#role;
  }

  /** Where it is within that role; it serves only in `broadcast`. */
  get phase(): Phase {
    return this.#phase;
  }

  /** The leader it follows or is, once decided. */
  get leader(): ServerId | undefined {
    return this.#role === "looking" ? undefined : this.#decided?.vote.leader;
  }

  /** The accepted epoch (the last one promised, durable or being made durable). */
  get acceptedEpoch(): Epoch {
    return this.#acceptedEpoch;
  }

  /** The current epoch (the last one whose history this member holds). */
  get currentEpoch(): Epoch {
    return this.#currentEpoch;
  }

  /** The epoch of the leadership this member is part of, once known. */
  get epoch(): Epoch | undefined {
    return this.#leader?.epoch ?? this.#learner?.epoch;
  }

  /** The last logged zxid, durable or not. */
  get lastLoggedZxid(): Zxid {
    return this.#history.lastLogged;
  }

  /** Everything up to this zxid is durable in the local log. */
  get durableZxid(): Zxid {
    return this.#history.durable;
  }

  /** Everything up to this zxid is known committed. */
  get committedZxid(): Zxid {
    return this.#history.committed;
  }

  /** The state machine reflects everything up to this zxid. */
  get appliedZxid(): Zxid {
    return this.#history.applied;
  }

  /**
   * How this member's state machine digest compared with its leaders' since it started: the
   * counts behind {@link Ready.digestMismatches}.
   */
  get digestChecks(): DigestCheckStats {
    return this.#digestChecks;
  }

  /** The state machine this node applies to. */
  get stateMachine(): StateMachine<Result> {
    return this.#stateMachine;
  }

  /**
   * Advances time by one tick.
   */
  tick(): void {
    if (this.#role === "looking") {
      const outcome = this.#election.tick();
      if (outcome !== undefined) this.#decide(outcome.vote, outcome.round);
    } else {
      this.#leader?.tick();
      this.#learner?.tick();
    }
  }

  /**
   * Handles a message from a peer, as delivered by the transport (which authenticated `from`).
   *
   * @param from - The sender.
   * @param message - The decoded message.
   */
  receive(from: ServerId, message: PeerMessage): void {
    if (from === this.#config.id) return;
    if (!this.#quorum.isVoter(from) && !this.#config.observers.includes(from)) {
      this.#disconnectPeer(from, `${from} is not a member of this ensemble`);
      return;
    }
    if (message.kind === "notification") {
      this.#receiveNotification(from, message);
      return;
    }
    if (this.#leader !== undefined) this.#leader.receive(from, message);
    else if (this.#learner !== undefined) this.#learner.receive(from, message);
    else if (message.kind !== "followerInfo") {
      // A looking member takes part in no leadership. A FOLLOWERINFO is a learner that decided
      // before us; it resends until we decide, so it needs no answer now.
      this.#disconnectPeer(from, `illegal message: ${message.kind} while looking`);
    }
  }

  /**
   * Reports that every write up to and including `writeId` is durable.
   *
   * @remarks
   * This is what releases acknowledgements (ACK, ACKEPOCH, the ACK of NEWLEADER) and lets
   * committed transactions be applied. Reporting the same id again is harmless.
   * @param writeId - The id of the last completed write, from {@link Ready.writes}.
   * @throws {@link AssertionError} when `writeId` was never issued or is below an id already
   *   reported: the runtime broke the write order.
   */
  persisted(writeId: number): void {
    assert(writeId <= this.#nextWriteId - 1, () => `write ${writeId} was never issued`);
    assert(
      writeId >= this.#lastPersistedId,
      () => `writes reported out of order: ${writeId} after ${this.#lastPersistedId}`,
    );
    this.#lastPersistedId = writeId;
    const due: (() => void)[] = [];
    while (
      this.#pendingWrites.length > 0 &&
      (this.#pendingWrites[0]?.id ?? Number.POSITIVE_INFINITY) <= writeId
    ) {
      const pending = this.#pendingWrites.shift();
      assert(pending !== undefined, "a pending write exists");
      if (pending.write.kind === "append") {
        const last = pending.write.txns.at(-1);
        if (last !== undefined) this.#history.markDurable(last.zxid);
      }
      due.push(...pending.callbacks);
    }
    for (const callback of due) callback();
    this.#leader?.onPersisted();
    this.#learner?.onPersisted();
    this.#applyCommitted();
  }

  /**
   * Proposes a state machine command: the leader assigns it the next zxid, a learner forwards it.
   *
   * @param payload - The command; the node does not look inside.
   * @returns What happened to it.
   */
  propose(payload: Uint8Array): ProposeResult {
    if (this.#leader !== undefined) return this.#leader.propose(payload);
    if (this.#learner !== undefined && this.#learner.role === "follower") {
      const requestId = this.#learner.forward(payload);
      if (requestId !== undefined) return { kind: "forwarded", requestId };
    }
    return { kind: "rejected", reason: "notReady" };
  }

  /**
   * Records that clients of these sessions were active on this member. A leader reports them to
   * its runtime at once ({@link Ready.touchedSessions}); a learner carries them to its leader on
   * its next ping, so the leader postpones their expiry.
   *
   * @param sessions - The sessions; repeats are merged until the next report.
   */
  touchSessions(sessions: Iterable<SessionId>): void {
    if (this.#leader !== undefined) {
      this.#touchedSessions.push(...sessions);
      return;
    }
    // Bounded by the number of sessions this member serves; cleared at every ping.
    for (const session of sessions) this.#sessionsToReport.add(session);
  }

  /**
   * Reports that the channel to a peer broke; whatever was in flight on it is lost.
   *
   * @param peer - The peer.
   */
  channelClosed(peer: ServerId): void {
    if (this.#leader !== undefined) this.#leader.channelClosed(peer);
    else if (this.#learner !== undefined && peer === this.#learner.leader) {
      this.#lookForLeader(`the channel to leader ${peer} closed`);
    }
  }

  /**
   * Drains the effects produced since the last call.
   *
   * @returns The effects; the caller owns the arrays.
   */
  ready(): Ready<Result> {
    const ready: Ready<Result> = {
      writes: this.#writes,
      messages: this.#messages,
      disconnect: this.#disconnect,
      applied: this.#applied,
      requests: this.#requests,
      touchedSessions: this.#touchedSessions,
      transitions: this.#transitions,
      digestMismatches: this.#digestMismatches,
    };
    this.#writes = [];
    this.#messages = [];
    this.#disconnect = [];
    this.#applied = [];
    this.#requests = [];
    this.#touchedSessions = [];
    this.#transitions = [];
    this.#digestMismatches = [];
    return ready;
  }

  /** Whether {@link ZabNode.ready} would return anything. */
  get hasReady(): boolean {
    return (
      this.#writes.length > 0 ||
      this.#messages.length > 0 ||
      this.#disconnect.length > 0 ||
      this.#applied.length > 0 ||
      this.#requests.length > 0 ||
      this.#touchedSessions.length > 0 ||
      this.#transitions.length > 0 ||
      this.#digestMismatches.length > 0
    );
  }

  #receiveNotification(from: ServerId, notification: Extract<PeerMessage, { kind: "notification" }>): void {
    if (this.#role === "looking") {
      if (!this.#quorum.isVoter(from)) {
        // An observer looking for the leader: tell it what we think.
        this.#election.sendCurrentVote(from);
        return;
      }
      const outcome = this.#election.receive(from, notification);
      if (outcome !== undefined) this.#decide(outcome.vote, outcome.round);
      return;
    }
    // A member that is looking learns the established leadership from us.
    const decided = this.#decided;
    if (notification.state === "looking" && decided !== undefined) {
      this.#send(from, {
        kind: "notification",
        ...decided.vote,
        round: decided.round,
        state: this.#peerState(),
      });
    }
  }

  #decide(vote: Vote, round: ElectionRound): void {
    this.#decided = { vote, round };
    this.#election.adoptRound(round);
    this.#generation += 1;
    if (vote.leader === this.#config.id) {
      this.#role = "leading";
      this.#leader = new Leader(this.#context);
    } else {
      const isVoter = this.#quorum.isVoter(this.#config.id);
      this.#role = isVoter ? "following" : "observing";
      this.#learner = new Learner(this.#context, vote.leader, isVoter ? "follower" : "observer");
    }
  }

  #lookForLeader(reason: string): void {
    this.#generation += 1;
    this.#leader = undefined;
    this.#learner = undefined;
    this.#decided = undefined;
    this.#role = "looking";
    this.#enterPhase("election", reason);
    const ownVote: Vote | undefined = this.#quorum.isVoter(this.#config.id)
      ? { leader: this.#config.id, zxid: this.#history.lastLogged, peerEpoch: this.#currentEpoch }
      : undefined;
    this.#election.start(ownVote);
  }

  #peerState(): PeerState {
    return this.#role;
  }

  #enterPhase(phase: Phase, reason: string): void {
    this.#phase = phase;
    const decided = this.#decided;
    const epoch = this.epoch;
    if (phase === "broadcast" && decided !== undefined && epoch !== undefined) {
      // Every member of an established ensemble reports the same vote, with the new epoch, to
      // members that start looking later; otherwise they cannot see a quorum agree and never
      // join (ZOOKEEPER-1732).
      this.#decided = { vote: { ...decided.vote, peerEpoch: epoch }, round: decided.round };
    }
    this.#transitions.push({
      role: this.#role,
      phase,
      leader: this.#role === "looking" ? undefined : this.#decided?.vote.leader,
      epoch: this.epoch,
      reason,
    });
  }

  #send(to: ServerId, message: PeerMessage): void {
    this.#messages.push({ to, message });
  }

  #disconnectPeer(peer: ServerId, reason: string): void {
    this.#disconnect.push({ peer, reason });
  }

  #write(write: StorageWrite, onDurable?: () => void): void {
    const callbacks: (() => void)[] = [];
    if (onDurable !== undefined) {
      const generation = this.#generation;
      callbacks.push(() => {
        if (generation === this.#generation) onDurable();
      });
    }
    // Consecutive appends not yet drained travel as one write: one fsync for the batch.
    const last = this.#pendingWrites.at(-1);
    const lastQueued = this.#writes.at(-1);
    if (
      write.kind === "append" &&
      last !== undefined &&
      lastQueued?.id === last.id &&
      last.write.kind === "append"
    ) {
      (last.write.txns as Txn[]).push(...write.txns);
      last.callbacks.push(...callbacks);
      return;
    }
    const id = this.#nextWriteId;
    this.#nextWriteId += 1;
    const owned: StorageWrite = write.kind === "append" ? { kind: "append", txns: [...write.txns] } : write;
    this.#pendingWrites.push({ id, write: owned, callbacks });
    this.#writes.push({ id, write: owned });
  }

  #afterDurable(action: () => void): void {
    const last = this.#pendingWrites.at(-1);
    if (last === undefined) {
      action();
      return;
    }
    const generation = this.#generation;
    last.callbacks.push(() => {
      if (generation === this.#generation) action();
    });
  }

  #applyCommitted(): void {
    for (const txn of this.#history.takeApplicable()) {
      this.#applied.push({ txn, result: this.#stateMachine.apply(txn) });
      this.#learner?.onApplied(txn.zxid);
    }
  }

  #countDigestCheck(outcome: DigestCheckOutcome): void {
    const { checked, mismatched, skipped } = this.#digestChecks;
    // A fresh object each time: a caller holding the previous one keeps a consistent snapshot.
    switch (outcome.kind) {
      case "matched":
        this.#digestChecks = { checked: checked + 1, mismatched, skipped };
        return;
      case "mismatched":
        this.#digestChecks = { checked: checked + 1, mismatched: mismatched + 1, skipped };
        this.#digestMismatches.push(outcome.mismatch);
        return;
      case "skipped":
        this.#digestChecks = { checked, mismatched, skipped: skipped + 1 };
        return;
      default:
        assertNever(outcome);
    }
  }

  #makeContext(): RoleContext {
    // Arrow functions keep `this` bound to the node; roles see only this narrow surface.
    const node = this;
    return {
      id: this.#config.id,
      config: this.#config,
      quorum: this.#quorum,
      history: this.#history,
      stateMachine: this.#stateMachine,
      get acceptedEpoch() {
        return node.#acceptedEpoch;
      },
      get currentEpoch() {
        return node.#currentEpoch;
      },
      send: (to, message) => this.#send(to, message),
      disconnect: (peer, reason) => this.#disconnectPeer(peer, reason),
      write: (write, onDurable) => this.#write(write, onDurable),
      afterDurable: (action) => this.#afterDurable(action),
      setAcceptedEpoch: (epoch, onDurable) => {
        assert(
          epoch >= this.#acceptedEpoch,
          `acceptedEpoch must not decrease: ${epoch} < ${this.#acceptedEpoch}`,
        );
        this.#acceptedEpoch = epoch;
        this.#write({ kind: "acceptedEpoch", epoch }, onDurable);
      },
      setCurrentEpoch: (epoch, onDurable) => {
        assert(
          epoch <= this.#acceptedEpoch,
          `currentEpoch ${epoch} above acceptedEpoch ${this.#acceptedEpoch}`,
        );
        assert(
          epoch >= this.#currentEpoch,
          `currentEpoch must not decrease: ${epoch} < ${this.#currentEpoch}`,
        );
        this.#currentEpoch = epoch;
        this.#write({ kind: "currentEpoch", epoch }, onDurable);
      },
      applyCommitted: () => this.#applyCommitted(),
      enterPhase: (phase, reason) => this.#enterPhase(phase, reason),
      forwardRequest: (request) => this.#requests.push(request),
      reportTouchedSessions: (sessions) => this.#touchedSessions.push(...sessions),
      takeTouchedSessions: () => {
        const sessions = [...this.#sessionsToReport];
        this.#sessionsToReport.clear();
        return sessions;
      },
      reportDigestCheck: (outcome) => this.#countDigestCheck(outcome),
      lookForLeader: (reason) => this.#lookForLeader(reason),
    };
  }
}
