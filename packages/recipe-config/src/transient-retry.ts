/**
 * Retrying reads that failed for a reason that says nothing about the data: the connection broke
 * or the call timed out. Reads have no effect, so retrying them is always safe.
 *
 * @module
 */
import { ZabError } from "@zab/core";

/**
 * How many times one read is retried after `ConnectionLoss` or `Timeout` before the error is
 * passed on. Each try waits at most the session's request timeout, and a session that stays
 * disconnected becomes `lost` (the next try then fails with `"SessionExpired"`), so the bound is
 * reached only on a connection that keeps breaking.
 *
 * @internal
 */
export const TRANSIENT_RETRIES_MAX = 64;

/**
 * Whether a call that failed with `error` may or may not have reached the ensemble: the channel
 * broke before the reply, or the caller stopped waiting for it.
 *
 * @internal
 */
export function isTransient(error: unknown): boolean {
  return ZabError.isInstance(error, "ConnectionLoss") || ZabError.isInstance(error, "Timeout");
}

/**
 * Runs a read, retrying it while it fails with a transient error (at most
 * {@link TRANSIENT_RETRIES_MAX} times).
 *
 * @internal
 */
export async function retryTransient<T>(read: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  for (let retry = 0; ; retry += 1) {
    try {
      return await read();
    } catch (error) {
      if (!isTransient(error) || retry >= TRANSIENT_RETRIES_MAX || signal?.aborted === true) throw error;
    }
  }
}
