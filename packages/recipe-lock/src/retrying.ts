/**
 * Calls through a session that may break under them: which failures leave the outcome unknown,
 * and a retry loop for calls that are safe to repeat (reads, deletes of our own nodes).
 *
 * @module
 */
import { ZabError } from "@zab/core";
import { abortReason } from "./abortable.js";

/**
 * Whether a call failed without a definite answer: the channel broke (`"ConnectionLoss"`) or no
 * reply came in time (`"Timeout"`). A write may or may not have happened; the session may still
 * be alive (if it is not, the next call says `"SessionExpired"`).
 *
 * @param error - What the call rejected with.
 * @returns `true` for an unknown outcome.
 */
export function isIndeterminate(error: unknown): boolean {
  return ZabError.isInstance(error, "ConnectionLoss") || ZabError.isInstance(error, "Timeout");
}

/**
 * Runs `call` until it gives a definite answer: an unknown outcome is retried (a call made while
 * the session is suspended waits for the reconnection), anything else is returned or thrown.
 *
 * @remarks
 * Terminates: a session that cannot reconnect is lost within its timeout, and every call then
 * fails with `"SessionExpired"`; a session that is closed fails every call with `"Closed"`; an
 * aborted `signal` fails every call with `"Aborted"`.
 * @param call - A call safe to repeat.
 * @param signal - Gives up between attempts too.
 * @returns What `call` returned.
 */
export async function retrying<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (;;) {
    if (signal?.aborted === true) throw abortReason(signal, "the call");
    try {
      return await call();
    } catch (error) {
      if (!isIndeterminate(error)) throw error;
    }
  }
}

/**
 * Whether a failure means the session, and with it every ephemeral node it owned, is gone.
 *
 * @param error - What a call rejected with.
 * @returns `true` for `"SessionExpired"` or `"Closed"`.
 */
export function isSessionEnded(error: unknown): boolean {
  return ZabError.isInstance(error, "SessionExpired") || ZabError.isInstance(error, "Closed");
}
