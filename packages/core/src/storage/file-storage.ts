/**
 * File-backed storage for one member: opening a data directory runs start-up recovery.
 *
 * @module
 */
import { mkdir, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { ZabError } from "../errors.js";
import type { OpenedStorage, RecoveryEvent, Storage } from "../ports/storage.js";
import { ZXID_ZERO } from "../protocol/zxid.js";
import { ComposedStorage } from "./composed-storage.js";
import { acquireDirectoryLock, type DirectoryLock } from "./directory-lock.js";
import { fsyncDirectory, writeFileDurably } from "./durable-file.js";
import {
  EPOCH_NAMES,
  type EpochFileContent,
  type EpochName,
  formatEpochText,
  resolveEpochs,
} from "./epoch-rule.js";
import { FailStop } from "./fail-stop.js";
import { scanLog } from "./file-log-scan.js";
import { LOCK_FILE, parseSnapshotFileName, TMP_SUFFIX } from "./file-names.js";
import { FileSnapshotStore } from "./file-snapshot-store.js";
import { FileTxnLog, type FileTxnLogStats } from "./file-txn-log.js";
import { decideLogStart } from "./recovery-rule.js";
import { SerialEpochStore } from "./serial-epoch-store.js";
import { SNAPSHOTS_RETAINED_DEFAULT } from "./snapshot-retention.js";

/**
 * Options of {@link openFileStorage}. Every setting but `dir` has a default in
 * {@link fileStorageDefaults}.
 *
 * @since 0.1.0
 */
export interface FileStorageOptions {
  /** The data directory; created if missing. One member per directory. */
  readonly dir: string;
  /**
   * A log segment is rolled over once appending would take it past this many bytes (a single
   * larger record gets a segment of its own). From 256 to 2^32 bytes. Bigger segments mean
   * fewer files; smaller ones let purge free space sooner.
   */
  readonly segmentBytesMax?: number;
  /** How many snapshots {@link Storage.purge} keeps; at least 1. */
  readonly snapshotsRetained?: number;
}

/**
 * Defaults of {@link FileStorageOptions}: 64 MiB segments (ZooKeeper preallocates 64 MiB log
 * files), 3 snapshots kept (ZooKeeper's `autopurge.snapRetainCount`).
 *
 * @since 0.1.0
 */
export const fileStorageDefaults: Readonly<Required<Omit<FileStorageOptions, "dir">>> = Object.freeze({
  segmentBytesMax: 64 * 1024 * 1024,
  snapshotsRetained: SNAPSHOTS_RETAINED_DEFAULT,
});

const SEGMENT_BYTES_MIN = 256;
const SEGMENT_BYTES_LIMIT = 2 ** 32;

/**
 * A file-backed {@link Storage}, with counters of its log's work.
 *
 * @since 0.1.0
 */
export interface FileStorage extends Storage {
  /**
   * Counters since open: records appended, bytes written, group-commit batches and fdatasyncs.
   *
   * @returns A fresh object.
   */
  stats(): FileTxnLogStats;
}

/**
 * Opens (creating if needed) a data directory and recovers its state.
 *
 * @remarks
 * Start-up, in order: take the directory lock (a stale lock of a killed process is taken over);
 * validate every log segment record by record; load the newest valid snapshot, passing over
 * corrupt ones; check that the snapshot and the log join up; apply the epoch rule (see
 * {@link EpochStore}). Only when every check passed does it repair, each repair durable before the
 * next: leftover temp files removed, epoch files fixed, the torn final record of the log cut,
 * stale segments of an interrupted rebase removed, an interrupted snapshot install finished.
 * A refused start changes nothing on disk.
 *
 * Only a torn *final* record is cut: one that runs past the end of the last segment, or fails its
 * checksum with nothing valid after it. Any other damage refuses to start with an error naming
 * the file and byte offset: skipping a record could drop a transaction this member acknowledged.
 * @param options - The directory and settings.
 * @returns The storage and the recovery report; close the storage (or `await using` it) to
 *   release the directory.
 * @throws {@link ZabError} with code `"Locked"` when another live process (or this one) has the
 *   directory open; `"Corrupt"` naming the file (and byte offset) when stored data fails a check
 *   that is not a torn final record; `"Invalid"` for a bad option; `"StorageFailed"` on an I/O
 *   error.
 * @example
 * ```ts
 * import { openFileStorage, ZXID_ZERO } from "@zab/core";
 *
 * const { storage, recovery } = await openFileStorage({ dir: "/var/lib/zab/1" });
 * for (const event of recovery.events) console.warn("recovery:", event);
 * for await (const txn of storage.log.read({ fromExclusive: recovery.snapshot?.zxid ?? ZXID_ZERO })) {
 *   // apply committed txns to the data tree
 * }
 * await storage.close();
 * ```
 * @since 0.1.0
 */
export async function openFileStorage(options: FileStorageOptions): Promise<OpenedStorage<FileStorage>> {
  const segmentBytesMax = options.segmentBytesMax ?? fileStorageDefaults.segmentBytesMax;
  const snapshotsRetained = options.snapshotsRetained ?? fileStorageDefaults.snapshotsRetained;
  if (
    !Number.isInteger(segmentBytesMax) ||
    segmentBytesMax < SEGMENT_BYTES_MIN ||
    segmentBytesMax > SEGMENT_BYTES_LIMIT
  ) {
    throw new ZabError(
      "Invalid",
      `segmentBytesMax must be an integer from ${SEGMENT_BYTES_MIN} to 2^32, got ${segmentBytesMax}`,
    );
  }
  if (!Number.isInteger(snapshotsRetained) || snapshotsRetained < 1) {
    throw new ZabError(
      "Invalid",
      `snapshotsRetained must be an integer of at least 1, got ${snapshotsRetained}`,
    );
  }
  const failStop = new FailStop();
  const lock = await failStop.guard(`locking ${options.dir}`, async () => {
    await mkdir(options.dir, { recursive: true });
    return acquireDirectoryLock(options.dir);
  });
  try {
    return await failStop.guard(`recovery of ${lock.dir}`, () =>
      recover({ lock, failStop, segmentBytesMax, snapshotsRetained }),
    );
  } catch (error) {
    // The refusal is what the caller needs; failing to remove our own lock file must not hide it.
    await lock.release().catch(() => undefined);
    throw error;
  }
}

async function recover(settings: {
  readonly lock: DirectoryLock;
  readonly failStop: FailStop;
  readonly segmentBytesMax: number;
  readonly snapshotsRetained: number;
}): Promise<OpenedStorage<FileStorage>> {
  const { lock, failStop } = settings;
  const dir = lock.dir;
  const events: RecoveryEvent[] = [];
  if (lock.takenOver !== undefined) {
    events.push({ kind: "lockTakenOver", file: join(dir, LOCK_FILE), pid: lock.takenOver.pid });
  }
  // Sorted, so that repairs and their report come in a deterministic order.
  const names = (await readdir(dir)).sort();

  // Checks. Nothing here changes the directory.
  const scan = await scanLog(dir, names);
  const snapshots = new FileSnapshotStore({ dir, failStop });
  const { snapshot, skipped } = await snapshots.loadNewest();
  const hasSnapshotFiles = names.some((name) => parseSnapshotFileName(name) !== undefined);
  if (scan.segments.length === 0 && hasSnapshotFiles) {
    throw new ZabError("Corrupt", `${dir} holds snapshots but no log segment: the log was lost`, {
      path: dir,
    });
  }
  const logBaseZxid = scan.segments[0]?.header.prevZxid ?? ZXID_ZERO;
  const { rebaseTo } = decideLogStart({
    snapshotZxid: snapshot?.zxid,
    skipped,
    logBaseZxid,
    logLastZxid: scan.segments.at(-1)?.lastZxid ?? ZXID_ZERO,
    where: dir,
  });
  const hasHistory =
    hasSnapshotFiles || logBaseZxid > 0n || scan.segments.some((segment) => segment.recordCount > 0);
  const epochFiles = {
    acceptedEpoch: await readEpochFile(dir, "acceptedEpoch"),
    currentEpoch: await readEpochFile(dir, "currentEpoch"),
  };
  const epochs = resolveEpochs({ ...epochFiles, hasHistory, fileOf: (name) => join(dir, name) });

  // Repairs, each durable before the next.
  const epochTmps = new Set(EPOCH_NAMES.map((name) => name + TMP_SUFFIX));
  const leftovers = names.filter(
    (name) => name.endsWith(TMP_SUFFIX) && !epochTmps.has(name) && !name.startsWith(`${LOCK_FILE}.`),
  );
  for (const name of leftovers) {
    await unlink(join(dir, name));
    events.push({ kind: "tempFileRemoved", file: join(dir, name) });
  }
  if (leftovers.length > 0) await fsyncDirectory(dir);
  for (const repair of epochs.repairs) {
    if (repair.write !== undefined) {
      // Written through `<name>.tmp`, which also replaces a leftover tmp.
      await writeFileDurably(dir, repair.name, [encodeText(formatEpochText(repair.write))]);
    } else if (repair.removeTmp) {
      await unlink(join(dir, repair.name + TMP_SUFFIX));
      await fsyncDirectory(dir);
    }
  }
  events.push(...epochs.events);
  const opened = await FileTxnLog.open({ dir, scan, segmentBytesMax: settings.segmentBytesMax, failStop });
  events.push(...opened.events);
  const log = opened.log;
  if (rebaseTo !== undefined) {
    await log.rebase(rebaseTo);
    events.push({ kind: "logRebased", zxid: rebaseTo });
  }

  const epochStore = new SerialEpochStore({
    acceptedEpoch: epochs.acceptedEpoch,
    currentEpoch: epochs.currentEpoch,
    persist: (name, epoch) => writeFileDurably(dir, name, [encodeText(formatEpochText(epoch))]),
    failStop,
  });
  const storage = new FileStorageImpl({
    log,
    snapshots,
    epochs: epochStore,
    snapshotsRetained: settings.snapshotsRetained,
    failStop,
    release: async () => {
      try {
        await log.close();
        await snapshots.idle();
        await epochStore.idle();
      } finally {
        await lock.release();
      }
    },
  });
  const brandNew =
    !hasHistory &&
    Object.values(epochFiles).every((file) => file.text === undefined && file.tmpText === undefined);
  return {
    storage,
    recovery: {
      brandNew,
      snapshot,
      snapshotsSkipped: skipped,
      lastLoggedZxid: log.lastZxid(),
      acceptedEpoch: epochs.acceptedEpoch,
      currentEpoch: epochs.currentEpoch,
      events,
    },
  };
}

class FileStorageImpl extends ComposedStorage implements FileStorage {
  readonly #log: FileTxnLog;

  constructor(parts: ConstructorParameters<typeof ComposedStorage>[0] & { readonly log: FileTxnLog }) {
    super(parts);
    this.#log = parts.log;
  }

  stats(): FileTxnLogStats {
    return this.#log.stats();
  }
}

async function readEpochFile(dir: string, name: EpochName): Promise<EpochFileContent> {
  return {
    text: await readTextIfExists(join(dir, name)),
    tmpText: await readTextIfExists(join(dir, name + TMP_SUFFIX)),
  };
}

async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function encodeText(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
