/**
 * The pure decision of a configuration write: from what was read of each store, the operations
 * of the one multi that writes the new values, records them in history, trims history, and
 * leaves a receipt. No I/O: unit-tested exhaustively; {@link writeConfig} runs it.
 *
 * @module
 */
import type { MultiItemOp } from "@zab/core";
import { type ConfigLayout, historyEntryName } from "./config-layout.js";

/** What a write read of one store before deciding. @internal */
export interface StoreReading {
  /** The store's znodes. */
  readonly layout: ConfigLayout;
  /** The value znode's data and version, or `undefined` when it does not exist. */
  readonly value: { readonly data: Uint8Array; readonly version: number } | undefined;
  /**
   * The versions of the history entries, or `undefined` when the store is not laid out yet (no
   * history znode: a new store, or a plain znode adopted as one).
   */
  readonly history: readonly number[] | undefined;
}

/** One store's part of a write. @internal */
export interface StoreWrite {
  /** What was read of the store. */
  readonly reading: StoreReading;
  /** The encoded new value. */
  readonly data: Uint8Array;
  /** How many versions the store keeps in history (at least 1: the current one). */
  readonly historyMax: number;
}

/** The multi of a write, and the version each store will have after it. @internal */
export interface ConfigWritePlan {
  /** The operations, guards first for each store. */
  readonly ops: readonly MultiItemOp[];
  /** The new version of each store, in the order of the writes. */
  readonly versions: readonly number[];
  /**
   * What a reading of each store would give once the multi applied, in the order of the writes:
   * the next write of a store can start from it without reading (its guard catches any other
   * writer that got in between).
   */
  readonly after: readonly StoreReading[];
}

/**
 * The most history entries one write deletes: a store whose `historyMax` was lowered sheds its
 * surplus over several writes rather than in one oversized multi.
 *
 * @internal
 */
export const HISTORY_TRIM_PER_WRITE_MAX = 16;

/**
 * The history entries to delete once `newVersion` is written: those that fall out of the window
 * of the `historyMax` newest versions, oldest first, at most {@link HISTORY_TRIM_PER_WRITE_MAX}.
 *
 * @internal
 */
export function decideHistoryTrim(input: {
  readonly versions: readonly number[];
  readonly newVersion: number;
  readonly historyMax: number;
}): readonly number[] {
  const { versions, newVersion, historyMax } = input;
  if (!Number.isSafeInteger(historyMax) || historyMax < 1)
    throw new RangeError(`bad historyMax ${historyMax}`);
  const oldestKept = newVersion - historyMax + 1;
  return versions
    .filter((version) => version < oldestKept)
    .sort((a, b) => a - b)
    .slice(0, HISTORY_TRIM_PER_WRITE_MAX);
}

/**
 * Decides the multi of a write to one or more stores, with its receipt.
 *
 * @remarks
 * Each store's first operation is its guard, so that the multi applies only over the state that
 * was read: `setData` conditioned on the version read, or `create` of a store that did not exist.
 * Every other operation (history entries, trims) is then consistent with the reading, because
 * every write of a store goes through such a multi. The receipt — an ephemeral znode with a name
 * never used before — goes last: after a lost connection, its existence says whether the multi
 * applied. `receiptsToDelete` are receipts of earlier writes already confirmed; deleting them
 * here costs no extra transaction.
 * @internal
 */
export function decideConfigWrite(input: {
  readonly writes: readonly StoreWrite[];
  readonly receiptPath: string;
  readonly receiptsToDelete: readonly string[];
}): ConfigWritePlan {
  const { writes } = input;
  if (writes.length === 0) throw new RangeError("a write needs at least one store");
  const paths = new Set(writes.map((write) => write.reading.layout.valuePath));
  if (paths.size !== writes.length) throw new RangeError("a write names the same store twice");
  const ops: MultiItemOp[] = [];
  const versions: number[] = [];
  const after: StoreReading[] = [];
  for (const write of writes) {
    const { layout, value, history } = write.reading;
    const newVersion = value === undefined ? 0 : value.version + 1;
    versions.push(newVersion);
    if (value === undefined) {
      ops.push(create(layout.valuePath, write.data));
    } else {
      ops.push({ op: "setData", path: layout.valuePath, data: write.data, version: value.version });
    }
    if (history === undefined) {
      ops.push(create(layout.historyPath, EMPTY), create(layout.receiptsPath, EMPTY));
    }
    ops.push(create(`${layout.historyPath}/${historyEntryName(newVersion)}`, write.data));
    const trimmed = decideHistoryTrim({ versions: history ?? [], newVersion, historyMax: write.historyMax });
    for (const version of trimmed) {
      ops.push({ op: "delete", path: `${layout.historyPath}/${historyEntryName(version)}`, version: -1 });
    }
    const kept = (history ?? []).filter((version) => !trimmed.includes(version));
    after.push({ layout, value: { data: write.data, version: newVersion }, history: [...kept, newVersion] });
  }
  ops.push({ op: "create", path: input.receiptPath, data: EMPTY, mode: "ephemeral", ttlMs: 0 });
  for (const path of input.receiptsToDelete) ops.push({ op: "delete", path, version: -1 });
  return { ops, versions, after };
}

const EMPTY = new Uint8Array(0);

function create(path: string, data: Uint8Array): MultiItemOp {
  return { op: "create", path, data, mode: "persistent", ttlMs: 0 };
}
