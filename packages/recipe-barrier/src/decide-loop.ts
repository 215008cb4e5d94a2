/**
 * The loop every wait of this package runs: read the state, decide, act, wait for a watch, and
 * start over; a transient failure also starts over, after a pause.
 *
 * @module
 */
import { isTransient, retryPauseMs } from "./transient-failure.js";
import type { WaitScope } from "./wait-scope.js";

/**
 * What a step returns to run again: it woke up (a watch fired, a write lost a race) and must
 * read the state anew.
 *
 * @internal
 */
export const AGAIN: unique symbol = Symbol("again");

/**
 * Runs `step` until it returns something other than {@link AGAIN}.
 *
 * @remarks
 * Each step gets its own signal, which follows the scope and is released when the step ends: a
 * one-shot watch the step set and no longer needs is abandoned, not kept in the session until
 * it fires. Nothing a step learned is kept across steps: after a wakeup, a spurious one included,
 * the state is read again (the bug of Curator's double barrier, apache/curator#1290, was trusting
 * a wakeup). A transient failure (see {@link isTransient}) pauses on the scope's clock and runs
 * the step again; anything else, or the scope firing, ends the loop.
 * @param scope - The wait's bounds.
 * @param step - One read–decide–act round.
 * @returns What the last step returned.
 * @throws The scope's reason once it fired; any failure that is not transient.
 * @internal
 */
export async function decideLoop<T>(
  scope: WaitScope,
  step: (signal: AbortSignal) => Promise<T | typeof AGAIN>,
): Promise<T> {
  for (let failures = 0; ; ) {
    const { signal, release } = scope.step();
    try {
      const result = await step(signal);
      if (result !== AGAIN) return result;
      failures = 0;
    } catch (error) {
      if (scope.signal.aborted) scope.rethrow(error);
      if (!isTransient(error)) throw error;
      await scope.sleep(retryPauseMs(failures));
      failures += 1;
    } finally {
      release();
    }
  }
}
