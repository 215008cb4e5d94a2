/**
 * Fast leader election (ZooKeeper's `FastLeaderElection`), as a pure state machine.
 *
 * While a member is looking it exchanges notifications carrying its vote and election round.
 * It adopts any better vote (higher peer epoch, then zxid, then id), rebroadcasts, and decides
 * once a quorum of voters agrees with its vote and a short finalize wait brings nothing better.
 * A member that restarts into an established ensemble decides without a new election, from the
 * answers of members already following or leading (the "out of election" votes).
 *
 * @module
 */
import type { ResolvedZabConfig } from "./config.js";
import type { ElectionRound, Epoch, ServerId } from "./ids.js";
import type { Notification, PeerState } from "./messages.js";
import type { MajorityQuorum } from "./quorum.js";
import { isBetterVote, isSameVote, type Vote } from "./vote.js";
import { ZXID_ZERO } from "./zxid.js";

/**
 * The leader an election settled on.
 *
 * @internal
 */
export interface ElectionOutcome {
  /** The vote that won. */
  readonly vote: Vote;
  /** The round it was decided in. */
  readonly round: ElectionRound;
}

interface ReceivedVote {
  readonly vote: Vote;
  readonly round: ElectionRound;
  readonly state: PeerState;
}

/**
 * One member's side of fast leader election.
 *
 * @remarks
 * Drive it with {@link FastLeaderElection.start} when the member starts looking, then
 * {@link FastLeaderElection.receive} for every notification and {@link FastLeaderElection.tick}
 * for time. Both return the outcome once the election is decided. Notifications go out through the
 * `send` function given at construction.
 * @internal
 */
export class FastLeaderElection {
  #round: ElectionRound = 0n as ElectionRound;
  #proposal: Vote | undefined;
  #ownVote: Vote | undefined;
  readonly #received = new Map<ServerId, ReceivedVote>();
  readonly #outOfElection = new Map<ServerId, ReceivedVote>();
  #finalizeTicksLeft: number | undefined;
  #resendInterval = 1;
  #resendTicksLeft = 1;

  /**
   * @param id - This member.
   * @param quorum - The voters.
   * @param config - Tick settings (finalize wait, notification backoff).
   * @param send - Sends a notification to one member.
   */
  constructor(
    private readonly id: ServerId,
    private readonly quorum: MajorityQuorum,
    private readonly config: ResolvedZabConfig,
    private readonly send: (to: ServerId, notification: Notification) => void,
  ) {}

  /** The current election round (ZooKeeper's logical clock). */
  get round(): ElectionRound {
    return this.#round;
  }

  /** The vote this member currently proposes, if it has one (an observer starts with none). */
  get proposal(): Vote | undefined {
    return this.#proposal;
  }

  /**
   * Starts a new round.
   *
   * @param ownVote - This member's own candidacy (itself, its last logged zxid and current epoch),
   * or `undefined` for an observer, which never proposes itself.
   */
  start(ownVote: Vote | undefined): void {
    this.#round = (this.#round + 1n) as ElectionRound;
    this.#ownVote = ownVote;
    this.#received.clear();
    this.#outOfElection.clear();
    this.#finalizeTicksLeft = undefined;
    this.#resendInterval = this.config.notificationTicksMin;
    this.#resendTicksLeft = this.#resendInterval;
    this.#setProposal(ownVote);
    this.#broadcast();
    // A lone voter is its own quorum: no notification will ever come to tell it so, so it decides
    // for itself when the finalize wait ends (with more voters, one vote is never a quorum).
    if (this.#quorumAgreesWithProposal()) this.#finalizeTicksLeft = this.config.finalizeWaitTicks;
  }

  /**
   * Restores the round after a decision reached outside this instance's own round, so that the
   * next {@link FastLeaderElection.start} continues from it.
   *
   * @param round - The round of the decided vote.
   */
  adoptRound(round: ElectionRound): void {
    if (round > this.#round) this.#round = round;
  }

  /**
   * Sends this member's current looking notification to one member: to a member in an older
   * round, or to a non-voter that asked.
   *
   * @param to - The recipient.
   */
  sendCurrentVote(to: ServerId): void {
    const vote = this.#proposal ??
      this.#ownVote ?? { leader: this.id, zxid: ZXID_ZERO, peerEpoch: 0 as Epoch };
    this.send(to, { kind: "notification", ...vote, round: this.#round, state: "looking" });
  }

  /**
   * Handles a notification received while looking.
   *
   * @param from - The sender.
   * @param notification - Its vote, round and state.
   * @returns The outcome when this notification decides the election.
   */
  receive(from: ServerId, notification: Notification): ElectionOutcome | undefined {
    const vote: Vote = {
      leader: notification.leader,
      zxid: notification.zxid,
      peerEpoch: notification.peerEpoch,
    };
    // A vote for a member that cannot lead carries no information.
    if (!this.quorum.isVoter(notification.leader)) return undefined;
    switch (notification.state) {
      case "looking":
        return this.#receiveLooking(from, vote, notification.round);
      case "following":
      case "leading":
        return this.#receiveDecided(from, { vote, round: notification.round, state: notification.state });
      case "observing":
        return undefined;
    }
  }

  /**
   * Advances time by one tick: finishes a finalize wait and resends notifications with
   * exponential backoff.
   *
   * @returns The outcome when the finalize wait ends with the quorum still in agreement.
   */
  tick(): ElectionOutcome | undefined {
    this.#resendTicksLeft -= 1;
    if (this.#resendTicksLeft <= 0) {
      this.#broadcast();
      this.#resendInterval = Math.min(this.#resendInterval * 2, this.config.notificationTicksMax);
      this.#resendTicksLeft = this.#resendInterval;
    }
    if (this.#finalizeTicksLeft === undefined) return undefined;
    this.#finalizeTicksLeft -= 1;
    if (this.#finalizeTicksLeft > 0) return undefined;
    this.#finalizeTicksLeft = undefined;
    return this.#decideIfAgreed();
  }

  #receiveLooking(from: ServerId, vote: Vote, round: ElectionRound): ElectionOutcome | undefined {
    if (round < this.#round) {
      // The sender is behind: show it the current round so it catches up.
      this.sendCurrentVote(from);
      return undefined;
    }
    if (round > this.#round) {
      this.#round = round;
      this.#received.clear();
      this.#finalizeTicksLeft = undefined;
      const own = this.#ownVote;
      this.#setProposal(own === undefined || isBetterVote(vote, own) ? vote : own);
      this.#broadcast();
    } else if (this.#proposal === undefined || isBetterVote(vote, this.#proposal)) {
      this.#setProposal(vote);
      this.#broadcast();
    }
    this.#received.set(from, { vote, round, state: "looking" });
    if (!this.#quorumAgreesWithProposal()) {
      this.#finalizeTicksLeft = undefined;
      return undefined;
    }
    if (this.config.finalizeWaitTicks === 0) return this.#decideIfAgreed();
    // A quorum agrees; wait briefly for a better vote before deciding (ZooKeeper's finalizeWait).
    this.#finalizeTicksLeft ??= this.config.finalizeWaitTicks;
    return undefined;
  }

  #receiveDecided(from: ServerId, received: ReceivedVote): ElectionOutcome | undefined {
    if (received.round === this.#round) {
      this.#received.set(from, received);
      if (this.#agrees(this.#received, received) && this.#leaderConfirms(this.#received, received)) {
        return { vote: received.vote, round: received.round };
      }
    }
    // Joining an established ensemble: a quorum follows the same leader, and that leader says it
    // leads. This map also keeps votes of the current round (ZOOKEEPER-1732).
    this.#outOfElection.set(from, received);
    if (this.#agrees(this.#outOfElection, received) && this.#leaderConfirms(this.#outOfElection, received)) {
      this.adoptRound(received.round);
      return { vote: received.vote, round: received.round };
    }
    return undefined;
  }

  #decideIfAgreed(): ElectionOutcome | undefined {
    const proposal = this.#proposal;
    if (proposal === undefined || !this.#quorumAgreesWithProposal()) return undefined;
    return { vote: proposal, round: this.#round };
  }

  #quorumAgreesWithProposal(): boolean {
    const proposal = this.#proposal;
    if (proposal === undefined) return false;
    return this.#agrees(this.#received, { vote: proposal, round: this.#round, state: "looking" });
  }

  /** ZooKeeper's termPredicate with `Vote.equals`: full match when either side is looking. */
  #agrees(votes: ReadonlyMap<ServerId, ReceivedVote>, target: ReceivedVote): boolean {
    const agreeing: ServerId[] = [];
    for (const [member, entry] of votes) {
      const matches =
        entry.state === "looking" || target.state === "looking"
          ? isSameVote(entry.vote, target.vote) && entry.round === target.round
          : entry.vote.leader === target.vote.leader && entry.vote.peerEpoch === target.vote.peerEpoch;
      if (matches) agreeing.push(member);
    }
    return this.quorum.containsQuorum(agreeing);
  }

  /** ZooKeeper's checkLeader: the named leader must itself say it leads (or be us, this round). */
  #leaderConfirms(votes: ReadonlyMap<ServerId, ReceivedVote>, target: ReceivedVote): boolean {
    const leader = target.vote.leader;
    if (leader === this.id) return this.#round === target.round;
    return votes.get(leader)?.state === "leading";
  }

  #setProposal(vote: Vote | undefined): void {
    this.#proposal = vote;
    if (vote !== undefined && this.quorum.isVoter(this.id)) {
      this.#received.set(this.id, { vote, round: this.#round, state: "looking" });
    }
  }

  #broadcast(): void {
    for (const voter of this.quorum.voters) if (voter !== this.id) this.sendCurrentVote(voter);
  }
}
