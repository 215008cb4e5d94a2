/**
 * The error a call or stream gives up with when its AbortSignal fires.
 *
 * @module
 */
import { ZabError } from "../errors.js";

/**
 * The error for work given up because `signal` fired.
 *
 * @remarks
 * The client aborts its own work (a connection attempt, a reconnection) with a {@link ZabError}
 * as the reason, which is then passed on as it is; any other reason becomes the `cause` of an
 * `"Aborted"` error.
 * @param signal - The fired signal.
 * @param what - The work, for the message ("getData /a").
 * @param path - The znode concerned, if any.
 * @returns The error to reject or throw with.
 * @since 0.1.0
 * @internal
 */
export function abortedError(signal: AbortSignal, what: string, path?: string): ZabError {
  if (ZabError.isInstance(signal.reason)) return signal.reason;
  return new ZabError("Aborted", `${what} was aborted`, {
    cause: signal.reason,
    ...(path === undefined ? {} : { path }),
  });
}
