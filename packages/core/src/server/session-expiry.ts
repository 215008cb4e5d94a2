/**
 * The leader's session expiry tracker (ZooKeeper's SessionTracker): when each session must be
 * heard from again before the leader closes it.
 *
 * @module
 */
import type { SessionId } from "../protocol/ids.js";

/**
 * Deadlines of the sessions the leader is responsible for.
 *
 * @remarks
 * Only an established leader expires sessions. When a member becomes leader it gives every
 * session in the replicated table a full timeout from that moment, so that a leader change never
 * expires a session whose client kept pinging the old leader. Time is passed in, never read.
 * @since 0.1.0
 */
export class SessionExpiry {
  readonly #deadlines = new Map<SessionId, { deadlineMs: number; readonly timeoutMs: number }>();

  /** How many sessions are tracked. */
  get size(): number {
    return this.#deadlines.size;
  }

  /**
   * Tracks exactly these sessions, each with a full timeout from `nowMs`.
   *
   * @param sessions - Every open session, with its timeout.
   * @param nowMs - The current time.
   */
  reset(
    sessions: Iterable<{ readonly sessionId: SessionId; readonly timeoutMs: number }>,
    nowMs: number,
  ): void {
    this.#deadlines.clear();
    for (const { sessionId, timeoutMs } of sessions) this.track(sessionId, timeoutMs, nowMs);
  }

  /**
   * Starts tracking a session (or restarts its clock).
   *
   * @param sessionId - The session.
   * @param timeoutMs - Its negotiated timeout.
   * @param nowMs - The current time.
   */
  track(sessionId: SessionId, timeoutMs: number, nowMs: number): void {
    this.#deadlines.set(sessionId, { deadlineMs: nowMs + timeoutMs, timeoutMs });
  }

  /**
   * Postpones the expiry of sessions whose clients were active.
   *
   * @param sessions - The sessions; unknown ones are ignored (they closed, or are not open yet).
   * @param nowMs - The current time.
   */
  touch(sessions: Iterable<SessionId>, nowMs: number): void {
    for (const sessionId of sessions) {
      const entry = this.#deadlines.get(sessionId);
      if (entry !== undefined) entry.deadlineMs = nowMs + entry.timeoutMs;
    }
  }

  /**
   * Stops tracking a session (it closed).
   *
   * @param sessionId - The session.
   */
  forget(sessionId: SessionId): void {
    this.#deadlines.delete(sessionId);
  }

  /**
   * Takes the sessions whose deadline has passed; each is returned once, and the caller proposes
   * its closing.
   *
   * @param nowMs - The current time.
   * @returns The expired sessions, in id order.
   */
  takeExpired(nowMs: number): SessionId[] {
    const expired: SessionId[] = [];
    for (const [sessionId, entry] of this.#deadlines) {
      if (entry.deadlineMs <= nowMs) expired.push(sessionId);
    }
    for (const sessionId of expired) this.#deadlines.delete(sessionId);
    return expired.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
