/**
 * A held lock: what every acquire of the package returns.
 *
 * @module
 */
import { type CallOptions, type CheckOp, ZabError } from "@zab/core";
import { abortable } from "./abortable.js";
import type { FencingToken } from "./fencing-token.js";
import type { AbortOn, SessionTrust, TrustDependent } from "./session-trust.js";

/**
 * A held lock, read lock, semaphore lease or leadership: release it with
 * {@link Lease.release} or `await using`.
 *
 * @remarks
 * A lease is held by its participant node, an ephemeral node of the session that acquired it,
 * so it is a *lease* in Kleppmann's sense: it ends when the session does, whether or not its
 * holder is still working. Two things protect the work done under it:
 *
 * - {@link Lease.signal} fires the moment the lease can no longer be trusted — the session is
 *   lost (or, with `abortOn: "suspended"`, the connection broke) — and when it is released. Pass
 *   it to the work, so the holder stops.
 * - {@link Lease.fencingToken} lets the protected resource refuse a holder that did not stop in
 *   time (a process paused past its session timeout cannot see its signal fire).
 * @since 0.1.0
 */
export interface Lease extends AsyncDisposable {
  /** The path of the participant node that holds the lease. */
  readonly path: string;
  /** Strictly greater than the token of every earlier holder of the same lock. */
  readonly fencingToken: FencingToken;
  /**
   * Fires when the lease can no longer be trusted, with a {@link @zab/core!ZabError} reason:
   * `"SessionExpired"` (the session is lost), `"ConnectionLoss"` (suspended, with
   * `abortOn: "suspended"`), `"Closed"` (released, or the session closed).
   */
  readonly signal: AbortSignal;
  /** Whether {@link Lease.release} was called (or the lease was disposed). */
  readonly released: boolean;
  /**
   * A `check` operation to put first in a `multi`: the multi then applies only while this lease's
   * node exists, i.e. while the lease is held. Fencing for data kept in zab itself.
   *
   * @returns The operation.
   */
  fenceOp(): CheckOp;
  /**
   * Releases the lease: deletes its node, so the next waiter gets the lock. Idempotent.
   *
   * @remarks
   * The signal fires at once. The deletion is retried across connection losses until it is done
   * or the session ends (which deletes the node too); `signal` only stops the waiting, not the
   * deletion.
   * @param options - `signal` to stop waiting for the deletion.
   * @throws {@link @zab/core!ZabError} with code `"Aborted"` when `signal` fired first.
   */
  release(options?: CallOptions): Promise<void>;
}

/** The lease implementation the recipes hand out. */
export class HeldLease implements Lease, TrustDependent {
  readonly path: string;
  readonly fencingToken: FencingToken;
  readonly abortOn: AbortOn;
  readonly #controller = new AbortController();
  readonly #trust: SessionTrust;
  readonly #delete: () => Promise<void>;
  readonly #onRelease: ((lease: HeldLease) => void) | undefined;
  #releasing: Promise<void> | undefined;

  /**
   * @param fields - The node, its token, when to stop trusting it, the session's monitor, how to
   *   delete the node, and who to tell on release.
   */
  constructor(fields: {
    readonly path: string;
    readonly fencingToken: FencingToken;
    readonly abortOn: AbortOn;
    readonly trust: SessionTrust;
    readonly delete: () => Promise<void>;
    readonly onRelease?: (lease: HeldLease) => void;
  }) {
    this.path = fields.path;
    this.fencingToken = fields.fencingToken;
    this.abortOn = fields.abortOn;
    this.#trust = fields.trust;
    this.#delete = fields.delete;
    this.#onRelease = fields.onRelease;
    fields.trust.hold(this);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get released(): boolean {
    return this.#releasing !== undefined;
  }

  untrusted(reason: ZabError): void {
    this.#controller.abort(reason);
  }

  fenceOp(): CheckOp {
    // The node's data is never changed, so version 0 holds exactly while the node exists.
    return { op: "check", path: this.path, version: 0 };
  }

  release(options?: CallOptions): Promise<void> {
    if (this.#releasing === undefined) {
      this.#trust.drop(this);
      this.#controller.abort(new ZabError("Closed", "the lease was released", { path: this.path }));
      this.#onRelease?.(this);
      this.#releasing = this.#delete();
    }
    return abortable(this.#releasing, options?.signal, "waiting for the release");
  }

  /** Same as {@link HeldLease.release}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }
}
