/**
 * Polling with a deadline, for conditions the contract promises will come true.
 *
 * @module
 */

/**
 * Waits until `condition` returns true, polling every 10 ms.
 *
 * @param what - What is awaited, for the error.
 * @param condition - The condition.
 * @param timeoutMs - The deadline. Default 10,000.
 * @throws Error naming `what` when the deadline passes.
 */
export async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
