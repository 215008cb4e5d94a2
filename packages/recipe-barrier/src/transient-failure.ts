/**
 * Which session failures a recipe rides out by reading the state again, and how long it pauses
 * before it does.
 *
 * @module
 */
import { ZabError } from "@zab/core";

/** The first pause after a transient failure, in milliseconds. */
const RETRY_PAUSE_MS_MIN = 10;
/** The longest pause between two attempts, in milliseconds. */
const RETRY_PAUSE_MS_MAX = 500;

/**
 * Tells whether a session call failed without a definite answer, while the session may still be
 * alive: the channel broke (`"ConnectionLoss"`, a write may or may not have happened), the call
 * ran past the session's request timeout, the member could not serve it (`"Unavailable"`), or
 * too many calls were pending (`"Throttled"`).
 *
 * @remarks
 * Recipes never retry a write blindly after one of these: they read the state again and decide
 * anew (Curator's "re-check after every wakeup"), which also finds out whether the write happened.
 * `"SessionExpired"` and `"Closed"` are final and always propagate.
 * @param error - What a session call threw.
 * @returns Whether reading again and retrying is the answer.
 * @internal
 */
export function isTransient(error: unknown): boolean {
  return (
    ZabError.isInstance(error, "ConnectionLoss") ||
    ZabError.isInstance(error, "Timeout") ||
    ZabError.isInstance(error, "Unavailable") ||
    ZabError.isInstance(error, "Throttled")
  );
}

/**
 * The pause before attempt number `attempt` (0 for the first retry): doubling from 10 ms up to
 * 500 ms. A suspended session already holds calls until it reconnects, so the pause only keeps a
 * member that answers `"Unavailable"` or `"Throttled"` at once from being hammered.
 *
 * @param attempt - How many transient failures in a row came before.
 * @returns Milliseconds to pause.
 * @internal
 */
export function retryPauseMs(attempt: number): number {
  return Math.min(RETRY_PAUSE_MS_MAX, RETRY_PAUSE_MS_MIN * 2 ** Math.min(attempt, 10));
}
