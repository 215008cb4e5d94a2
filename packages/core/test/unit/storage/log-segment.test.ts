// Goal: the start-up scan cuts only a torn final record of the last segment, and refuses
// (ZabError "Corrupt" naming the file and byte offset) every other damage: a bad record in the
// middle, a bad record in a segment that is not the last, zxids out of order, a damaged header.
// Method: build segment bytes in memory with the real encoders, damage them, scan.

import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ZabError } from "../../../src/errors.js";
import type { Zxid } from "../../../src/protocol/zxid.js";
import { encodeRecord } from "../../../src/storage/log-record.js";
import {
  encodeSegmentHeader,
  SEGMENT_HEADER_BYTES,
  scanSegment,
  segmentRecords,
} from "../../../src/storage/log-segment.js";
import { txnRange } from "../../helpers/storage.js";

const txns = txnRange(1, 5);
const first = txns[0]?.zxid as Zxid;

function segmentBytes(extra: readonly number[] = []): { bytes: Uint8Array; offsets: number[] } {
  const parts = [
    encodeSegmentHeader({ prevZxid: 0n as Zxid, historyStart: true }),
    ...txns.map(encodeRecord),
  ];
  const offsets: number[] = [];
  let offset = 0;
  for (const part of parts) {
    offsets.push(offset);
    offset += part.length;
  }
  const bytes = new Uint8Array(offset + extra.length);
  for (const [i, part] of parts.entries()) bytes.set(part, offsets[i]);
  bytes.set(extra, offset);
  return { bytes, offsets: offsets.slice(1) };
}

const scan = (bytes: Uint8Array, isLast = true) =>
  scanSegment(bytes, { file: "/data/log.x", nameZxid: first, isLast });

function expectCorrupt(run: () => unknown, offset: number): void {
  try {
    run();
    expect.unreachable("the scan should have refused");
  } catch (error) {
    expect(ZabError.isInstance(error, "Corrupt")).toBe(true);
    expect((error as Error).message).toContain("/data/log.x");
    expect((error as Error).message).toContain(`byte offset ${offset}`);
  }
}

describe("segment scan", () => {
  it("accepts a whole segment and reports its last zxid and size", () => {
    const { bytes } = segmentBytes();
    expect(scan(bytes)).toMatchObject({
      recordCount: 5,
      lastZxid: txns[4]?.zxid,
      validBytes: bytes.length,
      tornBytes: 0,
    });
    expect([...segmentRecords(bytes, "f")].map((record) => record.zxid)).toEqual(txns.map((txn) => txn.zxid));
  });

  it("cuts a final record that runs past the end of the file", () => {
    const { bytes, offsets } = segmentBytes();
    const last = offsets[4] ?? 0;
    const torn = bytes.subarray(0, last + 10);
    expect(scan(torn)).toMatchObject({ recordCount: 4, validBytes: last, tornBytes: 10 });
  });

  it("cuts a zero-filled tail and a garbage tail after the last valid record", () => {
    const zeros = segmentBytes(new Array(5000).fill(0));
    expect(scan(zeros.bytes)).toMatchObject({ recordCount: 5, tornBytes: 5000 });
    const garbage = segmentBytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
    expect(scan(garbage.bytes)).toMatchObject({ recordCount: 5, tornBytes: 18 });
  });

  it("refuses a bad record in the middle of the last segment, naming its offset", () => {
    const { bytes, offsets } = segmentBytes();
    const offset = offsets[2] ?? 0;
    bytes[offset + 20] = (bytes[offset + 20] ?? 0) ^ 0x40;
    expectCorrupt(() => scan(bytes), offset);
  });

  it("refuses a flipped length that sends the record past the end while valid records follow", () => {
    const { bytes, offsets } = segmentBytes();
    const offset = offsets[1] ?? 0;
    bytes[offset + 4] = 0x7f;
    expectCorrupt(() => scan(bytes), offset);
  });

  it("refuses a torn-looking tail in a segment that is not the last", () => {
    const { bytes, offsets } = segmentBytes();
    expectCorrupt(() => scan(bytes.subarray(0, (offsets[4] ?? 0) + 3), false), offsets[4] ?? 0);
  });

  it("refuses a whole record whose zxid does not increase", () => {
    const header = encodeSegmentHeader({ prevZxid: 0n as Zxid, historyStart: true });
    const a = encodeRecord({ zxid: (first + 1n) as Zxid, payload: new Uint8Array(1) });
    const b = encodeRecord({ zxid: first, payload: new Uint8Array(1) });
    expectCorrupt(() => scan(new Uint8Array([...header, ...a, ...b])), SEGMENT_HEADER_BYTES + a.length);
  });

  it("treats a torn header of the last segment as a torn file, and refuses it elsewhere", () => {
    const { bytes } = segmentBytes();
    expect(scan(bytes.subarray(0, 7))).toMatchObject({ header: undefined, tornBytes: 7 });
    expect(scan(new Uint8Array(64))).toMatchObject({ header: undefined, tornBytes: 64 });
    expectCorrupt(() => scan(bytes.subarray(0, 7), false), 0);
  });

  it("refuses a damaged header when valid records follow, and names an unsupported version", () => {
    const damaged = segmentBytes().bytes;
    damaged[9] = (damaged[9] ?? 0) ^ 1;
    expectCorrupt(() => scan(damaged), 0);
    const header = encodeSegmentHeader({ prevZxid: 0n as Zxid, historyStart: false });
    header[5] = 9; // version 9, checksum recomputed below
    new DataView(header.buffer).setUint32(16, crc32(header.subarray(0, 16)));
    expect(() => scan(header, false)).toThrow(/format version 9 is not supported/);
  });
});
