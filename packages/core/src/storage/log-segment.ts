/**
 * The byte layout of a transaction log segment file, and the start-up scan that validates one.
 *
 * A segment is a header followed by records (see `log-record.ts`):
 *
 * ```
 * offset  size  field
 *      0     4  magic "ZABL"
 *      4     2  format version (1)
 *      6     2  flags; bit 0: the segment starts the log's history (see below)
 *      8     8  prevZxid: the zxid of the record just before this segment's first one
 *     16     4  crc32 of bytes 0 .. 16
 * ```
 *
 * `prevZxid` chains the segments: each one must continue exactly where the one before it ended,
 * so a missing segment is detected instead of silently replaying a history with a hole. A segment
 * flagged as starting the history (a new data directory, or a rebase onto an installed snapshot)
 * makes every segment before it stale.
 *
 * @internal
 * @module
 */
import { crc32 } from "node:zlib";
import { ZabError } from "../errors.js";
import { formatZxid, type Zxid } from "../protocol/zxid.js";
import { decodeRecord, hasRecordFrom } from "./log-record.js";

/**
 * Bytes of a segment header.
 *
 * @internal
 */
export const SEGMENT_HEADER_BYTES = 20;

const SEGMENT_MAGIC = 0x5a41424c; // "ZABL"
const SEGMENT_FORMAT_VERSION = 1;
const FLAG_HISTORY_START = 1;

/**
 * The decoded header of a segment.
 *
 * @internal
 */
export interface SegmentHeader {
  /** The zxid of the record just before this segment's first one. */
  readonly prevZxid: Zxid;
  /** Whether this segment starts the log's history, making every earlier segment stale. */
  readonly historyStart: boolean;
}

/**
 * Encodes a segment header.
 *
 * @param header - The header.
 * @returns Its bytes.
 * @internal
 */
export function encodeSegmentHeader(header: SegmentHeader): Uint8Array {
  const bytes = new Uint8Array(SEGMENT_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, SEGMENT_MAGIC);
  view.setUint16(4, SEGMENT_FORMAT_VERSION);
  view.setUint16(6, header.historyStart ? FLAG_HISTORY_START : 0);
  view.setBigUint64(8, header.prevZxid);
  view.setUint32(16, crc32(bytes.subarray(0, 16)));
  return bytes;
}

/**
 * Decodes a segment header, if `bytes` start with a whole and valid one.
 *
 * @param bytes - At least the first {@link SEGMENT_HEADER_BYTES} bytes of a segment file.
 * @returns The header, or `undefined` when it is incomplete, fails its checksum or has another
 *   format version.
 * @internal
 */
export function decodeSegmentHeader(bytes: Uint8Array): SegmentHeader | undefined {
  if (bytes.length < SEGMENT_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, SEGMENT_HEADER_BYTES);
  if (view.getUint32(0) !== SEGMENT_MAGIC || view.getUint32(16) !== crc32(bytes.subarray(0, 16))) {
    return undefined;
  }
  if (view.getUint16(4) !== SEGMENT_FORMAT_VERSION) return undefined;
  return {
    prevZxid: view.getBigUint64(8) as Zxid,
    historyStart: (view.getUint16(6) & FLAG_HISTORY_START) !== 0,
  };
}

/**
 * What the start-up scan found in one segment.
 *
 * @internal
 */
export interface SegmentScan {
  /** The header, or `undefined` when the whole file is a torn write (only for the last segment). */
  readonly header: SegmentHeader | undefined;
  /** Valid records. */
  readonly recordCount: number;
  /** The last valid record's zxid, or `prevZxid` when there is none. */
  readonly lastZxid: Zxid;
  /** Where the valid content ends. */
  readonly validBytes: number;
  /** Bytes after `validBytes` that are a torn final record, to cut (0 when none). */
  readonly tornBytes: number;
}

function corrupt(file: string, offset: number, reason: string): ZabError {
  return new ZabError("Corrupt", `corrupt transaction log ${file} at byte offset ${offset}: ${reason}`, {
    path: file,
  });
}

/**
 * Validates a whole segment: header, every record's checksum, and strictly increasing zxids.
 *
 * @remarks
 * Only a torn final record of the last segment is tolerated: one that runs past the end of the
 * file, or that fails its checksum with no valid record anywhere after it (a zero-filled or
 * garbage tail). Anything else wrong is reported with the file and byte offset, never skipped.
 * @param bytes - The segment file's content.
 * @param segment - `file` (its path, for messages), `nameZxid` (the zxid its name carries) and
 *   `isLast` (whether it is the log's last segment).
 * @returns What the segment holds.
 * @throws {@link ZabError} with code `"Corrupt"` naming the file and byte offset.
 * @internal
 */
export function scanSegment(
  bytes: Uint8Array,
  segment: { readonly file: string; readonly nameZxid: Zxid; readonly isLast: boolean },
): SegmentScan {
  const { file, isLast } = segment;
  const torn = (offset: number): boolean => isLast && !hasRecordFrom(bytes, offset);
  const header = decodeSegmentHeader(bytes);
  if (header === undefined) {
    // A short header, or a damaged one with nothing valid after it, is the torn start of a
    // segment whose creation the crash interrupted.
    if (isLast && (bytes.length < SEGMENT_HEADER_BYTES || torn(0))) return tornWhole(bytes);
    throw corrupt(file, 0, badHeaderReason(bytes));
  }
  if (header.prevZxid >= segment.nameZxid) {
    throw corrupt(file, 8, `prevZxid ${formatZxid(header.prevZxid)} is not below the segment's name`);
  }

  let offset = SEGMENT_HEADER_BYTES;
  let lastZxid = header.prevZxid;
  let recordCount = 0;
  while (offset < bytes.length) {
    const record = decodeRecord(bytes, offset);
    if (record.kind !== "record") {
      if (torn(offset + 1)) {
        return { header, recordCount, lastZxid, validBytes: offset, tornBytes: bytes.length - offset };
      }
      const reason =
        record.kind === "incomplete"
          ? "the record runs past the end of the file"
          : "the record fails its checksum";
      throw corrupt(file, offset, isLast ? `${reason}, and a valid record follows it` : reason);
    }
    if (record.zxid <= lastZxid) {
      throw corrupt(
        file,
        offset,
        `zxid ${formatZxid(record.zxid)} is not above the previous ${formatZxid(lastZxid)}`,
      );
    }
    if (recordCount === 0 && record.zxid < segment.nameZxid) {
      throw corrupt(file, offset, `zxid ${formatZxid(record.zxid)} is below the segment's name`);
    }
    lastZxid = record.zxid;
    recordCount++;
    offset = record.end;
  }
  return { header, recordCount, lastZxid, validBytes: offset, tornBytes: 0 };
}

function badHeaderReason(bytes: Uint8Array): string {
  if (bytes.length < SEGMENT_HEADER_BYTES) return "the segment header is incomplete";
  const view = new DataView(bytes.buffer, bytes.byteOffset, SEGMENT_HEADER_BYTES);
  if (view.getUint32(0) === SEGMENT_MAGIC && view.getUint32(16) === crc32(bytes.subarray(0, 16))) {
    return `segment format version ${view.getUint16(4)} is not supported (this build reads ${SEGMENT_FORMAT_VERSION})`;
  }
  return "the segment header fails its magic number or checksum";
}

function tornWhole(bytes: Uint8Array): SegmentScan {
  return { header: undefined, recordCount: 0, lastZxid: 0n as Zxid, validBytes: 0, tornBytes: bytes.length };
}

/**
 * One record of an already validated segment.
 *
 * @internal
 */
export interface SegmentRecord {
  readonly offset: number;
  /** The offset after the record. */
  readonly end: number;
  readonly zxid: Zxid;
  /** A view into the segment's bytes. */
  readonly payload: Uint8Array;
}

/**
 * Walks the records of a segment's durable bytes, verifying each checksum again (the paired
 * check of the one computed on write).
 *
 * @param bytes - The segment's durable bytes, header included.
 * @param file - Its path, for messages.
 * @returns The records in order.
 * @throws {@link ZabError} with code `"Corrupt"` when a record no longer decodes (bytes rotted
 *   since start-up).
 * @internal
 */
export function* segmentRecords(bytes: Uint8Array, file: string): Generator<SegmentRecord> {
  let offset = SEGMENT_HEADER_BYTES;
  while (offset < bytes.length) {
    const record = decodeRecord(bytes, offset);
    if (record.kind !== "record") {
      throw corrupt(file, offset, `the record no longer decodes (${record.kind})`);
    }
    yield { offset, end: record.end, zxid: record.zxid, payload: record.payload };
    offset = record.end;
  }
}
