/**
 * The frames the conformance checks send: each says who sent it to whom, its place in the
 * sender's sequence, and carries a body that is a function of those, so the receiver can tell a
 * reordered, duplicated, misattributed, truncated or corrupted frame from a good one.
 *
 * @module
 */

/** "zcf1": marks a frame as one of the suite's, so a stray frame is named as such. */
const MAGIC = 0x7a636631;

/** magic, kind, sender, target, seq, length: six 32-bit words. */
export const TEST_FRAME_HEADER_BYTES = 24;

/**
 * Why a frame was sent: `normal` frames may arrive; `forbidden` ones (an impostor's, an oversize
 * one) must never be delivered, and their arrival is a violation on its own.
 */
export type TestFrameKind = "normal" | "forbidden";

/** What a test frame says about itself. */
export interface TestFrameHeader {
  readonly kind: TestFrameKind;
  /** A member id for peer frames; the number of a channel end for client frames. */
  readonly sender: number;
  /** The member (or channel end, 0 when unknown) the frame is meant for. */
  readonly target: number;
  /** The frame's place among everything `sender` sent to `target`, from 0. */
  readonly seq: number;
}

/**
 * Encodes a test frame of exactly `bytes` bytes.
 *
 * @param header - What the frame says about itself.
 * @param bytes - Its whole size; at least the header's.
 * @returns A new buffer.
 */
export function encodeTestFrame(header: TestFrameHeader, bytes: number): Uint8Array {
  if (!Number.isSafeInteger(bytes) || bytes < TEST_FRAME_HEADER_BYTES) {
    throw new Error(`a test frame needs at least ${TEST_FRAME_HEADER_BYTES} bytes, got ${bytes}`);
  }
  const frame = new Uint8Array(bytes);
  const view = new DataView(frame.buffer);
  view.setUint32(0, MAGIC);
  view.setUint32(4, header.kind === "normal" ? 0 : 1);
  view.setUint32(8, header.sender);
  view.setUint32(12, header.target);
  view.setUint32(16, header.seq);
  view.setUint32(20, bytes);
  const salt = bodySalt(header);
  for (let index = TEST_FRAME_HEADER_BYTES; index < bytes; index += 1) frame[index] = bodyByte(salt, index);
  return frame;
}

/**
 * Decodes and verifies a test frame.
 *
 * @param frame - What a listener received.
 * @returns Its header, or a sentence saying what is wrong with it.
 */
export function decodeTestFrame(frame: Uint8Array): TestFrameHeader | string {
  if (frame.byteLength < TEST_FRAME_HEADER_BYTES) {
    return `a ${frame.byteLength}-byte frame the suite never sent`;
  }
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (view.getUint32(0) !== MAGIC) return `a ${frame.byteLength}-byte frame the suite never sent`;
  const header: TestFrameHeader = {
    kind: view.getUint32(4) === 0 ? "normal" : "forbidden",
    sender: view.getUint32(8),
    target: view.getUint32(12),
    seq: view.getUint32(16),
  };
  const bytes = view.getUint32(20);
  if (bytes !== frame.byteLength) {
    return `frame ${header.seq} from ${header.sender} was sent with ${bytes} bytes and arrived with ${frame.byteLength}`;
  }
  const salt = bodySalt(header);
  for (let index = TEST_FRAME_HEADER_BYTES; index < bytes; index += 1) {
    if (frame[index] !== bodyByte(salt, index)) {
      return `frame ${header.seq} from ${header.sender} arrived with byte ${index} changed`;
    }
  }
  return header;
}

/** Mixes the header into the body, so a body swapped between two frames does not verify. */
function bodySalt(header: TestFrameHeader): number {
  return (Math.imul(header.seq, 0x9e3779b1) ^ Math.imul(header.sender, 0x85ebca6b) ^ header.target) >>> 0;
}

function bodyByte(salt: number, index: number): number {
  return (Math.imul(salt ^ index, 0x27d4eb2d) >>> 24) & 0xff;
}

/**
 * The size of the `seq`th frame of a varied stream: mostly small, some medium, an occasional
 * large one, never over `bytesMax`.
 *
 * @param seq - The frame's place in the stream.
 * @param bytesMax - The largest size allowed.
 * @returns The frame's size in bytes.
 */
export function variedFrameBytes(seq: number, bytesMax: number): number {
  const spread = (Math.imul(seq + 1, 0x9e3779b1) >>> 0) % 1000;
  const bytes =
    seq % 997 === 0
      ? 64 * 1024
      : seq % 61 === 0
        ? 4096 + spread * 4
        : TEST_FRAME_HEADER_BYTES + (spread % 500);
  return Math.max(TEST_FRAME_HEADER_BYTES, Math.min(bytes, bytesMax));
}
