/**
 * Which snapshots retention keeps, shared by both snapshot stores.
 *
 * @internal
 * @module
 */
import { assert } from "../assert.js";
import type { Zxid } from "../protocol/zxid.js";

/**
 * How many snapshots retention keeps unless configured: ZooKeeper's `autopurge.snapRetainCount`.
 *
 * @internal
 */
export const SNAPSHOTS_RETAINED_DEFAULT = 3;

/**
 * Splits snapshots into the ones to keep and the ones to delete.
 *
 * @remarks
 * Snapshots already found corrupt never fill a retention slot (and are deleted): otherwise a run
 * of corrupt newest snapshots could push the last valid one out, and with it the log needed to
 * replay from it.
 * @param input - The stored zxids in increasing order, how many to keep, and the known-corrupt ones.
 * @returns Both sets, each in increasing order.
 * @throws {@link AssertionError} when `retain` is not an integer of at least 1.
 * @internal
 */
export function planSnapshotRetention(input: {
  readonly zxids: readonly Zxid[];
  readonly retain: number;
  readonly corrupt: ReadonlySet<Zxid>;
}): { readonly kept: readonly Zxid[]; readonly removed: readonly Zxid[] } {
  assert(
    Number.isInteger(input.retain) && input.retain >= 1,
    `snapshot retention must keep at least 1, got ${input.retain}`,
  );
  const valid = input.zxids.filter((zxid) => !input.corrupt.has(zxid));
  const kept = new Set(valid.slice(-input.retain));
  return { kept: [...kept], removed: input.zxids.filter((zxid) => !kept.has(zxid)) };
}
