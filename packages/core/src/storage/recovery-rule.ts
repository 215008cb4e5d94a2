/**
 * How start-up joins the newest valid snapshot to the log, shared by both storages.
 *
 * Replay loads a snapshot at zxid S and applies the log's records after S, so the log must hold
 * every record after S: its base (the zxid its first record follows) must be at or below S.
 * Without a snapshot the log must start at the very beginning (base 0): a log that starts later
 * with nothing covering its start has lost history (ZOOKEEPER-2325), and starting from an empty
 * tree would then replicate that loss.
 *
 * @internal
 * @module
 */
import { ZabError } from "../errors.js";
import type { SkippedSnapshot } from "../ports/snapshot-store.js";
import { formatZxid, type Zxid } from "../protocol/zxid.js";

/**
 * Decides whether the snapshot and the log join up, and whether the log must be rebased.
 *
 * @param input - The newest valid snapshot's zxid (if any), the snapshots skipped as corrupt,
 *   the log's base and last zxid, and `where` (the directory) for messages.
 * @returns `rebaseTo`: the snapshot's zxid when it lies beyond the log's end (an interrupted
 *   snapshot install, which start-up completes), otherwise `undefined`.
 * @throws {@link ZabError} with code `"Corrupt"` when the log starts after the snapshot (or after
 *   zxid 0 with no snapshot).
 * @internal
 */
export function decideLogStart(input: {
  readonly snapshotZxid: Zxid | undefined;
  readonly skipped: readonly SkippedSnapshot[];
  readonly logBaseZxid: Zxid;
  readonly logLastZxid: Zxid;
  readonly where: string;
}): { readonly rebaseTo: Zxid | undefined } {
  const { snapshotZxid, logBaseZxid, logLastZxid } = input;
  const skipped = input.skipped.map((s) => `; skipped ${s.file}: ${s.reason}`).join("");
  if (snapshotZxid === undefined) {
    if (logBaseZxid !== 0n) {
      throw new ZabError(
        "Corrupt",
        `${input.where}: the log starts after ${formatZxid(logBaseZxid)} but no valid snapshot covers the history before it${skipped}`,
      );
    }
    return { rebaseTo: undefined };
  }
  if (snapshotZxid < logBaseZxid) {
    throw new ZabError(
      "Corrupt",
      `${input.where}: the newest valid snapshot ${formatZxid(snapshotZxid)} is older than the log, which starts after ${formatZxid(logBaseZxid)}${skipped}`,
    );
  }
  return { rebaseTo: snapshotZxid > logLastZxid ? snapshotZxid : undefined };
}
