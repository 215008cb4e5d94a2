/**
 * The error for work given up because its AbortSignal fired, as `@zab/core` reports it.
 *
 * @module
 */
import { ZabError } from "@zab/core";

/**
 * The `"Aborted"` error for `signal`: its reason when that is already a {@link @zab/core!ZabError}, else a
 * new one with the reason as `cause`.
 *
 * @internal
 */
export function abortedError(signal: AbortSignal, what: string, path: string): ZabError {
  if (ZabError.isInstance(signal.reason)) return signal.reason;
  return new ZabError("Aborted", `${what} was aborted`, { cause: signal.reason, path });
}
