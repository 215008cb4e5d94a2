/**
 * The start-up scan of a data directory's log segments: reads and validates, changes nothing.
 *
 * Every segment after the last one that starts the history (see `log-segment.ts`) is validated
 * record by record, and the segments must chain: each continues exactly where the previous one
 * ended. Segments before that start are leftovers of an interrupted rebase, reported as stale.
 *
 * @internal
 * @module
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import { ZabError } from "../errors.js";
import { formatZxid, type Zxid } from "../protocol/zxid.js";
import { readFileBytes } from "./durable-file.js";
import { parseSegmentFileName } from "./file-names.js";
import { decodeSegmentHeader, SEGMENT_HEADER_BYTES, type SegmentHeader, scanSegment } from "./log-segment.js";

/**
 * A validated segment.
 *
 * @internal
 */
export interface ScannedSegment {
  /** The file name (not the path). */
  readonly name: string;
  /** The zxid the name carries: the lowest one the segment may hold. */
  readonly nameZxid: Zxid;
  readonly header: SegmentHeader;
  /** The last record's zxid, or `header.prevZxid` when the segment holds none. */
  readonly lastZxid: Zxid;
  /** The size of the valid content. */
  readonly bytes: number;
  readonly recordCount: number;
}

/**
 * A torn final record (or torn new segment) found by the scan, to cut.
 *
 * @internal
 */
export interface TornTail {
  /** The segment's file name. */
  readonly name: string;
  readonly offset: number;
  readonly bytesRemoved: number;
  /** The whole file is torn (its header included): remove it. */
  readonly fileRemoved: boolean;
}

/**
 * Everything the scan found.
 *
 * @internal
 */
export interface LogScan {
  /** The live segments, in history order; the torn tail already excluded. */
  readonly segments: readonly ScannedSegment[];
  /** Segments before the last history start, to remove. */
  readonly staleNames: readonly string[];
  readonly tornTail: TornTail | undefined;
}

/**
 * Scans and validates the log segments among `names`.
 *
 * @param dir - The data directory.
 * @param names - Its entries.
 * @returns What the log holds.
 * @throws {@link ZabError} with code `"Corrupt"` naming the file (and byte offset) for any damage
 *   other than a torn final record, and for segments that do not chain.
 * @internal
 */
export async function scanLog(dir: string, names: readonly string[]): Promise<LogScan> {
  const entries = names
    .flatMap((name) => {
      const nameZxid = parseSegmentFileName(name);
      return nameZxid === undefined ? [] : [{ name, nameZxid }];
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));

  // Only the headers decide which segments are live, so a damaged stale segment (about to be
  // removed) does not stop start-up.
  let liveFrom = 0;
  for (const [index, entry] of entries.entries()) {
    if ((await readHeader(join(dir, entry.name)))?.historyStart) liveFrom = index;
  }

  const segments: ScannedSegment[] = [];
  let tornTail: TornTail | undefined;
  for (const [index, entry] of entries.entries()) {
    if (index < liveFrom) continue;
    const file = join(dir, entry.name);
    const scan = scanSegment(await readFileBytes(file), {
      file,
      nameZxid: entry.nameZxid,
      isLast: index === entries.length - 1,
    });
    // An empty last file is a segment whose creation the crash interrupted before a byte was
    // written: torn too, and it must go, or the next roll to that name would find it in the way.
    if (scan.tornBytes > 0 || scan.header === undefined) {
      tornTail = {
        name: entry.name,
        offset: scan.validBytes,
        bytesRemoved: scan.tornBytes,
        fileRemoved: scan.header === undefined,
      };
    }
    if (scan.header === undefined) continue;
    const previous = segments.at(-1);
    if (previous !== undefined && scan.header.prevZxid !== previous.lastZxid) {
      throw new ZabError(
        "Corrupt",
        `corrupt transaction log ${file}: it continues after ${formatZxid(scan.header.prevZxid)} but ${join(dir, previous.name)} ends at ${formatZxid(previous.lastZxid)} (a segment is missing or misplaced)`,
        { path: file },
      );
    }
    segments.push({
      name: entry.name,
      nameZxid: entry.nameZxid,
      header: scan.header,
      lastZxid: scan.lastZxid,
      bytes: scan.validBytes,
      recordCount: scan.recordCount,
    });
  }
  return { segments, staleNames: entries.slice(0, liveFrom).map((entry) => entry.name), tornTail };
}

async function readHeader(file: string): Promise<SegmentHeader | undefined> {
  const handle = await open(file, "r");
  try {
    const bytes = new Uint8Array(SEGMENT_HEADER_BYTES);
    const { bytesRead } = await handle.read(bytes, 0, SEGMENT_HEADER_BYTES, 0);
    return decodeSegmentHeader(bytes.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
