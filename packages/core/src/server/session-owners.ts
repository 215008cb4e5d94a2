/**
 * The leader's record of which member each session's client is attached to, and the check that
 * drops writes arriving from a member the session has moved away from (ZooKeeper's SessionMoved).
 *
 * @module
 */
import type { ServerId, SessionId } from "../protocol/ids.js";
import type { TreeTxnOp } from "../tree/tree-txn.js";

/** No session: the ensemble's own transactions, never refused. */
const NO_SESSION = 0n;

/**
 * Which member owns each session, as far as this leader has seen.
 *
 * @remarks
 * A member proposes `createSession` for a new session and `attachSession` whenever a client
 * reconnects to it; proposing either makes that member the owner. Any other write of the session
 * must come from its owner: one from elsewhere was sent on a connection the client has since
 * left, and committing it now would land it after the client, reconnected, looked for it. It is
 * refused instead, so a write in doubt is either ordered before the client's reconnect or never
 * happens.
 *
 * The leader's own writes for a session (closing it on expiry) are not checked.
 *
 * The record lives only in the leader's memory. A new leader starts empty and accepts writes of a
 * session it has no owner for: every member closes its client connections when it loses its
 * leader, so no write from before the election can reach the new one, and each client attaches
 * again when it reconnects.
 * @since 0.1.0
 * @internal
 */
export class SessionOwners {
  readonly #owners = new Map<SessionId, ServerId>();

  /**
   * Decides whether the leader may propose an operation of `sessionId` that `from` submitted, and
   * records a change of owner when the operation creates or attaches a session.
   *
   * @param sessionId - The session the operation runs for (0n for the ensemble's own).
   * @param op - The operation.
   * @param from - The member that submitted it.
   * @returns `false` when the session's owner is another member.
   */
  admit(sessionId: SessionId, op: TreeTxnOp, from: ServerId): boolean {
    if (op.op === "createSession" || op.op === "attachSession") {
      this.#owners.set(op.sessionId, from);
      return true;
    }
    if (sessionId === NO_SESSION) return true;
    const owner = this.#owners.get(sessionId);
    return owner === undefined || owner === from;
  }

  /**
   * Forgets a session that closed (by its client, or expired).
   *
   * @param sessionId - The session.
   */
  forget(sessionId: SessionId): void {
    this.#owners.delete(sessionId);
  }

  /** Forgets every owner: this member stopped leading, or starts a new leadership. */
  clear(): void {
    this.#owners.clear();
  }
}
