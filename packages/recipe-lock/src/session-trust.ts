/**
 * How far a session can be trusted to still own its ephemeral nodes, followed as its connection
 * state changes, with the held leases told the moment that trust ends.
 *
 * One monitor per session, shared by every recipe on it, so a session with many locks iterates
 * its state changes once.
 *
 * @module
 */
import { type ConnectionState, type Coordination, ZabError } from "@zab/core";

/**
 * When a held lock (a lease, a leadership) stops being trusted, and its signal fires.
 *
 * - `"suspended"` (the default, Curator's standard policy): as soon as the connection breaks,
 *   before knowing whether the session survives. A holder stops work even when the lock turns out
 *   to have survived (it then releases and acquires again).
 * - `"lost"`: only when the session is lost — the ensemble expired it, or the client's own timer
 *   ran out — or closed. The lock then survives a member crash that the session outlives by
 *   moving to another member. The ensemble expires a session no earlier than the client's timer
 *   runs out (its leader waits past the timeout for what members confirmed but had not reported),
 *   so no other holder is granted before the signal fires; a crashed holder's lock is handed over
 *   that much later.
 *
 * Either way the signal also fires when the session is lost or closed, and when the lease is
 * released. Neither protects against a holder process that is paused: fencing tokens do.
 *
 * @since 0.1.0
 */
export type AbortOn = "suspended" | "lost";

/** Something held through a session, told when it can no longer be trusted. */
export interface TrustDependent {
  /** When it stops being trusted. */
  readonly abortOn: AbortOn;
  /**
   * Called once, synchronously, when trust ends.
   *
   * @param reason - A {@link @zab/core!ZabError}: `"ConnectionLoss"` (suspended), `"SessionExpired"` or `"Closed"`.
   */
  untrusted(reason: ZabError): void;
}

const monitors = new WeakMap<Coordination, SessionTrust>();

/**
 * Follows one session's connection state for the leases held through it.
 */
export class SessionTrust {
  readonly #session: Coordination;
  readonly #dependents = new Set<TrustDependent>();

  private constructor(session: Coordination) {
    this.#session = session;
    void this.#follow();
  }

  /**
   * The monitor of `session`, started on first use.
   *
   * @param session - The session.
   * @returns Its monitor.
   */
  static of(session: Coordination): SessionTrust {
    let monitor = monitors.get(session);
    if (monitor === undefined) {
      monitor = new SessionTrust(session);
      monitors.set(session, monitor);
    }
    return monitor;
  }

  /**
   * Registers a dependent that holds something from now on. If trust is already gone for it (the
   * session is lost, or suspended and it aborts on that), it is told at once.
   *
   * @param dependent - What is held.
   */
  hold(dependent: TrustDependent): void {
    // The session's own state is current; the stream reports changes a microtask later, and a
    // change it reports after this call is handled by #changed.
    const reason = this.#distrust(this.#session.state, dependent);
    if (reason !== undefined) {
      dependent.untrusted(reason);
      return;
    }
    this.#dependents.add(dependent);
  }

  /**
   * Unregisters a dependent (released): it is not told anything after this.
   *
   * @param dependent - What was held.
   */
  drop(dependent: TrustDependent): void {
    this.#dependents.delete(dependent);
  }

  async #follow(): Promise<void> {
    const states = this.#session.states();
    try {
      for await (const state of states) this.#changed(state);
    } catch (error) {
      // The stream fails only when its consumer falls 64 changes behind, which this loop, doing
      // no I/O, cannot; or when the session ends. Either way nothing can be trusted any more.
      this.#changed(this.#session.state === "closed" ? "closed" : "lost", error);
      return;
    }
    // The stream ends after a final state, or at once if the session had already ended.
    this.#changed(this.#session.state);
  }

  #changed(state: ConnectionState, cause?: unknown): void {
    for (const dependent of [...this.#dependents]) {
      const reason = this.#distrust(state, dependent, cause);
      if (reason === undefined) continue;
      this.#dependents.delete(dependent);
      dependent.untrusted(reason);
    }
  }

  /** Why `dependent` cannot trust a session in `state`, or `undefined` when it can. */
  #distrust(state: ConnectionState, dependent: TrustDependent, cause?: unknown): ZabError | undefined {
    const options = cause === undefined ? {} : { cause };
    switch (state) {
      case "lost":
        return new ZabError("SessionExpired", "the session is lost: its ephemeral nodes are gone", options);
      case "closed":
        return new ZabError("Closed", "the session was closed", options);
      case "suspended":
        return dependent.abortOn === "suspended"
          ? new ZabError("ConnectionLoss", "the connection broke: the session may have expired", options)
          : undefined;
      case "connecting":
      case "connected":
      case "reconnected":
        return undefined;
    }
  }
}
