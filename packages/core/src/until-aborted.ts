/**
 * Waiting for a promise with an AbortSignal.
 *
 * @module
 */

/**
 * Settles like `promise`, or rejects when `signal` fires first. `promise` itself keeps running:
 * only the wait ends, and the listener on `signal` is removed either way.
 *
 * @example
 * ```ts
 * const answer = await untilAborted(fetchSomething(), AbortSignal.timeout(1_000));
 * ```
 * @param promise - What to wait for.
 * @param signal - Gives up the wait; none waits for `promise` alone.
 * @param toError - What to reject with once `signal` fires. Default: the signal's reason.
 * @typeParam T - What `promise` resolves with.
 * @returns What `promise` resolved with.
 * @since 0.1.0
 */
export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  toError: (signal: AbortSignal) => unknown = (fired) => fired.reason,
): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(toError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(toError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
