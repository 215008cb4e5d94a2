/**
 * What a role (leader or learner) may use of the member that plays it.
 *
 * @module
 */
import type { ResolvedZabConfig } from "./config.js";
import type { DigestCheckOutcome } from "./digest-check.js";
import type { History } from "./history.js";
import type { Epoch, ServerId, SessionId } from "./ids.js";
import type { PeerMessage } from "./messages.js";
import type { MajorityQuorum } from "./quorum.js";
import type { ForwardedRequest, Phase, StorageWrite } from "./ready.js";
import type { StateMachine } from "./state-machine.js";

/**
 * The member-side services a role drives. Implemented by {@link ZabNode}; roles never see
 * storage or transport, only these effects.
 *
 * @internal
 */
export interface RoleContext {
  readonly id: ServerId;
  readonly config: ResolvedZabConfig;
  readonly quorum: MajorityQuorum;
  readonly history: History;
  readonly stateMachine: StateMachine<unknown>;
  readonly acceptedEpoch: Epoch;
  readonly currentEpoch: Epoch;
  /** Queues a message to one peer. */
  send(to: ServerId, message: PeerMessage): void;
  /** Asks the runtime to close the channel to a peer, saying why. */
  disconnect(peer: ServerId, reason: string): void;
  /**
   * Queues a durable write. `onDurable` runs once it (and every write before it) is durable,
   * unless this member has changed role since: an effect of an abandoned role never fires.
   */
  write(write: StorageWrite, onDurable?: () => void): void;
  /** Runs `action` once every write queued so far is durable (at once when none is pending). */
  afterDurable(action: () => void): void;
  /** Raises the accepted epoch (persisted through {@link RoleContext.write}). */
  setAcceptedEpoch(epoch: Epoch, onDurable: () => void): void;
  /** Raises the current epoch (persisted through {@link RoleContext.write}). */
  setCurrentEpoch(epoch: Epoch, onDurable: () => void): void;
  /** Applies what is committed and durable to the state machine. */
  applyCommitted(): void;
  /** Reports entering a phase of the current role. */
  enterPhase(phase: Phase, reason: string): void;
  /** Hands a forwarded client write to the runtime. */
  forwardRequest(request: ForwardedRequest): void;
  /** Hands sessions a learner reported active to the runtime (leader side). */
  reportTouchedSessions(sessions: readonly SessionId[]): void;
  /** Takes the sessions touched on this member since the last report (learner side). */
  takeTouchedSessions(): SessionId[];
  /** Counts a comparison of this member's digest with its leader's, and reports a mismatch. */
  reportDigestCheck(outcome: DigestCheckOutcome): void;
  /** Abandons the current role and starts a new election. */
  lookForLeader(reason: string): void;
}
