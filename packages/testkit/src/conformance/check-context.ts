/**
 * What one conformance check carries while it runs: its deadline, the violations its listeners
 * noticed, and which transport call (if any) is on the stack.
 *
 * Listeners cannot throw into a transport (that would test the transport's error handling, not
 * its contract), so they note what is wrong here, and the check fails at its next wait or at its
 * end with every violation seen.
 *
 * @module
 */
import { AssertionError } from "@zab/core";
import { waitUntil } from "./wait-until.js";

/** How many violations a failure lists; the first few say what is wrong, the rest repeat it. */
const VIOLATIONS_SHOWN_MAX = 10;

/** The state of one running check, shared by its probes. */
export class CheckContext {
  /** How long any one wait lasts, in milliseconds. */
  readonly timeoutMs: number;
  readonly #violations: string[] = [];
  #violationCount = 0;
  #call: string | undefined;

  /** @param timeoutMs - How long any one wait lasts. */
  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  /**
   * Notes a broken promise of the contract; the check fails with it.
   *
   * @param message - What the transport did, naming members and frames.
   */
  violation(message: string): void {
    this.#violationCount += 1;
    if (this.#violations.length < VIOLATIONS_SHOWN_MAX) this.#violations.push(message);
  }

  /**
   * Throws an {@link AssertionError} listing the violations noted so far, if any.
   *
   * @param then - How the check failed afterwards, if it did: said after the violations, which
   *   usually explain it (a wait that timed out because a frame was misdelivered).
   */
  throwIfViolated(then?: unknown): void {
    if (this.#violationCount === 0) return;
    const more = this.#violationCount - this.#violations.length;
    const failure = then instanceof Error ? then.message : then === undefined ? undefined : String(then);
    throw new AssertionError(
      [
        "transport contract violated:",
        ...this.#violations.map((message) => `- ${message}`),
        ...(more > 0 ? [`- and ${more} more`] : []),
        ...(failure === undefined || failure.startsWith("transport contract violated:")
          ? []
          : [`then: ${failure}`]),
      ].join("\n"),
    );
  }

  /** The transport call on the stack, if a listener is being called from inside one. */
  get call(): string | undefined {
    return this.#call;
  }

  /**
   * Makes a synchronous call into a transport, so that a listener called from inside it is
   * noticed (delivery must never happen inside `send`, `disconnect`, `close`, ...).
   *
   * @param what - The call, for the violation: "member 1's send".
   * @param call - The call.
   * @returns What the call returns.
   */
  calling<T>(what: string, call: () => T): T {
    const previous = this.#call;
    this.#call = what;
    try {
      return call();
    } finally {
      this.#call = previous;
    }
  }

  /**
   * Waits until `probe` returns a value, failing early on any violation.
   *
   * @param what - What is awaited, for the error when it does not happen.
   * @param probe - The condition.
   * @returns The probe's value.
   */
  until<T>(what: string | (() => string), probe: () => T | undefined): Promise<T> {
    return waitUntil(
      () => {
        this.throwIfViolated();
        return probe();
      },
      { timeoutMs: this.timeoutMs, what },
    );
  }

  /**
   * Waits for a promise the harness returned, failing if it does not settle in time.
   *
   * @param what - What the promise stands for, for the error.
   * @param promise - The harness's promise.
   * @returns Its value.
   */
  async settled<T>(what: string, promise: PromiseLike<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out after ${this.timeoutMs} ms waiting for ${what}`)),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([promise, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}
