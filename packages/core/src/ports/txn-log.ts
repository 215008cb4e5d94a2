/**
 * The transaction log port: the append-only, durable history of a member.
 *
 * @module
 */
import type { Txn } from "../protocol/messages.js";
import type { Zxid } from "../protocol/zxid.js";

/**
 * A range of the log to read: every transaction with `fromExclusive < zxid <= toInclusive`.
 *
 * @since 0.1.0
 */
export interface TxnLogReadRange {
  /** Read transactions strictly after this zxid. Must not be below {@link TxnLog.baseZxid}. */
  readonly fromExclusive: Zxid;
  /**
   * Read up to and including this zxid. Defaults to {@link TxnLog.lastDurableZxid}; must not be
   * above it, because a record that is not durable yet may still vanish in a crash.
   */
  readonly toInclusive?: Zxid;
}

/**
 * The append-only transaction log of one member (ZooKeeper's txnlog, etcd's WAL).
 *
 * @remarks
 * Ordering and durability contract:
 *
 * - {@link TxnLog.append} only buffers. Nothing appended is durable, or readable through
 *   {@link TxnLog.read}, until a later {@link TxnLog.sync} resolves. A crash may lose any suffix
 *   of what was appended but not synced, never a record that a resolved `sync` covered, and never
 *   a record in the middle (the log after a crash is always a prefix of what was appended).
 * - zxids are strictly increasing across the whole log. Appending a zxid at or below
 *   {@link TxnLog.lastZxid} is a programming error (an assertion), never an operating error.
 * - {@link TxnLog.sync} is a group commit: every caller waiting while one write and fdatasync is
 *   in flight is served by one next write and fdatasync that carries everything appended
 *   meanwhile. Callers never need to batch themselves.
 * - Maintenance operations ({@link TxnLog.truncateAfter}, {@link TxnLog.rebase},
 *   {@link TxnLog.purgeThrough}) are durable when their promise resolves. The caller must not
 *   append while one of them is pending, and must not run them while a {@link TxnLog.read} is
 *   being iterated.
 *
 * Ownership: the log may keep references to the appended {@link Txn} objects, and the memory log
 * yields the very objects it stores from {@link TxnLog.read}: neither side mutates a transaction
 * (they are immutable by contract). The file log yields fresh copies.
 *
 * Failure model (fail-stop): an I/O error in any write, fdatasync, rename or unlink makes the
 * whole storage unusable. That call and every later call reject (or throw) a
 * {@link ZabError} with code `"StorageFailed"` and the I/O error as `cause`. An fdatasync is
 * never retried, because the kernel may already have dropped the dirty pages it failed to write.
 * After {@link TxnLog.close}, calls fail with code `"Closed"`.
 *
 * Implementations: the file log of `openFileStorage` and the memory log of `openMemoryStorage`.
 * @since 0.1.0
 */
export interface TxnLog {
  /**
   * Buffers transactions at the end of the log. Not durable until {@link TxnLog.sync} resolves.
   *
   * @param txns - Transactions with strictly increasing zxids, all above {@link TxnLog.lastZxid}.
   * @throws {@link AssertionError} when the zxids are not strictly increasing past the log's end.
   * @throws {@link ZabError} with code `"StorageFailed"` or `"Closed"` when the log is unusable.
   */
  append(txns: readonly Txn[]): void;

  /**
   * Makes everything appended so far durable.
   *
   * @returns The last durable zxid, at or above the {@link TxnLog.lastZxid} seen at the call.
   * @throws {@link ZabError} with code `"StorageFailed"` when a write or fdatasync fails (the
   *   storage is then failed for good), or `"Closed"`.
   */
  sync(): Promise<Zxid>;

  /**
   * Durably removes every transaction with a zxid above `zxid` (ZAB's TRUNC). Everything left at
   * or below `zxid` is durable when the promise resolves, including what was appended unsynced.
   *
   * @param zxid - The last zxid to keep; at or above {@link TxnLog.baseZxid}. A value at or above
   *   {@link TxnLog.lastZxid} removes nothing.
   * @throws {@link AssertionError} when `zxid` is below {@link TxnLog.baseZxid}.
   * @throws {@link ZabError} with code `"StorageFailed"` or `"Closed"`.
   */
  truncateAfter(zxid: Zxid): Promise<void>;

  /**
   * Durably empties the log and restarts it after `zxid`: afterwards {@link TxnLog.baseZxid},
   * {@link TxnLog.lastZxid} and {@link TxnLog.lastDurableZxid} all equal `zxid`.
   *
   * @remarks
   * Used when installing a leader's snapshot (SNAP): the history up to `zxid` then lives only in
   * the snapshot. Restarting the log, rather than appending after a gap, guarantees that no older
   * snapshot can ever be replayed across the gap, and that local records at or below `zxid`,
   * which may diverge from the leader's history, are never replayed. Call it only after the
   * snapshot at `zxid` is durable; {@link Storage.installSnapshot} does the three steps in order.
   * @param zxid - The zxid of the installed snapshot; at or above {@link TxnLog.lastZxid}.
   * @throws {@link AssertionError} when `zxid` is below {@link TxnLog.lastZxid}.
   * @throws {@link ZabError} with code `"StorageFailed"` or `"Closed"`.
   */
  rebase(zxid: Zxid): Promise<void>;

  /**
   * Durably drops old records that a snapshot at `zxid` makes unnecessary. May keep more than
   * asked (the file log drops whole segments only); never drops a record above `zxid`.
   *
   * @param zxid - A zxid at or below {@link TxnLog.lastDurableZxid} that a durable snapshot covers.
   * @throws {@link AssertionError} when `zxid` is above {@link TxnLog.lastDurableZxid}.
   * @throws {@link ZabError} with code `"StorageFailed"` or `"Closed"`.
   */
  purgeThrough(zxid: Zxid): Promise<void>;

  /**
   * Reads durable transactions in zxid order.
   *
   * @remarks
   * Each record's checksum is verified again on the way out, so bytes that rotted on disk after
   * start-up are reported rather than replicated.
   * @param range - The zxids to read.
   * @returns The transactions in `range`, in increasing zxid order.
   * @throws {@link AssertionError} when `range.toInclusive` is above {@link TxnLog.lastDurableZxid}.
   * @throws {@link ZabError} with code `"Invalid"` when `range.fromExclusive` is below
   *   {@link TxnLog.baseZxid} (those records were purged: send a snapshot instead), `"Corrupt"`
   *   when a record fails its checksum, `"StorageFailed"` or `"Closed"`.
   */
  read(range: TxnLogReadRange): AsyncIterable<Txn>;

  /**
   * The zxid of the last appended transaction, durable or not ({@link TxnLog.baseZxid} when the
   * log holds none). ZAB's `lastLoggedZxid`.
   */
  lastZxid(): Zxid;

  /** The zxid of the last durable transaction ({@link TxnLog.baseZxid} when none is durable). */
  lastDurableZxid(): Zxid;

  /**
   * The zxid the log's oldest record follows: records at or below it were purged or live only in
   * a snapshot. {@link TxnLog.read} can start no earlier; a leader chooses SNAP over DIFF for a
   * learner behind it.
   */
  baseZxid(): Zxid;

  /**
   * Waits for pending writes and releases the log's files. Appended records that were never
   * synced are dropped: {@link TxnLog.sync} first if they matter. Idempotent.
   */
  close(): Promise<void>;
}
