/**
 * Splits a byte stream into length-prefixed frames: a 4-byte big-endian length, then that many
 * bytes.
 *
 * The decoder reads the length as soon as its four bytes are in and checks it against the
 * caller's limit before it waits for (or keeps) a single byte of the body, so a lying prefix
 * costs nothing but the connection it came on.
 *
 * @module
 */
import { assert, ZabError } from "@zab/core";

/**
 * Bytes of the length prefix in front of every frame.
 *
 * @since 0.1.0
 * @internal
 */
export const LENGTH_PREFIX_BYTES = 4;

/** Past this many consumed chunks the chunk list is compacted, so it does not grow forever. */
const CONSUMED_CHUNKS_COMPACT_MIN = 64;

/**
 * Reassembles frames from the chunks a socket delivers.
 *
 * @remarks
 * Each frame is copied into a buffer of its own, so the receiver owns it and a small frame never
 * keeps a large socket chunk alive. The decoder holds at most one partial frame plus whatever
 * complete frames its owner has not taken yet; the owner bounds that by taking frames as they
 * complete (or by pausing the socket).
 * @since 0.1.0
 * @internal
 */
export class FrameDecoder {
  /** Received chunks; those before `#head` are consumed, `#offset` bytes of `#head` too. */
  #chunks: Uint8Array[] = [];
  #head = 0;
  #offset = 0;
  #bufferedBytes = 0;

  /** Bytes received and not yet taken as frames. */
  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  /**
   * Adds bytes read from the socket.
   *
   * @param chunk - The bytes; the decoder keeps a reference until they are consumed.
   */
  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#chunks.push(chunk);
    this.#bufferedBytes += chunk.byteLength;
  }

  /**
   * Takes the next complete frame.
   *
   * @param frameBytesMax - The largest frame accepted now (the handshake accepts far less than
   *   the channel that follows it).
   * @returns The frame's bytes (without the prefix), or `undefined` when no whole frame is in yet.
   * @throws {@link @zab/core!ZabError} with code `"BadFrame"` when the next length prefix exceeds
   *   `frameBytesMax`; the stream cannot be resynchronized after that, so the connection must go.
   */
  next(frameBytesMax: number): Uint8Array | undefined {
    if (this.#bufferedBytes < LENGTH_PREFIX_BYTES) return undefined;
    const prefix = this.#peek(LENGTH_PREFIX_BYTES);
    const length = new DataView(prefix.buffer, prefix.byteOffset, LENGTH_PREFIX_BYTES).getUint32(0, false);
    if (length > frameBytesMax) {
      throw new ZabError(
        "BadFrame",
        `a frame of ${length} bytes exceeds the limit of ${frameBytesMax} bytes`,
      );
    }
    if (this.#bufferedBytes < LENGTH_PREFIX_BYTES + length) return undefined;
    this.#consume(LENGTH_PREFIX_BYTES, undefined);
    const frame = new Uint8Array(length);
    this.#consume(length, frame);
    return frame;
  }

  /** Copies the first `count` buffered bytes without consuming them. */
  #peek(count: number): Uint8Array {
    const first = this.#chunks[this.#head];
    if (first !== undefined && first.byteLength - this.#offset >= count) {
      return first.subarray(this.#offset, this.#offset + count);
    }
    const bytes = new Uint8Array(count);
    let copied = 0;
    let offset = this.#offset;
    // Bounded by `count`: every chunk contributes at least one byte.
    for (let index = this.#head; copied < count; index += 1) {
      const chunk = this.#chunks[index];
      assert(chunk !== undefined, "a peek stays within the buffered bytes");
      const part = chunk.subarray(offset, offset + (count - copied));
      bytes.set(part, copied);
      copied += part.byteLength;
      offset = 0;
    }
    return bytes;
  }

  /** Consumes `count` buffered bytes, copying them into `target` when given. */
  #consume(count: number, target: Uint8Array | undefined): void {
    let copied = 0;
    // Bounded by `count`: every step consumes at least one byte or one exhausted chunk.
    while (copied < count) {
      const chunk = this.#chunks[this.#head];
      assert(chunk !== undefined, "a frame is consumed only once it is wholly buffered");
      const available = chunk.byteLength - this.#offset;
      const take = Math.min(available, count - copied);
      target?.set(chunk.subarray(this.#offset, this.#offset + take), copied);
      copied += take;
      this.#offset += take;
      if (this.#offset === chunk.byteLength) {
        this.#chunks[this.#head] = EMPTY;
        this.#head += 1;
        this.#offset = 0;
      }
    }
    this.#bufferedBytes -= count;
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head >= CONSUMED_CHUNKS_COMPACT_MIN) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** Put in place of a consumed chunk, so the list does not keep it alive. */
const EMPTY = new Uint8Array(0);

/**
 * Encodes the length prefix of a frame.
 *
 * @param length - The frame's length in bytes.
 * @returns The four prefix bytes, big-endian.
 * @since 0.1.0
 * @internal
 */
export function lengthPrefix(length: number): Uint8Array {
  // allocUnsafe takes the four bytes from Node's shared pool: one prefix per frame stays cheap.
  const prefix = Buffer.allocUnsafe(LENGTH_PREFIX_BYTES);
  prefix.writeUInt32BE(length, 0);
  return prefix;
}
