/**
 * Range and ordering rules of the transaction log, shared by the file log and its memory twin.
 *
 * @internal
 * @module
 */
import { assert } from "../assert.js";
import { ZabError } from "../errors.js";
import type { TxnLogReadRange } from "../ports/txn-log.js";
import type { Txn } from "../protocol/messages.js";
import { formatZxid, type Zxid } from "../protocol/zxid.js";

/**
 * Asserts that `txns` continue the log: zxids strictly increasing, all above `lastZxid`.
 *
 * @param lastZxid - The log's last appended zxid.
 * @param txns - The transactions to append.
 * @throws {@link AssertionError} when they do not.
 * @internal
 */
export function assertAppendOrder(lastZxid: Zxid, txns: readonly Txn[]): void {
  let previous = lastZxid;
  for (const txn of txns) {
    const before = previous;
    assert(
      txn.zxid > before,
      () => `append: zxid ${formatZxid(txn.zxid)} is not above ${formatZxid(before)}`,
    );
    previous = txn.zxid;
  }
}

/**
 * Checks a read range against the log and fills in its default end.
 *
 * @param range - The requested range.
 * @param log - The log's base and last durable zxid.
 * @returns The range with `toInclusive` set.
 * @throws {@link AssertionError} when the range ends past the durable end.
 * @throws {@link ZabError} with code `"Invalid"` when it starts before the log's base.
 * @internal
 */
export function resolveReadRange(
  range: TxnLogReadRange,
  log: { readonly baseZxid: Zxid; readonly lastDurableZxid: Zxid },
): { readonly fromExclusive: Zxid; readonly toInclusive: Zxid } {
  const toInclusive = range.toInclusive ?? log.lastDurableZxid;
  assert(
    toInclusive <= log.lastDurableZxid,
    `read: ${formatZxid(toInclusive)} is past the last durable zxid ${formatZxid(log.lastDurableZxid)}`,
  );
  if (range.fromExclusive < log.baseZxid && range.fromExclusive < toInclusive) {
    throw new ZabError(
      "Invalid",
      `cannot read the log after ${formatZxid(range.fromExclusive)}: it starts after ${formatZxid(log.baseZxid)} (older records were purged or live only in a snapshot)`,
    );
  }
  return { fromExclusive: range.fromExclusive, toInclusive };
}

/**
 * Asserts that a truncation point is not below the log's base: a TRUNC never removes history
 * that a snapshot already holds (snapshots hold committed transactions only).
 *
 * @param zxid - The last zxid to keep.
 * @param baseZxid - The log's base.
 * @throws {@link AssertionError} when it is.
 * @internal
 */
export function assertTruncatePoint(zxid: Zxid, baseZxid: Zxid): void {
  assert(
    zxid >= baseZxid,
    `truncateAfter: ${formatZxid(zxid)} is below the log's base ${formatZxid(baseZxid)}`,
  );
}
