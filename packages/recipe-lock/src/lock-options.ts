/**
 * The options the recipes and their calls share.
 *
 * @module
 */
import type { Clock } from "@zab/core";
import type { AbortOn } from "./session-trust.js";

/**
 * The default of {@link RecipeOptions.abortOn}: `"suspended"`, Curator's standard policy: a
 * holder stops at the first sign of trouble, whatever the ensemble later decides (see
 * {@link AbortOn}).
 *
 * @since 0.1.0
 */
export const ABORT_ON_DEFAULT: AbortOn = "suspended";

/**
 * Settings every recipe of the package takes.
 *
 * @since 0.1.0
 */
export interface RecipeOptions {
  /**
   * When a held lease stops being trusted and its signal fires; see {@link AbortOn}. Default
   * {@link ABORT_ON_DEFAULT} (`"suspended"`).
   */
  readonly abortOn?: AbortOn;
  /**
   * Timers (for `tryAcquire`'s `timeoutMs`) and randomness (for node names). Default `systemClock`;
   * pass the session's clock when it is not the system's, as in a simulation.
   */
  readonly clock?: Clock;
}

/**
 * Options of a blocking acquire.
 *
 * @since 0.1.0
 */
export interface AcquireOptions {
  /**
   * Gives up waiting: the acquire rejects with the signal's reason (a {@link @zab/core!ZabError} reason as
   * is, anything else as `"Aborted"`), and the waiter's node is removed in the background.
   */
  readonly signal?: AbortSignal;
}

/**
 * Options of a `tryAcquire`.
 *
 * @since 0.1.0
 */
export interface TryAcquireOptions extends AcquireOptions {
  /**
   * How long to wait for the lock, in the clock's milliseconds. Default 0: take it only if it is
   * free once our node is in the queue, never wait.
   */
  readonly timeoutMs?: number;
}
