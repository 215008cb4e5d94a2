/**
 * The write side of the codec: one description of a message's fields, run twice.
 *
 * A message encoder is a function of a {@link FrameSink}. It runs once against a
 * {@link FrameSizer}, which only adds up sizes and checks every value against its wire domain,
 * then once against a {@link FrameWriter} over a buffer of exactly that size. The output is
 * allocated once and never copied or grown, and the field layout is written down once, so the
 * size computation cannot drift from the bytes written (the two passes must agree, which is
 * asserted).
 *
 * @module
 */
import { assert } from "../assert.js";
import { ZabError } from "../errors.js";
import type { IntegerRange } from "./wire-domains.js";
import type { WireEnum } from "./wire-enum.js";

const UINT32_MAX = 0xffff_ffff;
const UINT64_MAX = (1n << 64n) - 1n;

const utf8Encoder = new TextEncoder();

/**
 * Where a message encoder puts its fields, in order. Numbers are big-endian.
 *
 * @remarks
 * Each method takes the field's name so that a value outside its wire domain is reported as
 * `ZabError("Invalid")` naming the field, instead of being truncated or wrapped by `DataView`.
 * @since 0.1.0
 * @internal
 */
export interface FrameSink {
  /** One unsigned byte, 0 to 255. */
  u8(field: string, value: number): void;
  /** One byte: 1 for true, 0 for false. */
  bool(field: string, value: boolean): void;
  /** An unsigned 32-bit integer, optionally restricted to an inclusive range. */
  u32(field: string, value: number, range?: IntegerRange): void;
  /** A two's complement 32-bit integer. */
  i32(field: string, value: number): void;
  /** An unsigned 64-bit integer, exact. */
  u64(field: string, value: bigint): void;
  /** A non-negative safe integer (at most 2^53 - 1) in 8 bytes. */
  safeInteger(field: string, value: number): void;
  /** A 4-byte length, then the bytes. */
  bytes(field: string, value: Uint8Array): void;
  /** Exactly `length` bytes, no prefix. */
  fixedBytes(field: string, value: Uint8Array, length: number): void;
  /** A 4-byte length, then the string as UTF-8. */
  string(field: string, value: string): void;
  /** A 4-byte count, then each element. */
  array<T>(field: string, elements: readonly T[], writeElement: (sink: FrameSink, element: T) => void): void;
  /** The one-byte code of `name` in `table`. */
  enum<Name extends string>(field: string, table: WireEnum<Name>, name: Name): void;
}

/**
 * Checks domains and composes every field but strings out of four primitives, so that the sizer
 * and the writer differ only in what a primitive does. The checks therefore run in both passes;
 * they are a few comparisons per field, and the sizer's run is the one that can fail.
 */
abstract class FrameSinkBase implements FrameSink {
  u8(field: string, value: number): void {
    checkInteger(field, value, 0, 0xff);
    this.put8(value);
  }

  bool(_field: string, value: boolean): void {
    this.put8(value ? 1 : 0);
  }

  u32(field: string, value: number, range?: IntegerRange): void {
    checkInteger(field, value, range?.min ?? 0, range?.max ?? UINT32_MAX);
    this.put32(value);
  }

  i32(field: string, value: number): void {
    checkInteger(field, value, -0x8000_0000, 0x7fff_ffff);
    // The same 32 bits, seen as unsigned: DataView writes them identically.
    this.put32(value >>> 0);
  }

  u64(field: string, value: bigint): void {
    if (typeof value !== "bigint" || value < 0n || value > UINT64_MAX) {
      invalid(field, `${String(value)} is not a bigint from 0 to 2^64-1`);
    }
    this.put64(value);
  }

  safeInteger(field: string, value: number): void {
    checkInteger(field, value, 0, Number.MAX_SAFE_INTEGER);
    this.put64(BigInt(value));
  }

  bytes(field: string, value: Uint8Array): void {
    this.u32(field, value.byteLength);
    this.putBytes(value);
  }

  fixedBytes(field: string, value: Uint8Array, length: number): void {
    if (value.byteLength !== length) {
      invalid(field, `must be exactly ${length} bytes, got ${value.byteLength}`);
    }
    this.putBytes(value);
  }

  array<T>(field: string, elements: readonly T[], writeElement: (sink: FrameSink, element: T) => void): void {
    this.u32(field, elements.length);
    for (const element of elements) writeElement(this, element);
  }

  enum<Name extends string>(field: string, table: WireEnum<Name>, name: Name): void {
    const code = table.codeOf(name);
    if (code === undefined) invalid(field, `${String(name)} is not one of its values`);
    this.put8(code);
  }

  abstract string(field: string, value: string): void;
  protected abstract put8(value: number): void;
  protected abstract put32(value: number): void;
  protected abstract put64(value: bigint): void;
  protected abstract putBytes(value: Uint8Array): void;
}

/**
 * The first pass: adds up the encoded size and validates every value, writing nothing.
 *
 * @since 0.1.0
 * @internal
 */
export class FrameSizer extends FrameSinkBase {
  /** The size of everything put so far, in bytes. */
  byteLength = 0;

  /**
   * Counts a string's UTF-8 size without encoding it.
   *
   * @throws {@link ZabError} `"Invalid"` when the string holds a lone surrogate, which UTF-8
   *   cannot represent: `TextEncoder` would silently turn it into U+FFFD and the peer would see
   *   a different string.
   */
  string(field: string, value: string): void {
    const length = utf8ByteLength(field, value);
    this.u32(field, length);
    this.byteLength += length;
  }

  protected put8(): void {
    this.byteLength += 1;
  }

  protected put32(): void {
    this.byteLength += 4;
  }

  protected put64(): void {
    this.byteLength += 8;
  }

  protected putBytes(value: Uint8Array): void {
    this.byteLength += value.byteLength;
  }
}

/**
 * The second pass: writes into a buffer the {@link FrameSizer} sized exactly.
 *
 * @remarks
 * Every value already passed the sizer's checks, and the buffer has exactly the room the sizer
 * counted, so nothing here can fail short of a bug (which the final length assertion catches).
 * @since 0.1.0
 * @internal
 */
export class FrameWriter extends FrameSinkBase {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;

  /** @param bytes - The output buffer, exactly as long as the sizer said. */
  constructor(bytes: Uint8Array) {
    super();
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** How many bytes have been written. */
  get byteLength(): number {
    return this.#offset;
  }

  /** Encodes straight into the output: the length prefix is filled in after the characters. */
  string(_field: string, value: string): void {
    const start = this.#offset;
    const { read, written } = utf8Encoder.encodeInto(value, this.#bytes.subarray(start + 4));
    assert(read === value.length, "the sizer reserved too little room for a string");
    this.#view.setUint32(start, written);
    this.#offset = start + 4 + written;
  }

  protected put8(value: number): void {
    this.#view.setUint8(this.#offset, value);
    this.#offset += 1;
  }

  protected put32(value: number): void {
    this.#view.setUint32(this.#offset, value);
    this.#offset += 4;
  }

  protected put64(value: bigint): void {
    this.#view.setBigUint64(this.#offset, value);
    this.#offset += 8;
  }

  protected putBytes(value: Uint8Array): void {
    this.#bytes.set(value, this.#offset);
    this.#offset += value.byteLength;
  }
}

/**
 * The UTF-8 size of a well-formed string.
 *
 * @throws {@link ZabError} `"Invalid"` on a lone surrogate.
 */
function utf8ByteLength(field: string, value: string): number {
  let length = 0;
  for (let index = 0; index < value.length; index++) {
    const unit = value.charCodeAt(index);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit < 0xd800 || unit > 0xdfff) length += 3;
    else {
      // A high surrogate must be followed by a low one; together they are one 4-byte code point.
      const next = value.charCodeAt(index + 1);
      if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) {
        invalid(field, `lone surrogate at index ${index} cannot be encoded as UTF-8`);
      }
      length += 4;
      index++;
    }
  }
  return length;
}

function checkInteger(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    invalid(field, `${value} is not an integer from ${min} to ${max}`);
  }
}

function invalid(field: string, reason: string): never {
  throw new ZabError("Invalid", `cannot encode ${field}: ${reason}`);
}
