/**
 * The byte layout of a snapshot file, and its checks.
 *
 * ```
 * offset  size  field
 *      0     4  magic "ZABS"
 *      4     2  format version (1)
 *      6     2  flags (0)
 *      8     8  zxid: the last transaction the snapshot includes
 *     16     8  dataBytes
 *     24     4  crc32 of bytes 0 .. 24 followed by the data
 *     28     n  data
 * ```
 *
 * The zxid is stored as well as carried in the file name, and the two must agree: a snapshot
 * renamed or copied under another name is rejected rather than replayed at the wrong point.
 *
 * @internal
 * @module
 */
import { crc32 } from "node:zlib";
import { formatZxid, type Zxid } from "../protocol/zxid.js";

/**
 * Bytes before a snapshot's data.
 *
 * @internal
 */
export const SNAPSHOT_HEADER_BYTES = 28;

const SNAPSHOT_MAGIC = 0x5a414253; // "ZABS"
const SNAPSHOT_FORMAT_VERSION = 1;

/**
 * Encodes the header of a snapshot of `data` at `zxid`; the data follows it in the file.
 *
 * @param zxid - The snapshot's zxid.
 * @param data - The serialized state (read, not kept).
 * @returns The header bytes.
 * @internal
 */
export function encodeSnapshotHeader(zxid: Zxid, data: Uint8Array): Uint8Array {
  const header = new Uint8Array(SNAPSHOT_HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint32(0, SNAPSHOT_MAGIC);
  view.setUint16(4, SNAPSHOT_FORMAT_VERSION);
  view.setBigUint64(8, zxid);
  view.setBigUint64(16, BigInt(data.length));
  view.setUint32(24, crc32(data, crc32(header.subarray(0, 24))));
  return header;
}

/**
 * Checks a snapshot file and extracts its data.
 *
 * @param bytes - The whole file.
 * @param zxid - The zxid its name carries.
 * @returns The data (a view into `bytes`), or the reason the file is not a valid snapshot.
 * @internal
 */
export function decodeSnapshot(
  bytes: Uint8Array,
  zxid: Zxid,
): { readonly data: Uint8Array } | { readonly reason: string } {
  if (bytes.length < SNAPSHOT_HEADER_BYTES) {
    return { reason: `only ${bytes.length} bytes: the header is incomplete` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, SNAPSHOT_HEADER_BYTES);
  if (view.getUint32(0) !== SNAPSHOT_MAGIC) return { reason: "bad magic number" };
  const version = view.getUint16(4);
  if (version !== SNAPSHOT_FORMAT_VERSION) return { reason: `unsupported format version ${version}` };
  const dataBytes = view.getBigUint64(16);
  if (dataBytes !== BigInt(bytes.length - SNAPSHOT_HEADER_BYTES)) {
    return {
      reason: `the header says ${dataBytes} data bytes but the file holds ${bytes.length - SNAPSHOT_HEADER_BYTES} (truncated or extended)`,
    };
  }
  const data = bytes.subarray(SNAPSHOT_HEADER_BYTES);
  if (crc32(data, crc32(bytes.subarray(0, 24))) !== view.getUint32(24)) {
    return { reason: "checksum mismatch" };
  }
  const stored = view.getBigUint64(8) as Zxid;
  if (stored !== zxid) {
    return { reason: `the header says zxid ${formatZxid(stored)}, the file name ${formatZxid(zxid)}` };
  }
  return { data };
}
