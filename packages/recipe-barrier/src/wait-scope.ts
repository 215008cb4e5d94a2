/**
 * One blocking call's bounds, the caller's signal and its timeout, merged into one signal that
 * every session call of the wait takes.
 *
 * @module
 */
import { type Clock, type TimerHandle, ZabError } from "@zab/core";
import type { WaitOptions } from "./wait-options.js";

/**
 * The bounds of one blocking call, as one `signal`.
 *
 * @remarks
 * Its signal fires with a {@link @zab/core!ZabError} as the reason: `"Timeout"` when `timeoutMs` ran out on
 * the clock, `"Aborted"` (the caller's reason as `cause`) when the caller's signal fired, or the
 * caller's reason itself when it is a `ZabError`. Session calls given this signal reject with that
 * very error (core passes a `ZabError` reason on as it is), so a wait rejects with the same error
 * whatever it was doing when it gave up. Dispose it to release the timer and the listener.
 * @internal
 */
export class WaitScope implements Disposable {
  /** Fires when the wait must give up. */
  readonly signal: AbortSignal;
  readonly #controller = new AbortController();
  readonly #clock: Clock;
  readonly #timer: TimerHandle;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #onCallerAbort: () => void;

  /**
   * @param clock - Where the timeout runs.
   * @param options - The caller's signal and timeout.
   * @param what - The wait, for messages ("enter /jobs/7").
   * @param path - The znode concerned.
   */
  constructor(clock: Clock, options: WaitOptions | undefined, what: string, path: string) {
    this.signal = this.#controller.signal;
    this.#clock = clock;
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
      throw new ZabError("Invalid", `timeoutMs must be a finite number ≥ 0, got ${timeoutMs}`, { path });
    }
    this.#callerSignal = options?.signal;
    this.#onCallerAbort = () => {
      const reason: unknown = this.#callerSignal?.reason;
      this.#controller.abort(
        ZabError.isInstance(reason)
          ? reason
          : new ZabError("Aborted", `${what} was aborted`, { cause: reason, path }),
      );
    };
    if (this.#callerSignal?.aborted) this.#onCallerAbort();
    else this.#callerSignal?.addEventListener("abort", this.#onCallerAbort, { once: true });
    this.#timer =
      timeoutMs === undefined || this.signal.aborted
        ? undefined
        : clock.setTimeout(
            () =>
              this.#controller.abort(
                new ZabError("Timeout", `${what} timed out after ${timeoutMs} ms`, { path }),
              ),
            timeoutMs,
          );
  }

  /** The error the wait gives up with, once {@link WaitScope.signal} fired. */
  get reason(): ZabError {
    return this.signal.reason as ZabError;
  }

  /**
   * Rethrows the scope's reason when it fired, else `error` itself: whatever a session call
   * rejected with after the scope fired (an abandoned watch, an aborted call), the wait reports
   * why it gave up.
   *
   * @param error - What a call threw.
   * @returns Never.
   */
  rethrow(error: unknown): never {
    throw this.signal.aborted ? this.reason : error;
  }

  /**
   * A signal for one step of the wait (a watch it may abandon): fires with the scope, or when
   * the returned `release` is called.
   *
   * @returns The signal and its release.
   */
  step(): { readonly signal: AbortSignal; readonly release: () => void } {
    const step = new AbortController();
    return { signal: AbortSignal.any([this.signal, step.signal]), release: () => step.abort() };
  }

  /**
   * Sleeps on the scope's clock, for a pause between retries.
   *
   * @param ms - How long.
   * @throws The scope's reason when it fires first.
   */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#clock.clearTimeout(timer);
        reject(this.reason);
      };
      const timer = this.#clock.setTimeout(() => {
        this.signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      if (this.signal.aborted) onAbort();
      else this.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Releases the timer and the caller's signal. */
  [Symbol.dispose](): void {
    this.#clock.clearTimeout(this.#timer);
    this.#callerSignal?.removeEventListener("abort", this.#onCallerAbort);
  }
}
