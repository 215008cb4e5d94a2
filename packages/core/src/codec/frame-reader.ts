/**
 * A bounded, fail-closed reader over one received frame.
 *
 * Every read checks the bytes remaining before it touches them, and every length or count taken
 * from the wire is checked against the bytes remaining before anything is allocated, so a frame
 * that lies about its contents costs at most its own size (the "poison packet" class:
 * ZOOKEEPER-2146, etcd CVE-2020-15106). Every failure is a {@link ZabError} with code
 * `"BadFrame"` that names the field and its byte offset; nothing else escapes, neither a
 * `RangeError` from `DataView` nor a `TypeError` from `TextDecoder`.
 *
 * @module
 */
import { assert } from "../assert.js";
import { ZabError } from "../errors.js";
import type { IntegerRange } from "./wire-domains.js";
import type { WireEnum } from "./wire-enum.js";

/** Strict UTF-8: invalid sequences throw, and a leading U+FEFF is data, not a byte-order mark. */
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Reads big-endian primitives from a frame, front to back, never past its end.
 *
 * @remarks
 * Byte fields are returned as copies, so the caller may reuse or overwrite the frame's buffer as
 * soon as decoding returns. The reader keeps the name of the message being decoded so that each
 * error says where it happened, e.g. `notification: leader at byte 2: …`.
 * @since 0.1.0
 * @internal
 */
export class FrameReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;
  #subject: string;

  /**
   * @param bytes - The whole frame. It is read, never written or kept after decoding.
   * @param subject - What is being decoded, for error messages; see {@link FrameReader.describe}.
   */
  constructor(bytes: Uint8Array, subject: string) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#subject = subject;
  }

  /** How many bytes are left to read. */
  get remaining(): number {
    return this.#bytes.byteLength - this.#offset;
  }

  /**
   * Names the message now being decoded, once its type byte is known.
   *
   * @param subject - For example `"notification"`.
   */
  describe(subject: string): void {
    this.#subject = subject;
  }

  /**
   * Rejects the frame.
   *
   * @param field - The field at fault.
   * @param reason - What is wrong with it.
   * @param options - `justRead`: how many bytes of the field were already consumed, so the error
   *   reports the offset where the field starts; `cause`: the underlying error, if any.
   * @throws {@link ZabError} with code `"BadFrame"`, always.
   */
  fail(
    field: string,
    reason: string,
    options?: { readonly justRead?: number; readonly cause?: unknown },
  ): never {
    const offset = this.#offset - (options?.justRead ?? 0);
    const message = `${this.#subject}: ${field} at byte ${offset}: ${reason}`;
    throw new ZabError(
      "BadFrame",
      message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
  }

  /**
   * Reads one unsigned byte.
   *
   * @param field - The field name, for errors.
   * @returns 0 to 255.
   * @throws {@link ZabError} `"BadFrame"` when the frame ends first.
   */
  u8(field: string): number {
    return this.#view.getUint8(this.#claim(field, 1));
  }

  /**
   * Reads a boolean: exactly 0 or 1.
   *
   * @param field - The field name, for errors.
   * @returns The boolean.
   * @throws {@link ZabError} `"BadFrame"` when the frame ends first or the byte is 2 or more.
   */
  bool(field: string): boolean {
    const value = this.#view.getUint8(this.#claim(field, 1));
    if (value > 1) this.fail(field, `a boolean must be 0 or 1, got ${value}`, { justRead: 1 });
    return value === 1;
  }

  /**
   * Reads a big-endian unsigned 32-bit integer, optionally restricted to a range.
   *
   * @param field - The field name, for errors.
   * @param range - Inclusive bounds the value must respect; 0 to 2^32 - 1 when omitted.
   * @returns The integer.
   * @throws {@link ZabError} `"BadFrame"` when the frame ends first or the value is out of range.
   */
  u32(field: string, range?: IntegerRange): number {
    const value = this.#view.getUint32(this.#claim(field, 4));
    if (range !== undefined && (value < range.min || value > range.max)) {
      this.fail(field, `${value} is outside ${range.min}..${range.max}`, { justRead: 4 });
    }
    return value;
  }

  /**
   * Reads a big-endian two's complement 32-bit integer.
   *
   * @param field - The field name, for errors.
   * @returns -2^31 to 2^31 - 1.
   * @throws {@link ZabError} `"BadFrame"` when the frame ends first.
   */
  i32(field: string): number {
    return this.#view.getInt32(this.#claim(field, 4));
  }

  /**
   * Reads a big-endian unsigned 64-bit integer, exactly.
   *
   * @param field - The field name, for errors.
   * @returns 0 to 2^64 - 1, as a bigint.
   * @throws {@link ZabError} `"BadFrame"` when the frame ends first.
   */
  u64(field: string): bigint {
    return this.#view.getBigUint64(this.#claim(field, 8));
  }

  /**
   * Reads an unsigned 64-bit integer that must be a safe JavaScript integer (at most 2^53 - 1),
   * for sizes, durations and times carried as `number`.
   *
   * @param field - The field name, for errors.
   * @returns The integer as a number.
   * @throws {@link ZabError} `"BadFrame"` when the frame ends first or the value exceeds 2^53 - 1.
   */
  safeInteger(field: string): number {
    const value = this.#view.getBigUint64(this.#claim(field, 8));
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(field, `${value} exceeds 2^53-1`, { justRead: 8 });
    return Number(value);
  }

  /**
   * Reads a 4-byte length, then that many bytes.
   *
   * @param field - The field name, for errors.
   * @returns A copy of the bytes, not a view into the frame.
   * @throws {@link ZabError} `"BadFrame"` when the length exceeds the bytes remaining.
   */
  bytes(field: string): Uint8Array {
    const length = this.#length(field);
    const start = this.#claim(field, length);
    return this.#bytes.slice(start, start + length);
  }

  /**
   * Reads exactly `length` bytes with no length prefix.
   *
   * @param field - The field name, for errors.
   * @param length - How many bytes the field always has.
   * @returns A copy of the bytes.
   * @throws {@link ZabError} `"BadFrame"` when the frame ends first.
   */
  fixedBytes(field: string, length: number): Uint8Array {
    const start = this.#claim(field, length);
    return this.#bytes.slice(start, start + length);
  }

  /**
   * Reads a 4-byte length, then that many bytes of UTF-8.
   *
   * @param field - The field name, for errors.
   * @returns The decoded string.
   * @throws {@link ZabError} `"BadFrame"` when the length exceeds the bytes remaining or the bytes
   *   are not valid UTF-8 (overlong forms, surrogates and truncated sequences included).
   */
  string(field: string): string {
    const length = this.#length(field);
    const start = this.#claim(field, length);
    try {
      return utf8Decoder.decode(this.#bytes.subarray(start, start + length));
    } catch (error) {
      return this.fail(field, "not valid UTF-8", { justRead: length, cause: error });
    }
  }

  /**
   * Reads a 4-byte element count, then that many elements.
   *
   * @remarks
   * The count is checked against the bytes remaining before the first element is read: with
   * `elementBytesMin` at least 1, a count of 2^32 - 1 in a small frame fails at once instead of
   * looping or allocating. The loop is bounded by that same check.
   * @param field - The field name, for errors.
   * @param elementBytesMin - A lower bound on the encoded size of one element, at least 1.
   * @param readElement - Reads one element from this reader.
   * @returns The elements.
   * @throws {@link ZabError} `"BadFrame"` when `count × elementBytesMin` exceeds the bytes
   *   remaining, or when an element fails to decode.
   */
  array<T>(field: string, elementBytesMin: number, readElement: (reader: FrameReader) => T): T[] {
    assert(Number.isInteger(elementBytesMin) && elementBytesMin >= 1, "elementBytesMin must be at least 1");
    const count = this.#view.getUint32(this.#claim(field, 4));
    if (count * elementBytesMin > this.remaining) {
      this.fail(
        field,
        `count ${count} needs at least ${count * elementBytesMin} bytes, ${this.remaining} remain`,
        { justRead: 4 },
      );
    }
    const elements: T[] = [];
    for (let index = 0; index < count; index++) elements.push(readElement(this));
    return elements;
  }

  /**
   * Reads a one-byte code and maps it through a table.
   *
   * @param field - The field name, for errors.
   * @param table - The codes this field may hold.
   * @returns The name of the code.
   * @throws {@link ZabError} `"BadFrame"` when the code is not in the table.
   */
  enum<Name extends string>(field: string, table: WireEnum<Name>): Name {
    const code = this.#view.getUint8(this.#claim(field, 1));
    const name = table.nameOf(code);
    if (name === undefined) this.fail(field, `unknown code ${code}`, { justRead: 1 });
    return name;
  }

  /**
   * Checks that the whole frame was consumed.
   *
   * @throws {@link ZabError} `"BadFrame"` when bytes remain after the message.
   */
  end(): void {
    if (this.remaining !== 0) this.fail("end", `${this.remaining} trailing bytes after the message`);
  }

  /** Reads a 4-byte length prefix and checks it against the bytes that follow it. */
  #length(field: string): number {
    const length = this.#view.getUint32(this.#claim(field, 4));
    if (length > this.remaining) {
      this.fail(field, `length ${length} exceeds the ${this.remaining} bytes remaining`, { justRead: 4 });
    }
    return length;
  }

  /** Reserves `size` bytes and returns where they start; the single place bounds are checked. */
  #claim(field: string, size: number): number {
    if (size > this.remaining) {
      this.fail(field, `needs ${size} bytes, ${this.remaining} remain`);
    }
    const start = this.#offset;
    this.#offset += size;
    return start;
  }
}
