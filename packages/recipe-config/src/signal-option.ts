/**
 * Passing an optional signal on to the session's calls, whose options leave `signal` out rather
 * than accept `undefined`.
 *
 * @module
 */
import type { CallOptions } from "@zab/core";

/**
 * `{ signal }`, or `{}` when there is none.
 *
 * @internal
 */
export function signalOption(signal: AbortSignal | undefined): CallOptions {
  return signal === undefined ? {} : { signal };
}
