/**
 * Waiting on real time for a condition, for tests over real sockets.
 *
 * @module
 */

/**
 * Polls `probe` every few milliseconds until it returns something other than `undefined`.
 *
 * @param probe - The condition; returns a value when it holds.
 * @param timeoutMs - How long to wait before failing the test.
 * @returns The probe's value.
 */
export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
