/**
 * A session as the data tree replicates it: its timeout, its secret and its ephemeral nodes.
 *
 * The leader's session tracker (who pinged when) is not replicated; it is rebuilt from this
 * table when a member becomes leader, so every session the ensemble committed is tracked again
 * and expires if its client does not come back (ZOOKEEPER-1367).
 *
 * @module
 */
import type { SessionId } from "../protocol/ids.js";
import { Hash64 } from "./tree-hash.js";

const SESSION_HASH_SEED = 0x73657373; // "sess"

/**
 * A read-only view of one open session.
 *
 * @since 0.1.0
 */
export interface TreeSession {
  /** The session's id. */
  readonly sessionId: SessionId;
  /** Its timeout, in milliseconds, as negotiated when it was created. */
  readonly timeoutMs: number;
  /** Its 16-byte secret, which a client presents to resume it. A copy the caller owns. */
  readonly password: Uint8Array;
  /** How many ephemeral nodes it owns. */
  readonly ephemeralCount: number;
}

/**
 * A session table entry. Mutated only by {@link TreeState}, which keeps the digest in step.
 *
 * @since 0.1.0
 * @internal
 */
export class SessionRecord {
  readonly sessionId: SessionId;
  readonly timeoutMs: number;
  readonly password: Uint8Array;
  /** The paths of the ephemeral nodes the session owns; order carries no meaning. */
  readonly ephemerals = new Set<string>();
  /** This session's digest lanes. */
  readonly hashHigh: number;
  readonly hashLow: number;

  /**
   * @param fields - The session's id, timeout and password (owned by the record from now on).
   */
  constructor(fields: {
    readonly sessionId: SessionId;
    readonly timeoutMs: number;
    readonly password: Uint8Array;
  }) {
    this.sessionId = fields.sessionId;
    this.timeoutMs = fields.timeoutMs;
    this.password = fields.password;
    const hash = this.recomputeHash();
    this.hashHigh = hash.high;
    this.hashLow = hash.low;
  }

  /**
   * Computes this session's digest lanes from its fields.
   *
   * @returns The hasher, whose `high` and `low` are the lanes.
   */
  recomputeHash(): Hash64 {
    return new Hash64(SESSION_HASH_SEED).u64(this.sessionId).word(this.timeoutMs).bytes(this.password);
  }

  /**
   * A view of the session for callers outside the tree.
   *
   * @returns A new view, with a copy of the password.
   */
  view(): TreeSession {
    return {
      sessionId: this.sessionId,
      timeoutMs: this.timeoutMs,
      password: this.password.slice(),
      ephemeralCount: this.ephemerals.size,
    };
  }
}

/**
 * Orders sessions by ascending id, the order every listing and the snapshot use.
 *
 * @param a - One session.
 * @param b - The other.
 * @returns A negative number when `a` comes first, positive when `b` does, 0 when the same.
 * @since 0.1.0
 * @internal
 */
export function bySessionId(a: SessionRecord, b: SessionRecord): number {
  return a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0;
}
