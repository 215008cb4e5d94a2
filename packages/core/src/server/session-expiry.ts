/**
 * The leader's session expiry tracker (ZooKeeper's SessionTracker): when each session must be
 * heard from again before the leader closes it.
 *
 * @module
 */
import type { SessionId } from "../protocol/ids.js";

/**
 * How long past a session's timeout the leader waits before expiring it, given how long a member
 * may go on answering its clients without the leader hearing of it.
 *
 * @remarks
 * A client counts its session alive for a timeout from the last answer it had (its `lost`
 * timer). The leader counts from the last activity a member reported to it. The two differ by
 * what a member confirmed but never reported:
 * - a member silently cut off from its leader keeps answering until its sync limit tells it the
 *   leader is gone (`syncLimitTicks` ticks), and reports nothing meanwhile;
 * - a member reports activity on its next ping (a tick or so); one that answers a client and
 *   crashes first leaves the leader with its previous report, which for an idle client (pinging
 *   every third of its timeout) can be a third of the timeout older.
 *
 * Waiting a third of the timeout plus `(syncLimitTicks + 2)` ticks covers both, so the leader
 * never expires a session before its client's own timer has run out, and a holder that stops
 * trusting its lock at `lost` is safe. The price: a session whose client died goes that much
 * later than its timeout.
 *
 * @param tickMs - The members' tick.
 * @param syncLimitTicks - The members' sync limit.
 * @returns The grace, in milliseconds, to add to a third of each session's timeout.
 * @since 0.1.0
 */
export function sessionExpiryGraceMs(tickMs: number, syncLimitTicks: number): number {
  return (syncLimitTicks + 2) * tickMs;
}

/**
 * Deadlines of the sessions the leader is responsible for.
 *
 * @remarks
 * Only an established leader expires sessions. When a member becomes leader it gives every
 * session in the replicated table a full timeout from that moment, so that a leader change never
 * expires a session whose client kept pinging the old leader. A session expires a timeout after it
 * was last heard of, plus a third of its timeout and `graceMs` (see {@link sessionExpiryGraceMs}).
 * Time is passed in, never read.
 * @since 0.1.0
 */
export class SessionExpiry {
  readonly #deadlines = new Map<SessionId, { deadlineMs: number; readonly timeoutMs: number }>();
  readonly #graceMs: number;

  /**
   * @param graceMs - Added to every deadline, on top of a third of the session's timeout.
   */
  constructor(graceMs = 0) {
    this.#graceMs = graceMs;
  }

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
    this.#deadlines.set(sessionId, { deadlineMs: this.#deadline(nowMs, timeoutMs), timeoutMs });
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
      if (entry !== undefined) entry.deadlineMs = this.#deadline(nowMs, entry.timeoutMs);
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

  #deadline(nowMs: number, timeoutMs: number): number {
    return nowMs + timeoutMs + Math.ceil(timeoutMs / 3) + this.#graceMs;
  }
}
