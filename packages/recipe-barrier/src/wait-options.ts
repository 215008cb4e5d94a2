/**
 * The options every blocking call of this package takes, and the options every recipe takes.
 *
 * @module
 */
import type { Clock } from "@zab/core";

/**
 * Options of a call that may block: a barrier's wait, a double barrier's enter and leave, a
 * latch's await.
 *
 * @remarks
 * Either bound gives up on the wait; the call then rejects and removes what it created (its
 * participant node), so an abandoned wait never counts for, nor blocks, anybody else.
 * @since 0.1.0
 */
export interface WaitOptions {
  /** Gives up on the wait: the call rejects with the signal's reason (`"Aborted"`, or the reason if it is a `ZabError`). */
  readonly signal?: AbortSignal;
  /**
   * Gives up on the wait after this many milliseconds of the recipe's clock: the call rejects
   * with `"Timeout"`. Default: no limit.
   */
  readonly timeoutMs?: number;
}

/**
 * Options every recipe of this package takes.
 *
 * @since 0.1.0
 */
export interface RecipeOptions {
  /**
   * Where the recipe takes time (timeouts, pauses between retries) and randomness (the GUIDs of
   * protected nodes). Default `systemClock`; a simulation passes its virtual clock, the same one
   * its sessions use.
   */
  readonly clock?: Clock;
}
