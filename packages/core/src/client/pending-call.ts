/**
 * A request on its way to a member, and the caller waiting for it with a deadline and a signal.
 *
 * @module
 */
import { assert } from "../assert.js";
import { ZabError } from "../errors.js";
import type { Clock, TimerHandle } from "../ports/clock.js";
import type { ClientOp, ClientReply } from "../protocol/client-messages.js";
import { abortedError } from "./aborted-error.js";

/**
 * An operation to send, told its fate exactly once by the connection that sent it.
 *
 * @since 0.1.0
 * @internal
 */
export interface Request {
  /** The operation. */
  readonly op: ClientOp;
  /**
   * The member's reply, already checked to answer this operation. Called synchronously as the
   * reply is dispatched, before any later frame: a watch the reply sets is registered in time
   * for the watch's event.
   */
  answered(reply: ClientReply): void;
  /** No reply will come: the request could not be sent, or the channel broke. */
  failed(error: ZabError): void;
}

/**
 * A request whose outcome nobody waits for, such as a ping: any reply proves the channel alive,
 * and a lost request is the channel's loss, which its owner hears about anyway.
 *
 * @param op - The operation.
 * @returns The request.
 * @since 0.1.0
 * @internal
 */
export function ignoredRequest(op: ClientOp): Request {
  return { op, answered: () => {}, failed: () => {} };
}

/**
 * Settings of a {@link PendingCall}.
 *
 * @since 0.1.0
 * @internal
 */
export interface PendingCallOptions {
  /** Arms the deadline. */
  readonly clock: Clock;
  /** Gives up on the call with `"Aborted"`. */
  readonly signal: AbortSignal | undefined;
  /** Gives up on the call with `"Timeout"` after this many milliseconds. */
  readonly timeoutMs: number;
  /** Told when the caller gave up (abort or timeout) before any reply or failure. */
  readonly abandoned: (call: Request) => void;
}

/**
 * A caller's request: a promise settled once, by the reply, a failure, the deadline or the
 * signal, whichever comes first.
 *
 * @remarks
 * A reply that comes after the caller gave up is still consumed by the connection (replies are
 * matched in order), and then ignored here, so giving up never disturbs the order of replies.
 * @typeParam T - What the caller gets from the reply.
 * @since 0.1.0
 * @internal
 */
export class PendingCall<T> implements Request {
  readonly op: ClientOp;
  /** Settles with the interpreted reply or the first failure. */
  readonly promise: Promise<T>;
  readonly #interpret: (reply: ClientReply) => T;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort: () => void;
  #resolve!: (value: T) => void;
  #reject!: (error: ZabError) => void;
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;
  #settled = false;

  /**
   * @param op - The operation.
   * @param interpret - Turns the reply into the caller's result, or throws the caller's
   *   {@link ZabError}; runs synchronously when the reply arrives.
   * @param options - Signal, deadline and the abandonment callback.
   */
  constructor(op: ClientOp, interpret: (reply: ClientReply) => T, options: PendingCallOptions) {
    assert(options.timeoutMs > 0, "a call's timeout is positive");
    this.op = op;
    this.#interpret = interpret;
    this.#signal = options.signal;
    this.#clock = options.clock;
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const giveUp = (error: ZabError) => {
      if (this.#settle()) {
        this.#reject(error);
        options.abandoned(this);
      }
    };
    const path = "path" in op ? op.path : undefined;
    const what = path === undefined ? op.op : `${op.op} ${path}`;
    const signal = options.signal;
    this.#onAbort = () => {
      if (signal !== undefined) giveUp(abortedError(signal, what, path));
    };
    if (signal?.aborted) {
      this.#onAbort();
      return;
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#timer = this.#clock.setTimeout(
      () =>
        giveUp(
          new ZabError(
            "Timeout",
            `${what} got no reply within ${options.timeoutMs} ms`,
            path === undefined ? {} : { path },
          ),
        ),
      options.timeoutMs,
    );
  }

  /** Whether the call is settled: answered, failed or given up. */
  get settled(): boolean {
    return this.#settled;
  }

  answered(reply: ClientReply): void {
    if (this.#settled) return;
    let value: T;
    try {
      value = this.#interpret(reply);
    } catch (error) {
      // Only the caller's ZabErrors are expected here; an AssertionError is a bug and propagates.
      if (!ZabError.isInstance(error)) throw error;
      this.failed(error);
      return;
    }
    this.#settle();
    this.#resolve(value);
  }

  failed(error: ZabError): void {
    if (this.#settle()) this.#reject(error);
  }

  /** Marks the call settled and releases its timer and listener; `false` if it already was. */
  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#clock.clearTimeout(this.#timer);
    this.#signal?.removeEventListener("abort", this.#onAbort);
    return true;
  }
}
