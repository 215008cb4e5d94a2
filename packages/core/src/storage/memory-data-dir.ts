/**
 * The memory twin of a data directory, for the deterministic simulator: the "disk" that outlives
 * a crash of the member using it.
 *
 * @module
 */
import { assert } from "../assert.js";
import { ZabError } from "../errors.js";
import type { Txn } from "../protocol/messages.js";
import { ZXID_ZERO, type Zxid } from "../protocol/zxid.js";
import type { FailStop } from "./fail-stop.js";

/**
 * Options of a {@link MemoryDataDir}.
 *
 * @since 0.1.0
 */
export interface MemoryDataDirOptions {
  /**
   * When durable writes (log sync, truncation, rebase, purge, epoch writes, snapshot saves and
   * purges) complete. `"immediate"` (the default): during the call, so their promises resolve on
   * the next microtask. `"manual"`: they queue until {@link MemoryDataDir.completeIo}, so a
   * simulator can crash the member while writes are in flight and catch a driver that acts
   * before its write is durable.
   */
  readonly ioCompletion?: "immediate" | "manual";
}

/**
 * Options of {@link MemoryDataDir.crash}.
 *
 * @since 0.1.0
 */
export interface MemoryCrashOptions {
  /**
   * How many of the records appended but not yet synced reach the disk anyway, oldest first: a
   * page cache partly flushed before the power went. Default 0. Values above the number of such
   * records keep them all.
   */
  readonly unsyncedRecordsKept?: number;
}

interface PendingIo {
  readonly apply: () => void;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * What the memory disk holds, shared with the memory storage built on it.
 *
 * @internal
 */
export interface MemoryDiskState {
  /** The zxid the log's first record follows. */
  logBaseZxid: Zxid;
  /** Records that survive a crash, in zxid order. */
  durableRecords: Txn[];
  /** Records appended after the durable ones and not synced yet: the page cache. */
  unsyncedRecords: Txn[];
  readonly snapshots: Map<Zxid, Uint8Array>;
  /** Raw text of the epoch files, by file name (leftover `.tmp` files included). */
  readonly epochFiles: Map<string, string>;
  readonly ioCompletion: "immediate" | "manual";
  pendingIo: PendingIo[];
  failNextIo: boolean;
  /** The open storage, which holds the "lock". */
  session: MemorySession | undefined;
}

/**
 * One opening of a memory disk, until it is closed or crashes.
 *
 * @internal
 */
export interface MemorySession {
  readonly failStop: FailStop;
}

const states = new WeakMap<MemoryDataDir, MemoryDiskState>();

/**
 * A data directory in memory: durable state, a page cache of unsynced log records, and a queue of
 * writes in flight. Open it with `openMemoryStorage`; {@link MemoryDataDir.crash} models power
 * loss.
 *
 * @remarks
 * Deterministic by construction: no timers, no randomness; every choice (how many unsynced
 * records survive, which writes complete) is the caller's. Promises resolve on microtasks only.
 * @example
 * ```ts
 * import { MemoryDataDir, openMemoryStorage, epoch, zxid } from "@zab/core";
 *
 * const disk = new MemoryDataDir();
 * const { storage } = openMemoryStorage(disk);
 * storage.log.append([{ zxid: zxid(epoch(1), 1), payload: new Uint8Array([1]) }]);
 * disk.crash(); // the record was never synced: it is gone
 * const { recovery } = openMemoryStorage(disk);
 * recovery.lastLoggedZxid; // 0n
 * ```
 * @since 0.1.0
 */
export class MemoryDataDir {
  /**
   * Raw text of the epoch files by name: `acceptedEpoch`, `currentEpoch`, and any leftover
   * `acceptedEpoch.tmp`/`currentEpoch.tmp`. Fault injectors may edit it while no storage is open,
   * to exercise the epoch rule of {@link EpochStore}.
   */
  readonly epochFiles: Map<string, string>;

  /**
   * @param options - When writes complete; see {@link MemoryDataDirOptions}.
   */
  constructor(options: MemoryDataDirOptions = {}) {
    this.epochFiles = new Map();
    states.set(this, {
      logBaseZxid: ZXID_ZERO,
      durableRecords: [],
      unsyncedRecords: [],
      snapshots: new Map(),
      epochFiles: this.epochFiles,
      ioCompletion: options.ioCompletion ?? "immediate",
      pendingIo: [],
      failNextIo: false,
      session: undefined,
    });
  }

  /** Writes in flight (always 0 with `ioCompletion: "immediate"`). */
  get pendingIoCount(): number {
    return memoryDiskState(this).pendingIo.length;
  }

  /**
   * Completes the oldest writes in flight, in the order they were issued, and resolves their
   * promises.
   *
   * @param countMax - How many to complete at most; all by default.
   * @returns How many were completed.
   */
  completeIo(countMax: number = Number.POSITIVE_INFINITY): number {
    const state = memoryDiskState(this);
    let completed = 0;
    // Bounded by countMax and by the queue, which completing never grows.
    while (completed < countMax) {
      const io = state.pendingIo.shift();
      if (io === undefined) break;
      io.apply();
      io.resolve();
      completed++;
    }
    return completed;
  }

  /**
   * Crashes the member using this disk (power loss): unsynced log records are lost except the
   * first `unsyncedRecordsKept`; writes in flight are lost and their promises reject with code
   * `"Closed"`; the open storage becomes unusable (code `"Closed"`) and the disk can be opened
   * again.
   *
   * @param options - How much of the page cache survives.
   * @throws {@link AssertionError} when `unsyncedRecordsKept` is not a non-negative integer.
   */
  crash(options: MemoryCrashOptions = {}): void {
    const kept = options.unsyncedRecordsKept ?? 0;
    assert(
      Number.isInteger(kept) && kept >= 0,
      `unsyncedRecordsKept must be a non-negative integer, got ${kept}`,
    );
    const state = memoryDiskState(this);
    state.durableRecords.push(...state.unsyncedRecords.slice(0, kept));
    state.unsyncedRecords = [];
    const lost = state.pendingIo;
    state.pendingIo = [];
    state.session?.failStop.close("the member crashed");
    state.session = undefined;
    for (const io of lost)
      io.reject(new ZabError("Closed", "the member crashed before this write completed"));
  }

  /** Makes the next durable write fail as with EIO, which fails the open storage (fail-stop). */
  injectIoFailure(): void {
    memoryDiskState(this).failNextIo = true;
  }
}

/**
 * The state behind a {@link MemoryDataDir}.
 *
 * @param disk - The disk.
 * @returns Its state, shared, not copied.
 * @internal
 */
export function memoryDiskState(disk: MemoryDataDir): MemoryDiskState {
  const state = states.get(disk);
  assert(state !== undefined, "not a MemoryDataDir");
  return state;
}

/**
 * Issues a durable write on the memory disk: `apply` runs when it completes (at once, or at
 * {@link MemoryDataDir.completeIo}).
 *
 * @param state - The disk.
 * @param apply - The write's effect on the disk.
 * @returns Resolves when the write is durable.
 * @internal
 */
export function submitIo(state: MemoryDiskState, apply: () => void): Promise<void> {
  if (state.failNextIo) {
    state.failNextIo = false;
    return Promise.reject(Object.assign(new Error("EIO: injected I/O error"), { code: "EIO" }));
  }
  if (state.ioCompletion === "immediate") {
    apply();
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    state.pendingIo.push({ apply, resolve, reject });
  });
}
