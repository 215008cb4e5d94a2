/**
 * The clock port: time, timers and randomness for the runtime parts of the client and the member,
 * so that a simulator can run them in virtual time and replay a run from its seed.
 *
 * @module
 */
import { randomBytes } from "node:crypto";

/**
 * A handle {@link Clock.setTimeout} returns, to pass back to {@link Clock.clearTimeout}.
 *
 * @since 0.1.0
 */
export type TimerHandle = unknown;

/**
 * Where the client and the member runtime read the time, arm timers and draw random bytes.
 *
 * @remarks
 * Applications never need one: {@link systemClock} is the default everywhere. A deterministic
 * simulator (as in `@zab/testkit`) passes its own, whose time only moves when the simulation
 * says so and whose randomness comes from the run's seed.
 * @since 0.1.0
 */
export interface Clock {
  /** Monotonic milliseconds since an arbitrary origin. */
  now(): number;
  /** Milliseconds since the Unix epoch, for the times stored in znodes (ctime, mtime). */
  wallTime(): number;
  /**
   * Calls `callback` once, `delayMs` from now.
   *
   * @param callback - What to run.
   * @param delayMs - How long to wait.
   * @returns A handle for {@link Clock.clearTimeout}.
   */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /**
   * Cancels a timer that has not fired; does nothing for one that has, or for `undefined`.
   *
   * @param handle - What {@link Clock.setTimeout} returned.
   */
  clearTimeout(handle: TimerHandle): void;
  /**
   * Random bytes. They must be unpredictable in production: session passwords come from them.
   *
   * @param length - How many.
   * @returns New bytes.
   */
  randomBytes(length: number): Uint8Array;
}

/**
 * The real clock: `performance.now()`, `Date.now()`, Node's timers and `crypto.randomBytes`.
 *
 * @since 0.1.0
 */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  wallTime: () => Date.now(),
  setTimeout: (callback: () => void, delayMs: number): TimerHandle => setTimeout(callback, delayMs),
  clearTimeout: (handle: TimerHandle) => clearTimeout(handle as ReturnType<typeof setTimeout> | undefined),
  randomBytes: (length: number) => new Uint8Array(randomBytes(length)),
});
