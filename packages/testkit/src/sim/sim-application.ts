/**
 * What runs on top of each simulated member's ZAB node: a state machine fed in zxid order, the
 * runtime's hooks, and the client channels that reach the member.
 *
 * @module
 */
import type { ClientChannel, Clock, ServerId, StateMachine, ZabRuntimeView, ZabServerHooks } from "@zab/core";

/**
 * What the simulation offers an application running on one member, as a `ZabServer` does: the
 * node's status, submitting commands, reporting client activity; and the member's id and clock.
 *
 * @since 0.1.0
 */
export interface SimApplicationHost extends ZabRuntimeView {
  /** The member the application runs on. */
  readonly id: ServerId;
  /** Virtual time; its timers die with the member's incarnation. */
  readonly clock: Clock;
  /** Virtual ms per protocol tick. */
  readonly tickMs: number;
  /** The members' sync limit, in ticks. */
  readonly syncLimitTicks: number;
}

/**
 * An application on one member of a simulation (the session layer of the Coordination API, for
 * instance). It lives for one incarnation of the member: a crash discards it, a restart builds a
 * new one, which recovers through its state machine.
 *
 * @since 0.1.0
 */
export interface SimApplication {
  /**
   * Applied to every committed transaction, after the simulation's own digest machine, with the
   * same snapshots and restores. What it returns reaches {@link SimApplication.hooks}.
   */
  readonly stateMachine: StateMachine<unknown>;
  /** Called as a `ZabServer` calls them, in the same order relative to one another. */
  readonly hooks: ZabServerHooks<unknown>;
  /** Called on every tick of the member's clock, after the node's. */
  tick(): void;
  /**
   * Serves a client channel that reached the member.
   *
   * @param channel - The member's end.
   */
  accept(channel: ClientChannel): void;
}

/**
 * Builds the application of one member incarnation.
 *
 * @since 0.1.0
 */
export type SimApplicationFactory = (host: SimApplicationHost) => SimApplication;
