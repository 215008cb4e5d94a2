/**
 * The envelope every frame shares, peer and client alike: a version byte, a type byte, the body.
 *
 * The transport delimits frames (a length prefix on TCP, one NATS message per frame); the codec
 * sees one whole frame at a time and checks its size against `frameBytesMax` before reading a
 * single byte of it.
 *
 * @module
 */
import { assert } from "../assert.js";
import { ZabError } from "../errors.js";
import { FrameReader } from "./frame-reader.js";
import { type FrameSink, FrameSizer, FrameWriter } from "./frame-writer.js";
import type { WireEnum } from "./wire-enum.js";

/**
 * The version of the wire format, the first byte of every frame.
 *
 * @remarks
 * A frame with any other first byte is rejected, never guessed at: members of different
 * versions must fail loudly rather than split silently (the ZOOKEEPER-3720 lesson).
 * @since 0.1.0
 */
export const PROTOCOL_VERSION = 1;

/**
 * The default largest frame a decoder accepts: 4 MiB.
 *
 * @remarks
 * A PROPOSAL must carry a whole transaction, and a transaction may carry a znode of up to 1 MiB
 * (ZooKeeper's `jute.maxbuffer` default) plus its path and a multi's other ops; 4 MiB leaves room
 * for that with margin, while bounding what one hostile or corrupt frame can make a member
 * buffer. Snapshots never need a larger frame: they travel as a sequence of SNAP chunks.
 * @since 0.1.0
 */
export const FRAME_BYTES_MAX_DEFAULT = 4 * 1024 * 1024;

/**
 * Options for every `decode…` function.
 *
 * @since 0.1.0
 */
export interface FrameDecodeOptions {
  /**
   * The largest frame accepted, in bytes; larger frames are rejected before any parsing.
   * Defaults to {@link FRAME_BYTES_MAX_DEFAULT}.
   */
  readonly frameBytesMax?: number;
}

/**
 * Encodes one frame: the header, then the body `writeBody` describes.
 *
 * @param types - The type codes of the message family.
 * @param kind - The message's kind, written as its type code.
 * @param writeBody - Puts the body's fields into a sink; it is called twice (size, then write)
 *   and must put the same fields both times.
 * @returns A new buffer holding exactly the frame.
 * @throws {@link ZabError} `"Invalid"` when a field is outside its wire domain.
 * @since 0.1.0
 * @internal
 */
export function encodeFrame<Kind extends string>(
  types: WireEnum<Kind>,
  kind: Kind,
  writeBody: (sink: FrameSink) => void,
): Uint8Array {
  const write = (sink: FrameSink): void => {
    sink.u8("version", PROTOCOL_VERSION);
    sink.enum("type", types, kind);
    writeBody(sink);
  };
  const sizer = new FrameSizer();
  write(sizer);
  const frame = new Uint8Array(sizer.byteLength);
  const writer = new FrameWriter(frame);
  write(writer);
  // Paired check: the writer filled exactly what the sizer measured.
  assert(
    writer.byteLength === frame.byteLength,
    () => `${kind}: wrote ${writer.byteLength} of ${frame.byteLength} bytes`,
  );
  return frame;
}

/**
 * Decodes one frame: checks its size, version and type, lets `readBody` read the body, then
 * checks that nothing follows.
 *
 * @param frame - The received frame.
 * @param family - The message family, for error messages, e.g. `"peer frame"`.
 * @param types - The type codes this decoder accepts.
 * @param options - The size limit.
 * @param readBody - Reads the body of a message of the given kind.
 * @returns The message `readBody` returned.
 * @throws {@link ZabError} `"BadFrame"` when the frame is over the limit (checked before any
 *   parsing), empty or truncated, of another version or of an unknown type, when `readBody`
 *   rejects a field, or when bytes follow the message.
 * @throws {@link AssertionError} when `frameBytesMax` is not a positive integer.
 * @since 0.1.0
 * @internal
 */
export function decodeFrame<Kind extends string, Message>(
  frame: Uint8Array,
  family: string,
  types: WireEnum<Kind>,
  options: FrameDecodeOptions | undefined,
  readBody: (reader: FrameReader, kind: Kind) => Message,
): Message {
  const frameBytesMax = options?.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT;
  assert(Number.isSafeInteger(frameBytesMax) && frameBytesMax > 0, `bad frameBytesMax: ${frameBytesMax}`);
  // Checked before anything else, so an oversize frame costs no parsing at all.
  if (frame.byteLength > frameBytesMax) {
    throw new ZabError(
      "BadFrame",
      `${family}: ${frame.byteLength} bytes exceeds frameBytesMax ${frameBytesMax}`,
    );
  }
  const reader = new FrameReader(frame, family);
  const version = reader.u8("version");
  if (version !== PROTOCOL_VERSION) {
    reader.fail("version", `protocol version ${version} is not the supported ${PROTOCOL_VERSION}`, {
      justRead: 1,
    });
  }
  const kind = reader.enum("type", types);
  reader.describe(kind);
  const message = readBody(reader, kind);
  reader.end();
  return message;
}
