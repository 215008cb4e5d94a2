/**
 * A member's view of its transaction history, in memory: what it logged, what is durable, what
 * is committed and what it applied.
 *
 * @module
 */
import { assert } from "../assert.js";
import type { Txn } from "./messages.js";
import { counterOf, epochOf, formatZxid, type Zxid } from "./zxid.js";

/**
 * Whether `next` may directly follow `previous` in a log: the next counter of the same epoch, or
 * the first transaction (counter 1) of a later epoch. Anything else is a hole or a repeat
 * (ZOOKEEPER-4925: a log must never have a hole).
 *
 * @param previous - The last zxid in the log (0 for an empty history).
 * @param next - The candidate.
 * @returns `true` when `next` follows `previous` with no gap.
 * @since 0.1.0
 */
export function isNextZxid(previous: Zxid, next: Zxid): boolean {
  if (epochOf(next) === epochOf(previous)) return counterOf(next) === counterOf(previous) + 1;
  return epochOf(next) > epochOf(previous) && counterOf(next) === 1;
}

/**
 * The transactions after a base point, with four cursors that only move forward (except that a
 * TRUNC may move `lastLogged` and `durable` back over uncommitted entries).
 *
 * @remarks
 * Invariants: `base ≤ applied ≤ committed`, `applied ≤ durable` once installed state is durable,
 * every transaction after `base` is in `txns` in zxid order with no holes, and nothing at or
 * before `committed` is ever truncated. Applied, committed transactions are pruned from the front
 * once more than `retainedMax` are kept; the leader syncs lagging learners by DIFF from what is
 * kept and by SNAP otherwise.
 * @internal
 */
export class History {
  #base: Zxid;
  #txns: Txn[] = [];
  #committed: Zxid;
  #durable: Zxid;
  #applied: Zxid;
  /** How many of `#txns` (from the front) are applied. */
  #appliedCount = 0;

  /**
   * @param base - The zxid the state machine's state starts from (its snapshot, or 0).
   * @param retainedMax - How many applied transactions to keep for DIFF.
   */
  constructor(
    base: Zxid,
    private readonly retainedMax: number,
  ) {
    this.#base = base;
    this.#committed = base;
    this.#durable = base;
    this.#applied = base;
  }

  /** The zxid of the state before the first kept transaction. */
  get base(): Zxid {
    return this.#base;
  }

  /** The last zxid logged (asked to be written), durable or not. */
  get lastLogged(): Zxid {
    return this.#txns.at(-1)?.zxid ?? this.#base;
  }

  /** Everything up to here is committed. */
  get committed(): Zxid {
    return this.#committed;
  }

  /** Everything up to here is durable in the local log. */
  get durable(): Zxid {
    return this.#durable;
  }

  /** The state machine reflects everything up to here. */
  get applied(): Zxid {
    return this.#applied;
  }

  /** Logged transactions not yet known to be committed. */
  get uncommittedCount(): number {
    return this.#txns.length - this.#indexAfter(this.#committed);
  }

  /**
   * Appends a transaction that directly follows the last logged one.
   *
   * @param txn - The transaction.
   * @returns `false` (and changes nothing) when it would leave a hole or go backwards.
   */
  append(txn: Txn): boolean {
    if (!isNextZxid(this.lastLogged, txn.zxid)) return false;
    this.#txns.push(txn);
    return true;
  }

  /**
   * Tells whether a transaction with this zxid is in the history (kept, or at/before the base).
   *
   * @param zxid - The zxid.
   * @returns `true` when the history reaches it.
   */
  contains(zxid: Zxid): boolean {
    return zxid <= this.lastLogged;
  }

  /**
   * Drops every transaction after `zxid` (TRUNC).
   *
   * @param zxid - The last zxid to keep; never before what is committed.
   */
  truncateAfter(zxid: Zxid): void {
    assert(
      zxid >= this.#committed,
      () => `truncating to ${formatZxid(zxid)} would cut committed ${formatZxid(this.#committed)}`,
    );
    this.#txns.length = this.#indexAfter(zxid);
    if (this.#durable > zxid) this.#durable = zxid;
  }

  /**
   * Replaces the whole history by a snapshot point: the state machine was restored to `zxid`.
   *
   * @param zxid - The snapshot's zxid; committed and applied by definition.
   */
  resetTo(zxid: Zxid): void {
    this.#base = zxid;
    this.#txns = [];
    this.#appliedCount = 0;
    this.#committed = zxid;
    this.#applied = zxid;
    this.#durable = zxid;
  }

  /**
   * Marks everything up to `zxid` committed (a cumulative COMMIT).
   *
   * @param zxid - Must be logged.
   */
  commitUpTo(zxid: Zxid): void {
    assert(
      zxid <= this.lastLogged,
      () => `commit of ${formatZxid(zxid)} beyond the log at ${formatZxid(this.lastLogged)}`,
    );
    if (zxid > this.#committed) this.#committed = zxid;
  }

  /**
   * Records that the log is durable up to `zxid`.
   *
   * @param zxid - The last zxid of a completed append.
   */
  markDurable(zxid: Zxid): void {
    if (zxid > this.#durable && zxid <= this.lastLogged) this.#durable = zxid;
  }

  /**
   * Takes the transactions that are committed and durable but not applied yet, and advances
   * `applied` past them. The caller applies them in the order returned.
   *
   * @returns The transactions to apply, in zxid order.
   */
  takeApplicable(): Txn[] {
    // biome-ignore lint/complexity/useMathMinMax: zxids are bigints, and Math.min throws a TypeError on a bigint.
    const upTo = this.#committed < this.#durable ? this.#committed : this.#durable;
    const start = this.#appliedCount;
    while ((this.#txns[this.#appliedCount]?.zxid ?? upTo + 1n) <= upTo) this.#appliedCount += 1;
    if (this.#appliedCount === start) return [];
    const result = this.#txns.slice(start, this.#appliedCount);
    const last = result.at(-1);
    assert(last !== undefined, "applied at least one transaction");
    this.#applied = last.zxid;
    this.#prune();
    return result;
  }

  /**
   * The largest zxid in the history at or before `zxid`, if the kept history reaches that far
   * back.
   *
   * @param zxid - Any zxid.
   * @returns The base or a kept transaction's zxid, or `undefined` when `zxid` is before the base.
   */
  floor(zxid: Zxid): Zxid | undefined {
    if (zxid < this.#base) return undefined;
    const index = this.#indexAfter(zxid);
    return index === 0 ? this.#base : this.#txns[index - 1]?.zxid;
  }

  /**
   * The kept transactions after `zxid`.
   *
   * @param zxid - A zxid at or after the base.
   * @returns Those transactions, in order (a new array).
   */
  after(zxid: Zxid): Txn[] {
    assert(zxid >= this.#base, () => `history before its base ${formatZxid(this.#base)} was requested`);
    return this.#txns.slice(this.#indexAfter(zxid));
  }

  /** Index of the first kept transaction with a zxid greater than `zxid` (binary search). */
  #indexAfter(zxid: Zxid): number {
    let low = 0;
    let high = this.#txns.length;
    // The interval [low, high) shrinks every step, so this terminates.
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.#txns[middle]?.zxid ?? zxid) <= zxid) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #prune(): void {
    // Prune in slices of a quarter of the retained count so splicing stays amortized O(1).
    const drop = Math.min(this.#appliedCount, this.#txns.length - this.retainedMax);
    if (drop < Math.max(1, this.retainedMax >> 2)) return;
    const last = this.#txns[drop - 1];
    assert(last !== undefined, "pruned entry exists");
    this.#base = last.zxid;
    this.#txns.splice(0, drop);
    this.#appliedCount -= drop;
  }
}
