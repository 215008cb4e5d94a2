/**
 * Waiting on real time for something another part of the program makes true: a frame arriving,
 * a channel reported closed, a leader elected.
 *
 * Tests of real transports and runtimes cannot step virtual time, and sleeping for a fixed while
 * makes a test assert speed (it fails on a slow machine and waits for nothing on a fast one).
 * Polling a condition with a generous deadline asserts only that the thing happens.
 *
 * @module
 */

/**
 * Settings of {@link waitUntil}.
 *
 * @since 0.1.0
 */
export interface WaitUntilOptions {
  /** How long to wait before giving up, in milliseconds. Default 10,000. */
  readonly timeoutMs?: number;
  /**
   * What is awaited, for the error when it does not happen: "member 2 to receive 10000 frames".
   * A function is called only then, so it can report progress ("got 9998").
   */
  readonly what?: string | (() => string);
}

/** How often the condition is polled: often enough not to slow a test, rarely enough to be idle. */
const POLL_INTERVAL_MS = 5;

/**
 * Polls `probe` until it returns something other than `undefined`, and returns that.
 *
 * @remarks
 * The probe runs at once, then every few milliseconds on a timer, so whatever it waits for gets
 * whole turns of the event loop (I/O included) in between. A probe that throws fails the wait
 * with its error at once: a check can stop waiting as soon as it sees a violation.
 * @param probe - The condition, returning a value when it holds (it may be async).
 * @param options - The deadline, and what is awaited for the error.
 * @returns The probe's first value other than `undefined`.
 * @throws `Error` naming `what` when the deadline passes first; whatever `probe` throws.
 * @example
 * ```ts
 * import { waitUntil } from "@zab/testkit";
 *
 * const received: Uint8Array[] = [];
 * await waitUntil(() => (received.length >= 3 ? true : undefined), {
 *   timeoutMs: 5_000,
 *   what: () => `three frames (got ${received.length})`,
 * });
 * ```
 * @since 0.1.0
 */
export async function waitUntil<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  options: WaitUntilOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = performance.now() + timeoutMs;
  // Terminates: every turn either returns, throws, or moves closer to the deadline by a timer wait.
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) {
      const what = typeof options.what === "function" ? options.what() : options.what;
      throw new Error(
        what === undefined
          ? `condition not met in time (waited ${timeoutMs} ms)`
          : `timed out after ${timeoutMs} ms waiting for ${what}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
