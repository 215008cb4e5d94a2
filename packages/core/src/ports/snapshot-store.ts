/**
 * The snapshot store port: durable images of the data tree, each taken at a zxid.
 *
 * @module
 */
import type { Zxid } from "../protocol/zxid.js";

/**
 * A snapshot: the serialized data tree after applying every transaction up to `zxid`.
 *
 * @since 0.1.0
 */
export interface Snapshot {
  /** The last transaction the image includes. */
  readonly zxid: Zxid;
  /** The serialized state; the store never looks inside. */
  readonly data: Uint8Array;
}

/**
 * A snapshot that could not be used, and why.
 *
 * @since 0.1.0
 */
export interface SkippedSnapshot {
  /** The zxid its name claims. */
  readonly zxid: Zxid;
  /** Its file name (or the memory twin's equivalent). */
  readonly file: string;
  /** What check it failed, for the operator. */
  readonly reason: string;
}

/**
 * What {@link SnapshotStore.loadNewest} found.
 *
 * @since 0.1.0
 */
export interface SnapshotLoad {
  /** The newest snapshot that passed every check, or `undefined` when none did. */
  readonly snapshot: Snapshot | undefined;
  /** Newer snapshots that failed a check and were passed over, newest first. */
  readonly skipped: readonly SkippedSnapshot[];
}

/**
 * Durable snapshots of the replicated state, one per zxid.
 *
 * @remarks
 * Ordering and durability contract:
 *
 * - {@link SnapshotStore.save} is crash-safe: a reader sees either no snapshot at `zxid` or the
 *   whole of it, never a part (the file store writes a temporary file, fdatasyncs it, renames it
 *   into place and fsyncs the directory). It is durable when the promise resolves.
 * - A snapshot must only be saved at a zxid the log already covers durably
 *   (`zxid <= log.lastDurableZxid()`), except through {@link Storage.installSnapshot}: start-up
 *   treats a snapshot beyond the log's end as an interrupted install and restarts the log after it.
 * - Every snapshot carries a checksum verified by {@link SnapshotStore.loadNewest}, which falls
 *   back past corrupt snapshots to the newest valid one and reports each one it skipped.
 * - Operations on one store run one at a time, in call order.
 *
 * Ownership: `save` may keep `data` until its promise resolves; the caller must not mutate it
 * meanwhile. The `data` returned by `loadNewest` belongs to the caller.
 *
 * Failure model: as for {@link TxnLog}, an I/O error fails the whole storage (code
 * `"StorageFailed"`); after close, calls fail with code `"Closed"`.
 * @since 0.1.0
 */
export interface SnapshotStore {
  /**
   * Durably stores a snapshot, replacing any earlier one at the same zxid.
   *
   * @param zxid - The last transaction included in `data`.
   * @param data - The serialized state.
   * @throws {@link ZabError} with code `"StorageFailed"` or `"Closed"`.
   */
  save(zxid: Zxid, data: Uint8Array): Promise<void>;

  /**
   * Loads the newest snapshot that passes its checks.
   *
   * @returns The snapshot (if any) and every newer one that was skipped as corrupt.
   * @throws {@link ZabError} with code `"StorageFailed"` or `"Closed"`.
   */
  loadNewest(): Promise<SnapshotLoad>;

  /**
   * Lists the zxids of the stored snapshots, without verifying them.
   *
   * @returns The zxids in increasing order; the array belongs to the caller.
   * @throws {@link ZabError} with code `"StorageFailed"` or `"Closed"`.
   */
  list(): Promise<readonly Zxid[]>;

  /**
   * Durably deletes all but the newest `retain` snapshots.
   *
   * @param retain - How many of the newest snapshots to keep; an integer of at least 1.
   * @returns The zxids kept, in increasing order.
   * @throws {@link AssertionError} when `retain` is not an integer of at least 1.
   * @throws {@link ZabError} with code `"StorageFailed"` or `"Closed"`.
   */
  purge(retain: number): Promise<readonly Zxid[]>;
}
