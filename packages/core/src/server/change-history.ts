/**
 * A member's memory of its latest changes, from which it replays what a persistent watch missed
 * while its client was moving between members.
 *
 * @module
 */
import { assert } from "../assert.js";
import type { WatchEvent } from "../protocol/client-messages.js";
import { formatZxid, ZXID_ZERO, type Zxid } from "../protocol/zxid.js";
import type { TreeChange } from "../tree/tree-applied.js";

/**
 * One change to a node, as a watch event reports it: the transaction, what happened, and where.
 *
 * @since 0.1.0
 * @internal
 */
export type RecordedChange = Pick<WatchEvent, "zxid" | "type" | "path">;

/**
 * The latest changes a member applied, in applied order, up to a fixed number.
 *
 * @remarks
 * A ring: once full, recording a change forgets the oldest. The history knows how far it reaches
 * both ways: forward, every transaction up to {@link ChangeHistory.lastZxid} was appended; back,
 * it holds every change with a zxid above its {@link ChangeHistory.horizon}, the zxid of the last
 * change it forgot (or of the state it started from). One transaction may make several changes,
 * which share its zxid; forgetting some of them moves the horizon to that zxid, so a replay never
 * starts in the middle of a transaction.
 * @since 0.1.0
 * @internal
 */
export class ChangeHistory {
  readonly #capacity: number;
  /** The retained changes; once full, `#oldest` is where the ring starts. */
  #ring: RecordedChange[] = [];
  #oldest = 0;
  #horizon: Zxid;
  #lastZxid: Zxid;

  /**
   * @param capacity - The most changes retained; 0 retains none.
   * @param start - The zxid of the state the history starts from: it holds no change at or below
   *   it. Default 0, an empty tree.
   */
  constructor(capacity: number, start: Zxid = ZXID_ZERO) {
    assert(Number.isSafeInteger(capacity) && capacity >= 0, "a history's capacity is a non-negative integer");
    this.#capacity = capacity;
    this.#horizon = start;
    this.#lastZxid = start;
  }

  /** The last transaction appended (or the state the history started from). */
  get lastZxid(): Zxid {
    return this.#lastZxid;
  }

  /**
   * The history holds every change with a zxid above this one; at it, at most the rest of a
   * transaction it partly forgot.
   */
  get horizon(): Zxid {
    return this.#horizon;
  }

  /** How many changes it holds. */
  get size(): number {
    return this.#ring.length;
  }

  /**
   * Appends the next transaction's changes, forgetting the oldest changes when full.
   *
   * @param zxid - The transaction, applied right after {@link ChangeHistory.lastZxid}.
   * @param changes - What it changed, in the order its watches fire; none for a transaction that
   *   changed no node.
   */
  append(zxid: Zxid, changes: readonly TreeChange[]): void {
    assert(
      zxid > this.#lastZxid,
      () => `transaction ${formatZxid(zxid)} appended after ${formatZxid(this.#lastZxid)}`,
    );
    this.#lastZxid = zxid;
    for (const { type, path } of changes) this.#record({ zxid, type, path });
  }

  /**
   * Forgets everything: the state jumped to `zxid` without its changes being recorded (it was
   * restored from a snapshot).
   *
   * @param zxid - The zxid of the restored state.
   */
  reset(zxid: Zxid): void {
    this.#ring = [];
    this.#oldest = 0;
    this.#horizon = zxid;
    this.#lastZxid = zxid;
  }

  /**
   * Whether the history holds every change with a zxid above `fromZxid`.
   *
   * @param fromZxid - The last zxid the caller already knows about.
   * @returns `true` when nothing after `fromZxid` was forgotten.
   */
  holdsChangesAfter(fromZxid: Zxid): boolean {
    return fromZxid >= this.#horizon;
  }

  /**
   * The retained changes with a zxid above `fromZxid`, oldest first.
   *
   * @remarks
   * Complete only when {@link ChangeHistory.holdsChangesAfter} says so. Finds the first one by
   * binary search, so a replay costs what it returns, not the size of the history.
   * @param fromZxid - The last zxid the caller already knows about.
   * @returns Those changes.
   */
  *changesAfter(fromZxid: Zxid): Generator<RecordedChange, void, undefined> {
    // The first logical index whose zxid is above fromZxid: zxids never decrease along the ring.
    let low = 0;
    let high = this.#ring.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#at(middle) as RecordedChange).zxid > fromZxid) high = middle;
      else low = middle + 1;
    }
    for (let index = low; index < this.#ring.length; index += 1) yield this.#at(index) as RecordedChange;
  }

  #record(change: RecordedChange): void {
    if (this.#capacity === 0) {
      this.#horizon = change.zxid;
      return;
    }
    if (this.#ring.length < this.#capacity) {
      this.#ring.push(change);
      return;
    }
    this.#horizon = (this.#ring[this.#oldest] as RecordedChange).zxid;
    this.#ring[this.#oldest] = change;
    this.#oldest = (this.#oldest + 1) % this.#capacity;
  }

  /** The change at a logical index, 0 being the oldest retained. */
  #at(index: number): RecordedChange | undefined {
    return this.#ring[(this.#oldest + index) % this.#ring.length];
  }
}
