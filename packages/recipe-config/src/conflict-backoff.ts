/**
 * The pause between two attempts of a write that another writer overtook: random and growing,
 * so that writers contending for one store spread out instead of colliding again at once.
 *
 * @module
 */
import type { Clock } from "@zab/core";
import { abortedError } from "./aborted-error.js";

/** The longest pause after the first conflict, in milliseconds; it doubles with each attempt. */
const CONFLICT_BACKOFF_MS_MIN = 2;
/** The longest pause, in milliseconds, however many attempts conflicted. */
const CONFLICT_BACKOFF_MS_MAX = 100;

/**
 * The pause after `attempt` conflicting attempts: uniform in [0, min(2 ms · 2^(attempt-1),
 * 100 ms)] ("full jitter"), drawn from two random bytes.
 *
 * @internal
 */
export function conflictBackoffMs(attempt: number, random: Uint8Array): number {
  if (!Number.isSafeInteger(attempt) || attempt < 1) throw new RangeError(`bad attempt ${attempt}`);
  const ceiling = Math.min(CONFLICT_BACKOFF_MS_MIN * 2 ** Math.min(attempt - 1, 16), CONFLICT_BACKOFF_MS_MAX);
  const fraction = ((random[0] ?? 0) * 256 + (random[1] ?? 0)) / 65_536;
  return Math.floor(fraction * (ceiling + 1));
}

/**
 * Waits the pause after `attempt` conflicting attempts, on `clock`.
 *
 * @throws {@link @zab/core!ZabError} with code `"Aborted"` when `signal` fires meanwhile.
 * @internal
 */
export function conflictBackoff(
  clock: Clock,
  attempt: number,
  signal: AbortSignal | undefined,
  path: string,
): Promise<void> {
  const delayMs = conflictBackoffMs(attempt, clock.randomBytes(2));
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortedError(signal, "the write", path));
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(abortedError(signal as AbortSignal, "the write", path));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
