/**
 * Waiting with an AbortSignal, and deadlines in the clock's time (virtual in a simulation).
 *
 * @module
 */
import { type Clock, untilAborted, ZabError } from "@zab/core";

/**
 * The error a wait rejects with when its signal fires: the signal's reason when it is a
 * {@link @zab/core!ZabError}, else an `"Aborted"` one that carries the reason as `cause`.
 *
 * @param signal - The aborted signal.
 * @param what - What was given up, for the message.
 * @returns The error.
 */
export function abortReason(signal: AbortSignal, what: string): unknown {
  const reason: unknown = signal.reason;
  if (ZabError.isInstance(reason)) return reason;
  return new ZabError("Aborted", `${what} was aborted`, { cause: reason });
}

/**
 * Settles like `promise`, or rejects when `signal` fires first. `promise` keeps running.
 *
 * @param promise - What to wait for.
 * @param signal - Gives up waiting.
 * @param what - What is waited for, for the message.
 * @returns What `promise` resolved with.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  return untilAborted(promise, signal, (fired) => abortReason(fired, what));
}

/**
 * A signal that fires when any of `signals` fires, or with `"Timeout"` after `timeoutMs` of the
 * clock's time when one is given; dispose it to cancel the timer and unhook the listeners (so a
 * long-lived signal, such as a recipe's own, does not collect one listener per call).
 *
 * @param options - The signals to follow, and an optional deadline.
 * @returns The linked signal, disposable.
 */
export function linkedSignal(options: {
  readonly signals: readonly (AbortSignal | undefined)[];
  readonly deadline?: { readonly clock: Clock; readonly timeoutMs: number };
}): { readonly signal: AbortSignal } & Disposable {
  const controller = new AbortController();
  const hooks: (() => void)[] = [];
  for (const signal of options.signals) {
    if (signal === undefined) continue;
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    hooks.push(() => signal.removeEventListener("abort", onAbort));
  }
  const { deadline } = options;
  if (deadline !== undefined && !controller.signal.aborted) {
    const timer = deadline.clock.setTimeout(
      () => controller.abort(new ZabError("Timeout", `not acquired within ${deadline.timeoutMs} ms`)),
      deadline.timeoutMs,
    );
    hooks.push(() => deadline.clock.clearTimeout(timer));
  }
  return {
    signal: controller.signal,
    [Symbol.dispose]: () => {
      for (const unhook of hooks) unhook();
    },
  };
}
