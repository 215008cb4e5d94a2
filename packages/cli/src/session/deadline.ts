/**
 * The time limit of a one-shot command (`--timeout-ms`), as an AbortSignal that also fires on the
 * command's stop signal.
 *
 * @module
 */
import { ZabError } from "@zab/core";

/**
 * A signal that fires on `signal`, or with a `"Timeout"` {@link ZabError} once `timeoutMs`
 * passed; dispose it to stop its timer.
 *
 * @since 0.1.0
 * @internal
 */
export interface Deadline extends Disposable {
  /** Fires on the stop signal or at the deadline. */
  readonly signal: AbortSignal;
}

/**
 * Starts a deadline.
 *
 * @param signal - The command's stop signal.
 * @param timeoutMs - The time allowed.
 * @param what - What must finish in time, for the message ("zab get").
 * @returns The deadline.
 * @since 0.1.0
 * @internal
 */
export function startDeadline(signal: AbortSignal, timeoutMs: number, what: string): Deadline {
  const timeout = new AbortController();
  const timer = setTimeout(
    () =>
      timeout.abort(new ZabError("Timeout", `${what} did not finish within ${timeoutMs} ms (--timeout-ms)`)),
    timeoutMs,
  );
  return {
    signal: AbortSignal.any([signal, timeout.signal]),
    [Symbol.dispose]: () => clearTimeout(timer),
  };
}
