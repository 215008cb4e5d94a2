/**
 * The names of the files in a data directory.
 *
 * ```
 * lock                     the directory lock: the holder's PID
 * acceptedEpoch            decimal text, like ZooKeeper's
 * currentEpoch             decimal text
 * log.<16 hex digits>      a log segment, named by the lowest zxid it may hold
 * snapshot.<16 hex digits> a snapshot, named by its zxid
 * <any of the above>.tmp   a crash-safe write in progress (or interrupted by a crash)
 * ```
 *
 * Hex names sort in zxid order, so a plain sort of the names is the history order.
 *
 * @internal
 * @module
 */
import type { Zxid } from "../protocol/zxid.js";

/**
 * The directory lock file.
 *
 * @internal
 */
export const LOCK_FILE = "lock";

/**
 * Suffix of a crash-safe write in progress.
 *
 * @internal
 */
export const TMP_SUFFIX = ".tmp";

const LOG_NAME = /^log\.([0-9a-f]{16})$/;
const SNAPSHOT_NAME = /^snapshot\.([0-9a-f]{16})$/;

function hex(zxid: Zxid): string {
  return zxid.toString(16).padStart(16, "0");
}

/**
 * The name of the log segment whose records start at `zxid`.
 *
 * @param zxid - The lowest zxid the segment may hold.
 * @returns `log.<16 hex digits>`.
 * @internal
 */
export function segmentFileName(zxid: Zxid): string {
  return `log.${hex(zxid)}`;
}

/**
 * The name of the snapshot at `zxid`.
 *
 * @param zxid - The snapshot's zxid.
 * @returns `snapshot.<16 hex digits>`.
 * @internal
 */
export function snapshotFileName(zxid: Zxid): string {
  return `snapshot.${hex(zxid)}`;
}

/**
 * The zxid a segment file name carries.
 *
 * @param name - A directory entry.
 * @returns The zxid, or `undefined` when `name` is not a segment.
 * @internal
 */
export function parseSegmentFileName(name: string): Zxid | undefined {
  const match = LOG_NAME.exec(name);
  return match?.[1] === undefined ? undefined : (BigInt(`0x${match[1]}`) as Zxid);
}

/**
 * The zxid a snapshot file name carries.
 *
 * @param name - A directory entry.
 * @returns The zxid, or `undefined` when `name` is not a snapshot.
 * @internal
 */
export function parseSnapshotFileName(name: string): Zxid | undefined {
  const match = SNAPSHOT_NAME.exec(name);
  return match?.[1] === undefined ? undefined : (BigInt(`0x${match[1]}`) as Zxid);
}
