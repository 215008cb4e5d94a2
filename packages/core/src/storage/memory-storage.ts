/**
 * The memory twin of file storage, for the deterministic simulator: same ports, same recovery
 * rules, over a {@link MemoryDataDir} that outlives crashes.
 *
 * @module
 */
import { ZabError } from "../errors.js";
import type { OpenedStorage, RecoveryEvent, Storage } from "../ports/storage.js";
import { compareZxid } from "../protocol/zxid.js";
import { ComposedStorage } from "./composed-storage.js";
import { EPOCH_NAMES, formatEpochText, resolveEpochs } from "./epoch-rule.js";
import { FailStop } from "./fail-stop.js";
import { TMP_SUFFIX } from "./file-names.js";
import { type MemoryDataDir, type MemorySession, memoryDiskState, submitIo } from "./memory-data-dir.js";
import { MemorySnapshotStore } from "./memory-snapshot-store.js";
import { MemoryTxnLog } from "./memory-txn-log.js";
import { decideLogStart } from "./recovery-rule.js";
import { SerialEpochStore } from "./serial-epoch-store.js";
import { SNAPSHOTS_RETAINED_DEFAULT } from "./snapshot-retention.js";

/**
 * Options of {@link openMemoryStorage}.
 *
 * @since 0.1.0
 */
export interface MemoryStorageOptions {
  /** How many snapshots {@link Storage.purge} keeps; at least 1. Default 3, as for file storage. */
  readonly snapshotsRetained?: number;
}

/**
 * Opens a memory data directory and recovers its state, with the rules of `openFileStorage`
 * (the epoch rule, the snapshot/log join, finishing an interrupted snapshot install).
 *
 * @remarks
 * Synchronous, so a simulator can restart a member within one step. Recovery's own repairs are
 * applied at once, whatever the disk's `ioCompletion`. There are no torn records in memory: a
 * crash keeps or loses whole records ({@link MemoryDataDir.crash}).
 * @param disk - The disk.
 * @param options - Settings.
 * @returns The storage and the recovery report.
 * @throws {@link ZabError} with code `"Locked"` when a storage is already open on `disk` (close
 *   or crash it first); `"Corrupt"` when the epoch files break the epoch rule; `"Invalid"` for a
 *   bad option.
 * @since 0.1.0
 */
export function openMemoryStorage(disk: MemoryDataDir, options: MemoryStorageOptions = {}): OpenedStorage {
  const snapshotsRetained = options.snapshotsRetained ?? SNAPSHOTS_RETAINED_DEFAULT;
  if (!Number.isInteger(snapshotsRetained) || snapshotsRetained < 1) {
    throw new ZabError(
      "Invalid",
      `snapshotsRetained must be an integer of at least 1, got ${snapshotsRetained}`,
    );
  }
  const state = memoryDiskState(disk);
  if (state.session !== undefined) {
    throw new ZabError(
      "Locked",
      "the memory data directory is already open; close or crash its storage first",
    );
  }

  // Checks. Nothing here changes the disk.
  const snapshotZxid = [...state.snapshots.keys()].sort(compareZxid).at(-1);
  const snapshotData = snapshotZxid === undefined ? undefined : state.snapshots.get(snapshotZxid);
  const logLastZxid = state.durableRecords.at(-1)?.zxid ?? state.logBaseZxid;
  const { rebaseTo } = decideLogStart({
    snapshotZxid,
    skipped: [],
    logBaseZxid: state.logBaseZxid,
    logLastZxid,
    where: "memory data directory",
  });
  const hasHistory = state.snapshots.size > 0 || state.durableRecords.length > 0 || state.logBaseZxid > 0n;
  const files = state.epochFiles;
  const content = (name: string) => ({ text: files.get(name), tmpText: files.get(name + TMP_SUFFIX) });
  const epochs = resolveEpochs({
    acceptedEpoch: content("acceptedEpoch"),
    currentEpoch: content("currentEpoch"),
    hasHistory,
    fileOf: (name) => name,
  });
  const brandNew =
    !hasHistory && EPOCH_NAMES.every((name) => !files.has(name) && !files.has(name + TMP_SUFFIX));

  // Repairs.
  const events: RecoveryEvent[] = [...epochs.events];
  for (const repair of epochs.repairs) {
    if (repair.write !== undefined) files.set(repair.name, formatEpochText(repair.write));
    files.delete(repair.name + TMP_SUFFIX);
  }
  // A crash or close emptied the page cache; whatever is left belongs to no one.
  state.unsyncedRecords = [];
  if (rebaseTo !== undefined) {
    state.durableRecords = [];
    state.logBaseZxid = rebaseTo;
    events.push({ kind: "logRebased", zxid: rebaseTo });
  }

  const failStop = new FailStop();
  const session: MemorySession = { failStop };
  state.session = session;
  const log = new MemoryTxnLog({ state, session });
  const snapshots = new MemorySnapshotStore({ state, failStop });
  const epochStore = new SerialEpochStore({
    acceptedEpoch: epochs.acceptedEpoch,
    currentEpoch: epochs.currentEpoch,
    persist: (name, epoch) =>
      submitIo(state, () => {
        files.set(name, formatEpochText(epoch));
        files.delete(name + TMP_SUFFIX);
      }),
    failStop,
  });
  const storage: Storage = new ComposedStorage({
    log,
    snapshots,
    epochs: epochStore,
    snapshotsRetained,
    failStop,
    release: async () => {
      await log.close();
      await snapshots.idle();
      await epochStore.idle();
      // A crash may have ended this session already, and the disk may be open again since.
      if (state.session === session) state.session = undefined;
    },
  });
  return {
    storage,
    recovery: {
      brandNew,
      snapshot:
        snapshotZxid === undefined || snapshotData === undefined
          ? undefined
          : { zxid: snapshotZxid, data: snapshotData.slice() },
      snapshotsSkipped: [],
      lastLoggedZxid: log.lastZxid(),
      acceptedEpoch: epochs.acceptedEpoch,
      currentEpoch: epochs.currentEpoch,
      events,
    },
  };
}
