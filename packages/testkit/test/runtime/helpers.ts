/**
 * Shared helpers for the runtime tests: waiting on real time for a condition.
 *
 * @module
 */

/**
 * Polls `probe` (which may be async) every few milliseconds until it returns something other than
 * `undefined`.
 *
 * @param probe - The condition; returns a value when it holds.
 * @param timeoutMs - How long to wait before failing the test.
 * @returns The probe's value.
 */
export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
