/**
 * The byte layout of one transaction log record, and its checksum.
 *
 * ```
 * offset  size  field
 *      0     4  crc32 (big-endian) of bytes 4 .. 16 + payloadBytes: length, zxid and payload
 *      4     4  payloadBytes (big-endian)
 *      8     8  zxid (big-endian)
 *     16     n  payload
 * ```
 *
 * The checksum covers the length too, so a flipped length bit is caught instead of sending the
 * reader to a wrong offset. A zero-filled region never decodes: the crc32 of zeros is not zero.
 *
 * @internal
 * @module
 */
import { crc32 } from "node:zlib";
import { assert } from "../assert.js";
import type { Txn } from "../protocol/messages.js";
import type { Zxid } from "../protocol/zxid.js";

/**
 * Bytes before the payload.
 *
 * @internal
 */
export const RECORD_HEADER_BYTES = 16;

/** The largest payload the 32-bit length field can describe. */
const RECORD_PAYLOAD_BYTES_MAX = 0xffff_ffff;

/**
 * Encodes a transaction as one record, in a fresh buffer the log then owns.
 *
 * @param txn - The transaction.
 * @returns The record bytes.
 * @throws {@link AssertionError} when the payload is too large for the length field.
 * @internal
 */
export function encodeRecord(txn: Txn): Uint8Array {
  assert(
    txn.payload.length <= RECORD_PAYLOAD_BYTES_MAX,
    `txn payload of ${txn.payload.length} bytes is too large`,
  );
  const record = new Uint8Array(RECORD_HEADER_BYTES + txn.payload.length);
  const view = new DataView(record.buffer);
  view.setUint32(4, txn.payload.length);
  view.setBigUint64(8, txn.zxid);
  record.set(txn.payload, RECORD_HEADER_BYTES);
  view.setUint32(0, crc32(record.subarray(4)));
  return record;
}

/**
 * The outcome of decoding at one offset.
 *
 * - `record`: a whole record whose checksum matches; `end` is the offset after it, `payload` a view
 *   into the input.
 * - `incomplete`: the bytes end before the header or the payload does.
 * - `checksum`: a whole record by its length field, whose checksum does not match.
 *
 * @internal
 */
export type RecordDecode =
  | { readonly kind: "record"; readonly zxid: Zxid; readonly payload: Uint8Array; readonly end: number }
  | { readonly kind: "incomplete" }
  | { readonly kind: "checksum" };

/**
 * Decodes the record starting at `offset`, verifying its checksum.
 *
 * @param bytes - The segment's bytes.
 * @param offset - Where the record starts.
 * @returns What is there.
 * @internal
 */
export function decodeRecord(bytes: Uint8Array, offset: number): RecordDecode {
  if (bytes.length - offset < RECORD_HEADER_BYTES) return { kind: "incomplete" };
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, RECORD_HEADER_BYTES);
  const end = offset + RECORD_HEADER_BYTES + view.getUint32(4);
  if (end > bytes.length) return { kind: "incomplete" };
  if (crc32(bytes.subarray(offset + 4, end)) !== view.getUint32(0)) return { kind: "checksum" };
  return {
    kind: "record",
    zxid: view.getBigUint64(8) as Zxid,
    payload: bytes.subarray(offset + RECORD_HEADER_BYTES, end),
    end,
  };
}

/**
 * Tells whether a whole, checksum-valid record starts at any offset in `bytes` at or after `from`.
 *
 * @remarks
 * Start-up uses it to tell a torn final record (nothing valid follows it: cut it) from a damaged
 * one in the middle of the log (something valid follows: refuse to start rather than skip).
 * Each candidate costs O(1) unless its length field fits in the remaining bytes, so a zero-filled
 * or random tail is scanned in about linear time.
 * @param bytes - The segment's bytes.
 * @param from - The first offset to try.
 * @returns Whether such a record exists.
 * @internal
 */
export function hasRecordFrom(bytes: Uint8Array, from: number): boolean {
  for (let offset = from; offset + RECORD_HEADER_BYTES <= bytes.length; offset++) {
    if (decodeRecord(bytes, offset).kind === "record") return true;
  }
  return false;
}
