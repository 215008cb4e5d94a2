// Goal: the primitives every message is built from — the bounded FrameReader and the two-pass
// FrameSizer/FrameWriter behind encodeFrame — keep their promises on their own: big-endian
// exact integers, strict booleans and UTF-8, lengths and counts checked against the bytes
// remaining before anything is allocated, and every out-of-domain value refused by name.
//
// Method: example tests at the boundaries (2^32 - 1, 2^64 - 1, 2^53, int32 min/max, lying
// lengths, malformed UTF-8 from the Unicode "best practice" list), spies to show that a lying
// length or count never reaches the allocation or the element loop, and properties comparing
// the writer's UTF-8 with TextEncoder's for any well-formed string.

import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { encodeFrame } from "../../../src/codec/frame.js";
import { FrameReader } from "../../../src/codec/frame-reader.js";
import { wireEnum } from "../../../src/codec/wire-enum.js";
import { ZabError } from "../../../src/errors.js";
import { expectBadFrame, fromHex, textArbitrary } from "./arbitraries.js";

const TEST_TYPES = wireEnum<"test">({ test: 7 });

function reader(hex: string): FrameReader {
  return new FrameReader(fromHex(hex), "test");
}

/** Encodes a frame of type 7 whose body `writeBody` describes, and drops the 2-byte header. */
function body(writeBody: Parameters<typeof encodeFrame>[2]): Uint8Array {
  return encodeFrame(TEST_TYPES, "test", writeBody).subarray(2);
}

function expectInvalid(encode: () => unknown, field: string): void {
  try {
    encode();
  } catch (error) {
    expect(ZabError.isInstance(error, "Invalid"), String(error)).toBe(true);
    expect((error as ZabError).message).toContain(field);
    return;
  }
  expect.fail("expected ZabError Invalid");
}

describe("FrameReader", () => {
  it("reads big-endian integers exactly, including 2^64 - 1 and int32 min", () => {
    const r = reader("ff | fffffffe | 80000000 | ffffffffffffffff | 001fffffffffffff");
    expect(r.u8("a")).toBe(0xff);
    expect(r.u32("b")).toBe(0xffff_fffe);
    expect(r.i32("c")).toBe(-0x8000_0000);
    expect(r.u64("d")).toBe((1n << 64n) - 1n);
    expect(r.safeInteger("e")).toBe(Number.MAX_SAFE_INTEGER);
    r.end();
  });

  it("refuses a safe integer above 2^53 - 1 rather than rounding it", () => {
    expect(expectBadFrame(() => reader("0020000000000000").safeInteger("size"))).toContain("exceeds 2^53-1");
  });

  it("accepts only 0 and 1 as booleans", () => {
    expect(reader("00").bool("flag")).toBe(false);
    expect(reader("01").bool("flag")).toBe(true);
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 255 }), (value) => {
        const message = expectBadFrame(() => new FrameReader(Uint8Array.of(value), "test").bool("flag"));
        expect(message).toContain("flag at byte 0");
      }),
    );
  });

  it("enforces a u32 range, reporting the field's own offset", () => {
    expect(reader("00000005").u32("id", { min: 1, max: 5 })).toBe(5);
    const r = reader("00 00000000");
    r.u8("skip");
    expect(expectBadFrame(() => r.u32("serverId", { min: 1, max: 5 }))).toBe(
      "test: serverId at byte 1: 0 is outside 1..5",
    );
  });

  it("names the subject, field and offset of a truncated read", () => {
    const r = reader("0000");
    r.describe("notification");
    expect(expectBadFrame(() => r.u32("leader"))).toBe(
      "notification: leader at byte 0: needs 4 bytes, 2 remain",
    );
  });

  it("rejects lying byte lengths without allocating", () => {
    const slice = vi.spyOn(Uint8Array.prototype, "slice");
    try {
      for (const length of ["7fffffff", "80000000", "ffffffff", "00000004"]) {
        const message = expectBadFrame(() => reader(`${length} 010203`).bytes("payload"));
        expect(message).toContain(`length ${Number.parseInt(length, 16)} exceeds the 3 bytes remaining`);
      }
      expect(slice).not.toHaveBeenCalled();
    } finally {
      slice.mockRestore();
    }
  });

  it("returns byte fields as copies that outlive changes to the frame", () => {
    const frame = fromHex("00000002 aabb");
    const bytes = new FrameReader(frame, "test").bytes("data");
    frame.fill(0);
    expect(bytes).toStrictEqual(Uint8Array.of(0xaa, 0xbb));
  });

  it("rejects an array count the remaining bytes cannot hold, before reading any element", () => {
    const readElement = vi.fn((r: FrameReader) => r.u64("element"));
    const message = expectBadFrame(() =>
      reader("ffffffff 0000000000000001").array("sessions", 8, readElement),
    );
    expect(message).toContain("count 4294967295 needs at least 34359738360 bytes, 8 remain");
    expect(readElement).not.toHaveBeenCalled();
    expect(reader("00000001 0000000000000001").array("sessions", 8, readElement)).toStrictEqual([1n]);
  });

  it("decodes UTF-8 strictly: a leading U+FEFF is kept, malformed sequences are BadFrame", () => {
    expect(reader("00000005 efbbbf 2f61").string("path")).toBe("\uFEFF/a");
    const malformed = [
      "ff", // never valid in UTF-8
      "c0af", // overlong "/"
      "e080af", // overlong "/"
      "eda080", // an encoded surrogate (U+D800)
      "f4908080", // above U+10FFFF
      "e282", // truncated 3-byte sequence
      "80", // lone continuation byte
    ];
    for (const bytes of malformed) {
      const length = (bytes.length / 2).toString(16).padStart(8, "0");
      const r = reader(`${length} ${bytes}`);
      try {
        r.string("path");
        expect.fail(`decoded malformed UTF-8 ${bytes}`);
      } catch (error) {
        expect(ZabError.isInstance(error, "BadFrame")).toBe(true);
        expect((error as ZabError).message).toContain("path at byte 4: not valid UTF-8");
        expect((error as ZabError).cause).toBeInstanceOf(TypeError);
      }
    }
  });

  it("maps enum codes through the table and rejects codes outside it", () => {
    const table = wireEnum<"a" | "b">({ a: 0, b: 9 });
    expect(reader("09").enum("mode", table)).toBe("b");
    expect(expectBadFrame(() => reader("01").enum("mode", table))).toContain(
      "mode at byte 0: unknown code 1",
    );
  });

  it("rejects trailing bytes at the end", () => {
    const r = reader("01 0203");
    r.u8("a");
    expect(expectBadFrame(() => r.end())).toBe("test: end at byte 1: 2 trailing bytes after the message");
  });
});

describe("encodeFrame", () => {
  it("writes the version, the type and the fields, big-endian, in exactly the bytes needed", () => {
    const frame = encodeFrame(TEST_TYPES, "test", (sink) => {
      sink.u8("a", 0xab);
      sink.i32("b", -2);
      sink.u64("c", (1n << 64n) - 1n);
      sink.bytes("d", Uint8Array.of(1, 2));
      sink.string("e", "é");
      sink.array("f", [true, false], (element, value) => element.bool("f[]", value));
    });
    expect(frame).toStrictEqual(
      fromHex("01 07 | ab | fffffffe | ffffffffffffffff | 00000002 0102 | 00000002 c3a9 | 00000002 01 00"),
    );
    expect(frame.buffer.byteLength).toBe(frame.byteLength);
  });

  it("writes any well-formed string as TextEncoder's UTF-8 with its byte length", () => {
    fc.assert(
      fc.property(textArbitrary, (text) => {
        const utf8 = new TextEncoder().encode(text);
        const encoded = body((sink) => sink.string("path", text));
        expect(new DataView(encoded.buffer, encoded.byteOffset).getUint32(0)).toBe(utf8.byteLength);
        expect(encoded.subarray(4)).toStrictEqual(utf8);
        expect(new FrameReader(encoded, "test").string("path")).toBe(text);
      }),
    );
  });

  it("refuses a string with a lone surrogate instead of sending U+FFFD", () => {
    for (const text of ["\uD800", "/a\uDC00", "/a\uD83D", "\uDE00\uD83D", "x\uD83Dy"]) {
      expectInvalid(() => body((sink) => sink.string("path", text)), "path");
    }
    expect(body((sink) => sink.string("path", "\uD83D\uDE00"))).toStrictEqual(fromHex("00000004 f09f9880"));
  });

  it("refuses values outside each field's wire domain, naming the field", () => {
    const cases: [string, Parameters<typeof encodeFrame>[2]][] = [
      ["byte", (sink) => sink.u8("byte", 256)],
      ["count", (sink) => sink.u32("count", -1)],
      ["count", (sink) => sink.u32("count", 2 ** 32)],
      ["count", (sink) => sink.u32("count", 1.5)],
      ["count", (sink) => sink.u32("count", Number.NaN)],
      ["serverId", (sink) => sink.u32("serverId", 0, { min: 1, max: 5 })],
      ["version", (sink) => sink.i32("version", 2 ** 31)],
      ["version", (sink) => sink.i32("version", -(2 ** 31) - 1)],
      ["zxid", (sink) => sink.u64("zxid", -1n)],
      ["zxid", (sink) => sink.u64("zxid", 1n << 64n)],
      ["zxid", (sink) => sink.u64("zxid", 5 as never)],
      ["size", (sink) => sink.safeInteger("size", 2 ** 53)],
      ["size", (sink) => sink.safeInteger("size", -1)],
      ["password", (sink) => sink.fixedBytes("password", new Uint8Array(15), 16)],
    ];
    for (const [field, writeBody] of cases) expectInvalid(() => body(writeBody), field);
  });
});

describe("wireEnum", () => {
  it("refuses two names with one code, and codes that are not bytes", () => {
    expect(() => wireEnum<"a" | "b">({ a: 1, b: 1 })).toThrow(/used by both a and b/);
    expect(() => wireEnum<"a">({ a: 256 })).toThrow(/not a byte/);
  });

  it("finds no code for a forged name, not even one inherited from Object.prototype", () => {
    const table = wireEnum<"a">({ a: 1 });
    expect(table.codeOf("a")).toBe(1);
    expect(table.codeOf("constructor" as "a")).toBeUndefined();
    expect(table.nameOf(0)).toBeUndefined();
  });
});
