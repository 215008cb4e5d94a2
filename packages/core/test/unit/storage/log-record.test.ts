// Goal: a log record decodes back to exactly what was encoded, and any damage to it (a flipped
// bit anywhere, a truncation, a zero-filled region) is detected rather than decoded.
// Method: fast-check properties over random zxids and payloads; one bit flipped at every
// position of a record.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Zxid } from "../../../src/protocol/zxid.js";
import {
  decodeRecord,
  encodeRecord,
  hasRecordFrom,
  RECORD_HEADER_BYTES,
} from "../../../src/storage/log-record.js";

const txnArbitrary = fc.record({
  zxid: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }).map((z) => z as Zxid),
  payload: fc.uint8Array({ maxLength: 300 }),
});

describe("log record", () => {
  it("decodes to the zxid and payload it was encoded from, ending where the record ends", () => {
    fc.assert(
      fc.property(txnArbitrary, fc.uint8Array({ maxLength: 20 }), (txn, prefix) => {
        const record = encodeRecord(txn);
        const bytes = new Uint8Array([...prefix, ...record]);
        const decoded = decodeRecord(bytes, prefix.length);
        expect(decoded).toEqual({ kind: "record", zxid: txn.zxid, payload: txn.payload, end: bytes.length });
      }),
    );
  });

  it("detects a flipped bit anywhere in the record, length field included", () => {
    fc.assert(
      fc.property(txnArbitrary, fc.nat(), fc.integer({ min: 0, max: 7 }), (txn, position, bit) => {
        const record = encodeRecord(txn);
        const index = position % record.length;
        record[index] = (record[index] ?? 0) ^ (1 << bit);
        expect(decodeRecord(record, 0).kind).not.toBe("record");
      }),
    );
  });

  it("reports a record cut anywhere as incomplete", () => {
    fc.assert(
      fc.property(txnArbitrary, fc.nat(), (txn, cut) => {
        const record = encodeRecord(txn);
        expect(decodeRecord(record.subarray(0, cut % record.length), 0)).toEqual({ kind: "incomplete" });
      }),
    );
  });

  it("never decodes zero-filled bytes, so a zero-filled tail is never mistaken for a record", () => {
    const zeros = new Uint8Array(4096);
    expect(decodeRecord(zeros, 0)).toEqual({ kind: "checksum" });
    expect(hasRecordFrom(zeros, 0)).toBe(false);
  });

  it("finds a valid record at any offset after garbage", () => {
    const record = encodeRecord({ zxid: 5n as Zxid, payload: new Uint8Array([1, 2, 3]) });
    const bytes = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0, 0, 0, ...record]);
    expect(hasRecordFrom(bytes, 0)).toBe(true);
    expect(hasRecordFrom(bytes, 8)).toBe(false);
    expect(record.length).toBe(RECORD_HEADER_BYTES + 3);
  });
});
