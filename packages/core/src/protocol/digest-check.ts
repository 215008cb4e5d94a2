/**
 * A learner's comparison of its state machine's digest with its leader's.
 *
 * Members that applied the same transactions hold the same state, so the same digest, at the same
 * zxid. The leader sends `(appliedZxid, digest)` with some of its pings; each learner compares it
 * with its own digest at that zxid. Agreement on the history (which ZAB guarantees) does not
 * imply agreement on the state: a non-deterministic `apply`, a bug, or memory or disk corruption
 * below the log's checksums can make a replica diverge silently. This is the production check
 * for that, in the spirit of ZooKeeper's `digest.enabled` (ZOOKEEPER-3114).
 *
 * A learner usually receives the leader's digest for a zxid it has just applied or is about to
 * apply: FIFO channels deliver the COMMIT of a zxid before any ping that reports it applied. It
 * can also be ahead, when the leader's own disk lags its followers', so it remembers the digests
 * of its latest applies, a bounded number of them.
 *
 * @module
 */
import { assert } from "../assert.js";
import type { ServerId } from "./ids.js";
import type { StateDigest } from "./messages.js";
import type { Zxid } from "./zxid.js";

/**
 * A learner's state differs from its leader's at the same zxid: the replicas diverged.
 *
 * @remarks
 * The protocol cannot repair this (the history agrees; the state does not), so it is reported for
 * an operator: {@link ZabServer} logs it as an error and counts it in
 * {@link ZabServerStatus.digestChecks}. Each zxid is compared once, so one divergence is reported
 * once; a replica that stays diverged is reported again at the next zxid compared.
 * @since 0.1.0
 */
export interface DigestMismatch {
  /** The zxid at which both digests were taken: each state reflects every transaction up to it. */
  readonly zxid: Zxid;
  /** The leader whose digest this member compared with. */
  readonly leader: ServerId;
  /** The leader's digest at `zxid`. */
  readonly expected: bigint;
  /** This member's digest at `zxid`. */
  readonly actual: bigint;
}

/**
 * How many of its leaders' digests a member compared, since it started.
 *
 * @remarks
 * Cumulative over every leader the member followed. A healthy learner shows `checked` growing
 * and `mismatched` at 0; `skipped` grows only when this member had applied far past the leader's
 * zxid (beyond `recentDigestsMax` transactions) or installed a snapshot past it. A leader, and a
 * member whose state machine has no {@link StateMachine.digest}, checks nothing.
 * @since 0.1.0
 */
export interface DigestCheckStats {
  /** Comparisons made, matching or not. */
  readonly checked: number;
  /** Comparisons that found different digests; each was reported as a {@link DigestMismatch}. */
  readonly mismatched: number;
  /** Leader digests that could not be compared because this member no longer knew its own. */
  readonly skipped: number;
}

/**
 * What became of one leader digest.
 *
 * @internal
 */
export type DigestCheckOutcome =
  | { readonly kind: "matched"; readonly zxid: Zxid }
  | { readonly kind: "mismatched"; readonly mismatch: DigestMismatch }
  | { readonly kind: "skipped"; readonly zxid: Zxid };

/**
 * The comparisons of one learner with one leader: built when the learner starts following,
 * dropped when it stops, so nothing learned under one leader survives a role change.
 *
 * @internal
 */
export class DigestCheck {
  readonly #leader: ServerId;
  readonly #recentMax: number;
  /** This member's digest after each of its latest applies, in zxid order (insertion order). */
  readonly #recent = new Map<Zxid, bigint>();
  #lastApplied: Zxid;
  /** A leader digest for a zxid this member has not applied yet. */
  #pending: StateDigest | undefined;
  /** The highest leader zxid already taken up (compared, skipped or pending), once there is one. */
  #handledUpTo: Zxid | undefined;

  /**
   * @param leader - The leader whose digests this learner compares with.
   * @param current - This member's state when it starts following: its applied zxid and digest.
   * @param recentMax - How many applied digests to remember, at least 1.
   */
  constructor(leader: ServerId, current: StateDigest, recentMax: number) {
    assert(Number.isSafeInteger(recentMax) && recentMax >= 1, "recentDigestsMax is a positive integer");
    this.#leader = leader;
    this.#recentMax = recentMax;
    this.#lastApplied = current.zxid;
    this.#recent.set(current.zxid, current.digest);
  }

  /**
   * Takes up a digest the leader sent.
   *
   * @remarks
   * A zxid already taken up is ignored, so a leader repeating the same digest while idle is
   * compared once. While one check is pending, later ones are ignored too: the pending one is the
   * first this member will reach, and keeping it (rather than the latest) means a learner that
   * always lags still gets checked, instead of having its pending check replaced forever.
   * @param leader - The leader's applied zxid and its digest there.
   * @returns The outcome, or `undefined` when there is nothing to report yet.
   */
  leaderDigest(leader: StateDigest): DigestCheckOutcome | undefined {
    if (this.#pending !== undefined) return undefined;
    if (this.#handledUpTo !== undefined && leader.zxid <= this.#handledUpTo) return undefined;
    this.#handledUpTo = leader.zxid;
    if (leader.zxid > this.#lastApplied) {
      this.#pending = leader;
      return undefined;
    }
    const own = this.#recent.get(leader.zxid);
    if (own === undefined) return { kind: "skipped", zxid: leader.zxid };
    return this.#compare(leader, own);
  }

  /**
   * Records this member's digest right after it applied a transaction.
   *
   * @param own - The transaction's zxid and the digest after applying it.
   * @returns The outcome of a pending check this apply reached, if any.
   * @throws {@link AssertionError} when `own.zxid` does not follow the last applied zxid.
   */
  applied(own: StateDigest): DigestCheckOutcome | undefined {
    assert(own.zxid > this.#lastApplied, "applies come in zxid order");
    this.#lastApplied = own.zxid;
    this.#recent.set(own.zxid, own.digest);
    if (this.#recent.size > this.#recentMax) {
      // Map keys iterate in insertion order, which is zxid order: the first is the oldest.
      const oldest = this.#recent.keys().next();
      if (oldest.done !== true) this.#recent.delete(oldest.value);
    }
    return this.#settlePending(own);
  }

  /**
   * Records that the state was replaced by a snapshot (a SNAP from the leader): what was
   * remembered describes a state this member no longer builds on, so it is forgotten.
   *
   * @param own - The snapshot's zxid and the digest of the restored state.
   * @returns The outcome of a pending check the snapshot reached or passed, if any.
   * @throws {@link AssertionError} when the snapshot is older than the state it replaces.
   */
  restored(own: StateDigest): DigestCheckOutcome | undefined {
    assert(own.zxid >= this.#lastApplied, "a snapshot never takes the state back");
    this.#lastApplied = own.zxid;
    this.#recent.clear();
    this.#recent.set(own.zxid, own.digest);
    return this.#settlePending(own);
  }

  #settlePending(own: StateDigest): DigestCheckOutcome | undefined {
    const pending = this.#pending;
    if (pending === undefined || own.zxid < pending.zxid) return undefined;
    this.#pending = undefined;
    // Passed without stopping at it, as a snapshot beyond it does: there is no state to compare.
    if (own.zxid > pending.zxid) return { kind: "skipped", zxid: pending.zxid };
    return this.#compare(pending, own.digest);
  }

  #compare(leader: StateDigest, own: bigint): DigestCheckOutcome {
    if (leader.digest === own) return { kind: "matched", zxid: leader.zxid };
    return {
      kind: "mismatched",
      mismatch: { zxid: leader.zxid, leader: this.#leader, expected: leader.digest, actual: own },
    };
  }
}
