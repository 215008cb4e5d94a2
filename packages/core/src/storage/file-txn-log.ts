/**
 * The file-backed {@link TxnLog}: segment files, group commit, crash-safe maintenance.
 *
 * Hot path: {@link FileTxnLog.append} encodes records into memory (no syscall). The first
 * {@link FileTxnLog.sync} caller starts one batch: one `writev` of every buffered record. The
 * segment is open with `O_DSYNC`, so that write returns only once its data is durable, as if an
 * `fdatasync` followed it: one trip through libuv's thread pool per batch instead of two (a write,
 * then an fdatasync), which shortens every commit and steadies the tail latency. Callers arriving
 * while a batch is in flight wait for it, and the next batch carries everything they appended
 * meanwhile, so N concurrent appenders cost about one sync per sync latency instead of N.
 *
 * Segments roll at `segmentBytesMax`: a batch that crosses the limit finishes its (durable)
 * writes to the old segment, creates the next one (named by its first zxid), writes to it and
 * fsyncs the directory, in that order, so a crash never leaves a later segment behind an
 * incomplete earlier one.
 *
 * @module
 */
import { constants } from "node:fs";
import { type FileHandle, open, unlink } from "node:fs/promises";
import { join } from "node:path";
import { assert } from "../assert.js";
import { ZabError } from "../errors.js";
import type { RecoveryEvent } from "../ports/storage.js";
import type { TxnLog, TxnLogReadRange } from "../ports/txn-log.js";
import type { Txn } from "../protocol/messages.js";
import { formatZxid, ZXID_ZERO, type Zxid } from "../protocol/zxid.js";
import { fsyncDirectory, readFileBytes, writeFileDurably, writeFully } from "./durable-file.js";
import type { FailStop } from "./fail-stop.js";
import type { LogScan } from "./file-log-scan.js";
import { segmentFileName } from "./file-names.js";
import { assertAppendOrder, assertTruncatePoint, resolveReadRange } from "./log-range.js";
import { encodeRecord } from "./log-record.js";
import {
  encodeSegmentHeader,
  SEGMENT_HEADER_BYTES,
  type SegmentHeader,
  segmentRecords,
} from "./log-segment.js";
import { SerialQueue } from "./serial-queue.js";

/**
 * Counters of the file log's work since it was opened.
 *
 * @since 0.1.0
 */
export interface FileTxnLogStats {
  /** Transactions appended. */
  readonly recordsAppended: number;
  /** Bytes written to segment files (records and segment headers). */
  readonly bytesWritten: number;
  /** Group-commit batches written. */
  readonly batchesWritten: number;
  /**
   * Times a batch was made durable: one per batch (its writes are `O_DSYNC`, each an implicit
   * fdatasync), plus one per segment rolled mid-batch.
   */
  readonly datasyncs: number;
}

/** A durable segment. Replaced, never mutated, so a reader can hold one while batches land. */
interface Segment {
  readonly name: string;
  readonly nameZxid: Zxid;
  readonly header: SegmentHeader;
  /** The last durable record's zxid, or `header.prevZxid` when none. */
  readonly lastZxid: Zxid;
  /** The durable size. */
  readonly bytes: number;
}

/** Records appended since the last batch started, for one segment. */
interface PendingChunk {
  /** Set when these records start a new segment. */
  readonly rollTo: { readonly nameZxid: Zxid; readonly prevZxid: Zxid } | undefined;
  readonly buffers: Uint8Array[];
  lastZxid: Zxid;
}

/**
 * The file-backed transaction log of one data directory.
 *
 * @internal
 */
export class FileTxnLog implements TxnLog {
  readonly #dir: string;
  readonly #segmentBytesMax: number;
  readonly #failStop: FailStop;
  // Batches and maintenance (truncate, rebase, purge) run one at a time, in call order.
  readonly #queue = new SerialQueue();
  #segments: readonly Segment[];
  #handle: FileHandle;
  #pending: PendingChunk[] = [];
  // Size and record presence of the active segment counting pending records: decides rolling.
  #activeBytes: number;
  #activeHasRecords: boolean;
  #lastZxid: Zxid;
  #durableZxid: Zxid;
  #flushing: Promise<void> | undefined;
  #maintenancePending = 0;
  #closing: Promise<void> | undefined;
  #stats = { recordsAppended: 0, bytesWritten: 0, batchesWritten: 0, datasyncs: 0 };

  private constructor(options: {
    readonly dir: string;
    readonly segmentBytesMax: number;
    readonly failStop: FailStop;
    readonly segments: readonly Segment[];
    readonly handle: FileHandle;
  }) {
    this.#dir = options.dir;
    this.#segmentBytesMax = options.segmentBytesMax;
    this.#failStop = options.failStop;
    this.#segments = options.segments;
    this.#handle = options.handle;
    const active = this.#active();
    this.#activeBytes = active.bytes;
    this.#activeHasRecords = active.lastZxid > active.header.prevZxid;
    this.#lastZxid = this.#durableZxid = active.lastZxid;
  }

  /**
   * Opens the log from a start-up scan, applying its repairs: cuts the torn tail, removes stale
   * segments, and creates the first segment of a brand-new directory.
   *
   * @param options - The directory, the scan, `segmentBytesMax` and the storage's fail-stop state.
   * @returns The log and the repairs made.
   * @throws {@link ZabError} with code `"StorageFailed"` when a repair fails.
   */
  static async open(options: {
    readonly dir: string;
    readonly scan: LogScan;
    readonly segmentBytesMax: number;
    readonly failStop: FailStop;
  }): Promise<{ readonly log: FileTxnLog; readonly events: readonly RecoveryEvent[] }> {
    const { dir, scan, failStop } = options;
    const events: RecoveryEvent[] = [];
    const segments: Segment[] = scan.segments.map((segment) => ({ ...segment }));
    const handle = await failStop.guard("transaction log recovery", async () => {
      const torn = scan.tornTail;
      if (torn !== undefined) {
        const file = join(dir, torn.name);
        if (torn.fileRemoved) {
          await unlink(file);
          await fsyncDirectory(dir);
        } else {
          const tornHandle = await open(file, "r+");
          try {
            await tornHandle.truncate(torn.offset);
            await tornHandle.datasync();
          } finally {
            await tornHandle.close();
          }
        }
        events.push({
          kind: "tornTailCut",
          file,
          offset: torn.offset,
          bytesRemoved: torn.bytesRemoved,
          fileRemoved: torn.fileRemoved,
        });
      }
      if (scan.staleNames.length > 0) {
        for (const name of scan.staleNames) await unlink(join(dir, name));
        await fsyncDirectory(dir);
        events.push({ kind: "staleSegmentsRemoved", files: scan.staleNames.map((name) => join(dir, name)) });
      }
      // A brand-new directory gets its first segment; a last segment the cut left empty, its name.
      const last = segments.pop();
      segments.push(
        last === undefined
          ? await createEmptySegment(dir, { prevZxid: ZXID_ZERO, historyStart: true })
          : await renameIfEmpty(dir, last),
      );
      return openForAppend(join(dir, lastOf(segments).name));
    });
    return { log: new FileTxnLog({ ...options, segments, handle }), events };
  }

  append(txns: readonly Txn[]): void {
    this.#checkUsable();
    assert(this.#maintenancePending === 0, "append while truncateAfter, rebase or purgeThrough is pending");
    assertAppendOrder(this.#lastZxid, txns);
    for (const txn of txns) {
      const record = encodeRecord(txn);
      let chunk = this.#pending.at(-1);
      if (this.#activeHasRecords && this.#activeBytes + record.length > this.#segmentBytesMax) {
        chunk = { rollTo: { nameZxid: txn.zxid, prevZxid: this.#lastZxid }, buffers: [], lastZxid: txn.zxid };
        this.#pending.push(chunk);
        this.#activeBytes = SEGMENT_HEADER_BYTES;
      } else if (chunk === undefined) {
        chunk = { rollTo: undefined, buffers: [], lastZxid: txn.zxid };
        this.#pending.push(chunk);
      }
      chunk.buffers.push(record);
      chunk.lastZxid = txn.zxid;
      this.#activeBytes += record.length;
      this.#activeHasRecords = true;
      this.#lastZxid = txn.zxid;
    }
    this.#stats.recordsAppended += txns.length;
  }

  async sync(): Promise<Zxid> {
    this.#checkUsable();
    const target = this.#lastZxid;
    // Group commit: whoever finds no batch in flight starts one; everyone else waits for it and
    // loops, so records appended during a batch leave together in the next one. The second
    // bound stops the loop when a truncation removed records this caller had appended.
    while (this.#durableZxid < target && this.#durableZxid < this.#lastZxid) {
      this.#flushing ??= this.#queue
        .run(() => this.#flush())
        .finally(() => {
          this.#flushing = undefined;
        });
      await this.#flushing;
    }
    return this.#durableZxid;
  }

  truncateAfter(zxid: Zxid): Promise<void> {
    assertTruncatePoint(zxid, this.baseZxid());
    return this.#maintain(async () => {
      await this.#flush();
      if (zxid >= this.#durableZxid) return;
      await this.#failStop.guard("transaction log truncation", () => this.#truncateDurable(zxid));
    });
  }

  rebase(zxid: Zxid): Promise<void> {
    assert(
      zxid >= this.#lastZxid,
      `rebase: ${formatZxid(zxid)} is below the last zxid ${formatZxid(this.#lastZxid)}`,
    );
    return this.#maintain(async () => {
      await this.#flush();
      await this.#failStop.guard("transaction log rebase", async () => {
        await this.#handle.close();
        // The new segment is flagged as the history's start and made durable before the old
        // ones go, so a crash in between leaves them stale (removed at start-up), not live.
        const fresh = await createEmptySegment(this.#dir, { prevZxid: zxid, historyStart: true });
        for (const segment of this.#segments) {
          if (segment.name !== fresh.name) await unlink(join(this.#dir, segment.name));
        }
        await fsyncDirectory(this.#dir);
        this.#resetTo([fresh], await openForAppend(join(this.#dir, fresh.name)));
      });
    });
  }

  purgeThrough(zxid: Zxid): Promise<void> {
    assert(zxid <= this.#durableZxid, `purgeThrough: ${formatZxid(zxid)} is past the last durable zxid`);
    return this.#maintain(() =>
      this.#failStop.guard("transaction log purge", async () => {
        const segments = this.#segments;
        // A segment can go when the next one starts at or before `zxid`: all its records are
        // covered. The active (last) segment always stays. Oldest first, so a crash leaves a
        // suffix that still chains.
        let purged = 0;
        for (const [index, segment] of segments.entries()) {
          const next = segments[index + 1];
          if (next === undefined || next.header.prevZxid > zxid) break;
          await unlink(join(this.#dir, segment.name));
          purged++;
        }
        if (purged === 0) return;
        await fsyncDirectory(this.#dir);
        this.#segments = segments.slice(purged);
      }),
    );
  }

  read(range: TxnLogReadRange): AsyncIterable<Txn> {
    this.#checkUsable();
    const resolved = resolveReadRange(range, {
      baseZxid: this.baseZxid(),
      lastDurableZxid: this.#durableZxid,
    });
    return this.#records(this.#segments, resolved.fromExclusive, resolved.toInclusive);
  }

  lastZxid(): Zxid {
    return this.#lastZxid;
  }

  lastDurableZxid(): Zxid {
    return this.#durableZxid;
  }

  baseZxid(): Zxid {
    return this.#first().header.prevZxid;
  }

  /** Counters since open. */
  stats(): FileTxnLogStats {
    return { ...this.#stats };
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Batches and maintenance already queued fail with "Closed" (#checkUsable); the one in flight
      // completes. Records never written are dropped, as the contract says.
      await this.#queue.idle();
      this.#pending = [];
      await this.#handle.close();
    })();
    return this.#closing;
  }

  #checkUsable(): void {
    this.#failStop.check();
    if (this.#closing !== undefined) throw new ZabError("Closed", "the transaction log is closed");
  }

  async #maintain(step: () => Promise<void>): Promise<void> {
    this.#maintenancePending++;
    try {
      await this.#queue.run(async () => {
        this.#checkUsable();
        await step();
      });
    } finally {
      this.#maintenancePending--;
    }
  }

  /** Writes and fdatasyncs every pending record: one batch. Runs inside the queue. */
  async #flush(): Promise<void> {
    this.#checkUsable();
    const chunks = this.#pending;
    const lastChunk = chunks.at(-1);
    if (lastChunk === undefined) return;
    this.#pending = [];
    await this.#failStop.guard("transaction log write", async () => {
      const segments = [...this.#segments];
      let active = lastOf(segments);
      let rolled = false;
      let dirty = false;
      for (const chunk of chunks) {
        let buffers: readonly Uint8Array[] = chunk.buffers;
        if (chunk.rollTo !== undefined) {
          // The old segment is durable before the next one exists (see module comment): its
          // writes were O_DSYNC.
          if (dirty) this.#stats.datasyncs++;
          await this.#handle.close();
          const header: SegmentHeader = { prevZxid: chunk.rollTo.prevZxid, historyStart: false };
          const name = segmentFileName(chunk.rollTo.nameZxid);
          this.#handle = await openForAppend(join(this.#dir, name), { create: true });
          active = { name, nameZxid: chunk.rollTo.nameZxid, header, lastZxid: header.prevZxid, bytes: 0 };
          segments.push(active);
          buffers = [encodeSegmentHeader(header), ...chunk.buffers];
          rolled = true;
        }
        const written = await writeFully(this.#handle, buffers, active.bytes);
        this.#stats.bytesWritten += written;
        active = { ...active, lastZxid: chunk.lastZxid, bytes: active.bytes + written };
        segments[segments.length - 1] = active;
        dirty = true;
      }
      // Durable already: the writes were O_DSYNC.
      this.#stats.datasyncs++;
      if (rolled) await fsyncDirectory(this.#dir);
      this.#segments = segments;
      this.#durableZxid = lastChunk.lastZxid;
      this.#stats.batchesWritten++;
    });
  }

  /** Removes every durable record above `zxid`. Runs inside the queue, after a flush. */
  async #truncateDurable(zxid: Zxid): Promise<void> {
    const segments = this.#segments;
    // Segments named above `zxid` hold only records above it; the first segment always stays.
    const keptCount = Math.max(1, segments.filter((segment) => segment.nameZxid <= zxid).length);
    await this.#handle.close();
    // Newest first, so a crash part-way leaves a prefix of the log that still chains.
    for (const segment of segments.slice(keptCount).reverse()) await unlink(join(this.#dir, segment.name));
    if (keptCount < segments.length) await fsyncDirectory(this.#dir);

    let last = segments[keptCount - 1];
    assert(last !== undefined, "truncateAfter: no segment left");
    const file = join(this.#dir, last.name);
    let cut = SEGMENT_HEADER_BYTES;
    let lastZxid = last.header.prevZxid;
    for (const record of segmentRecords((await readFileBytes(file)).subarray(0, last.bytes), file)) {
      if (record.zxid > zxid) break;
      cut = record.end;
      lastZxid = record.zxid;
    }
    const handle = await open(file, "r+");
    try {
      await handle.truncate(cut);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    last = await renameIfEmpty(this.#dir, { ...last, lastZxid, bytes: cut });
    this.#resetTo(
      [...segments.slice(0, keptCount - 1), last],
      await openForAppend(join(this.#dir, last.name)),
    );
  }

  #resetTo(segments: readonly Segment[], handle: FileHandle): void {
    this.#segments = segments;
    this.#handle = handle;
    const active = this.#active();
    this.#activeBytes = active.bytes;
    this.#activeHasRecords = active.lastZxid > active.header.prevZxid;
    this.#lastZxid = this.#durableZxid = active.lastZxid;
  }

  async *#records(segments: readonly Segment[], fromExclusive: Zxid, toInclusive: Zxid): AsyncGenerator<Txn> {
    for (const segment of segments) {
      if (segment.lastZxid <= fromExclusive) continue;
      if (segment.header.prevZxid >= toInclusive) return;
      const file = join(this.#dir, segment.name);
      // Only the durable prefix: bytes past it may belong to a batch still being written.
      const bytes = await this.#failStop.guard("transaction log read", async () =>
        (await readFileBytes(file)).subarray(0, segment.bytes),
      );
      for (const record of segmentRecords(bytes, file)) {
        if (record.zxid <= fromExclusive) continue;
        if (record.zxid > toInclusive) return;
        // A copy, so the caller's txn does not pin the whole segment buffer.
        yield { zxid: record.zxid, payload: record.payload.slice() };
      }
    }
  }

  #first(): Segment {
    const first = this.#segments[0];
    assert(first !== undefined, "the log has no segment");
    return first;
  }

  #active(): Segment {
    return lastOf(this.#segments);
  }
}

function lastOf(segments: readonly Segment[]): Segment {
  const last = segments.at(-1);
  assert(last !== undefined, "the log has no segment");
  return last;
}

/**
 * Gives a segment without records the name of the lowest zxid it may hold (prevZxid + 1), so
 * that records appended next are never below its name (a cut or a truncation can empty a segment
 * named after a later first record). Replaces it crash-safely: a crash before the old file is
 * removed leaves two segments that chain (both end at prevZxid), and start-up renames again.
 */
async function renameIfEmpty(dir: string, segment: Segment): Promise<Segment> {
  const lowest = (segment.header.prevZxid + 1n) as Zxid;
  if (segment.lastZxid !== segment.header.prevZxid || segment.nameZxid === lowest) return segment;
  const replacement = await createEmptySegment(dir, segment.header);
  await unlink(join(dir, segment.name));
  await fsyncDirectory(dir);
  return replacement;
}

/** Creates an empty segment crash-safely, named after the lowest zxid it may hold. */
async function createEmptySegment(dir: string, header: SegmentHeader): Promise<Segment> {
  const nameZxid = (header.prevZxid + 1n) as Zxid;
  const name = segmentFileName(nameZxid);
  await writeFileDurably(dir, name, [encodeSegmentHeader(header)]);
  return { name, nameZxid, header, lastZxid: header.prevZxid, bytes: SEGMENT_HEADER_BYTES };
}

/**
 * Opens a segment for appending with `O_DSYNC`: each write returns once its data is durable.
 *
 * @param file - The segment's path.
 * @param options - `create`: the file must not exist yet (an existing one would mean the history
 *   went wrong).
 */
function openForAppend(file: string, options: { readonly create?: boolean } = {}): Promise<FileHandle> {
  const flags = constants.O_WRONLY | constants.O_DSYNC;
  return open(file, options.create === true ? flags | constants.O_CREAT | constants.O_EXCL : flags);
}
