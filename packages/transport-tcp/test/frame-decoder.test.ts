// Goal: the framing splits any byte stream into exactly the frames written, however the stream
// is chunked, and refuses a length prefix over the limit as soon as the prefix is in, before any
// of the body is waited for. Method: encode random frames, re-chunk the stream at random points
// (fast-check), and decode; feed lying prefixes byte by byte.
import { ZabError } from "@zab/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameDecoder, lengthPrefix } from "../src/frame-decoder.js";

function encode(frames: readonly Uint8Array[]): Uint8Array {
  const parts = frames.flatMap((frame) => [lengthPrefix(frame.byteLength), frame]);
  return Buffer.concat(parts);
}

function decodeAll(decoder: FrameDecoder, frameBytesMax: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let frame = decoder.next(frameBytesMax); frame !== undefined; frame = decoder.next(frameBytesMax)) {
    frames.push(frame);
  }
  return frames;
}

describe("FrameDecoder", () => {
  it("yields exactly the frames written, whatever the chunking", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (frames, cuts) => {
          const stream = encode(frames);
          const points = [...new Set(cuts.map((cut) => cut % (stream.byteLength + 1)))].sort((a, b) => a - b);
          const decoder = new FrameDecoder();
          const decoded: Uint8Array[] = [];
          let start = 0;
          for (const point of [...points, stream.byteLength]) {
            decoder.push(stream.subarray(start, point));
            start = point;
            decoded.push(...decodeAll(decoder, 1024));
          }
          expect(decoded.map((frame) => Buffer.from(frame).toString("hex"))).toEqual(
            frames.map((frame) => Buffer.from(frame).toString("hex")),
          );
          expect(decoder.bufferedBytes).toBe(0);
        },
      ),
    );
  });

  it("hands out copies the receiver owns", () => {
    const decoder = new FrameDecoder();
    const chunk = encode([new Uint8Array([1, 2, 3])]);
    decoder.push(chunk);
    const frame = decoder.next(16);
    chunk.fill(0);
    expect(frame).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("delivers an empty frame and a frame of exactly the limit", () => {
    const decoder = new FrameDecoder();
    decoder.push(encode([new Uint8Array(0), new Uint8Array(8).fill(7)]));
    expect(decodeAll(decoder, 8)).toEqual([new Uint8Array(0), new Uint8Array(8).fill(7)]);
  });

  it("refuses a prefix over the limit as soon as its four bytes are in", () => {
    const decoder = new FrameDecoder();
    const prefix = lengthPrefix(0xffff_ffff);
    for (const byte of prefix.subarray(0, 3)) {
      decoder.push(new Uint8Array([byte]));
      expect(decoder.next(1024)).toBeUndefined();
    }
    decoder.push(prefix.subarray(3));
    expect(() => decoder.next(1024)).toThrow(ZabError);
    try {
      decoder.next(1024);
    } catch (error) {
      expect(ZabError.isInstance(error, "BadFrame")).toBe(true);
    }
  });

  it("applies the limit given at each call (a handshake limit, then the channel's)", () => {
    const decoder = new FrameDecoder();
    decoder.push(encode([new Uint8Array(10), new Uint8Array(200)]));
    expect(decoder.next(16)).toHaveLength(10);
    expect(() => decoder.next(16)).toThrow(/exceeds the limit/);
    expect(decoder.next(256)).toHaveLength(200);
  });
});
