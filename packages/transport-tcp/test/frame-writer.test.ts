// Goal: frames written in one iteration of the event loop reach the socket as one write (one
// system call), small and large frames keep their order, and the writer refuses the frame that would take the unsent bytes past its
// bound. Method: a real loopback socket pair; the sending socket's stream-level write hooks are
// counted (they still do the real writing); a receiver that does not read lets unsent bytes pile up.
import { connect, createServer, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { FrameDecoder } from "../src/frame-decoder.js";
import { FrameWriter } from "../src/frame-writer.js";
import { until } from "./helpers/until.js";

async function socketPair(): Promise<{ client: Socket; server: Socket; close(): Promise<void> }> {
  const listener = createServer();
  const accepted = new Promise<Socket>((resolve) => {
    listener.once("connection", resolve);
  });
  await new Promise<void>((resolve) => listener.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const address = listener.address();
  if (address === null || typeof address === "string") throw new Error("bound to a TCP port");
  const client = connect({ host: "127.0.0.1", port: address.port });
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  const server = await accepted;
  return {
    client,
    server,
    close: async () => {
      client.destroy();
      server.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

interface Counted {
  write: number;
  writev: number;
  chunks: number;
}

/** Counts the stream's calls into the socket's own write paths, which still do the writing. */
function countWrites(socket: Socket): Counted {
  const counted: Counted = { write: 0, writev: 0, chunks: 0 };
  const internals = socket as unknown as {
    _write: (...args: unknown[]) => void;
    _writev: (chunks: unknown[], callback: unknown) => void;
  };
  const write = internals._write.bind(socket);
  const writev = internals._writev.bind(socket);
  internals._write = (...args) => {
    counted.write += 1;
    counted.chunks += 1;
    write(...args);
  };
  internals._writev = (chunks, callback) => {
    counted.writev += 1;
    counted.chunks += chunks.length;
    writev(chunks, callback);
  };
  return counted;
}

describe("FrameWriter", () => {
  it("sends the frames of one iteration in one write", async () => {
    const pair = await socketPair();
    try {
      const counted = countWrites(pair.client);
      const writer = new FrameWriter(pair.client, 1 << 20);
      for (let i = 0; i < 500; i += 1) expect(writer.write(new Uint8Array([i & 0xff, 1, 2]))).toBe(true);
      expect(counted.write + counted.writev).toBe(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(counted).toEqual({ write: 1, writev: 0, chunks: 1 });

      const decoder = new FrameDecoder();
      const frames: Uint8Array[] = [];
      pair.server.on("data", (chunk: Buffer) => {
        decoder.push(chunk);
        for (let frame = decoder.next(16); frame !== undefined; frame = decoder.next(16)) frames.push(frame);
      });
      await until(() => (frames.length === 500 ? true : undefined));
      expect(frames.map((frame) => frame[0])).toEqual([...Array(500).keys()].map((i) => i & 0xff));
    } finally {
      await pair.close();
    }
  });

  it("keeps the order of small frames and large ones, which go out uncopied in one vectored write", async () => {
    const pair = await socketPair();
    try {
      const counted = countWrites(pair.client);
      const writer = new FrameWriter(pair.client, 1 << 22);
      const sizes = [3, 40_000, 5, 7, 100_000, 1];
      for (const [i, size] of sizes.entries())
        expect(writer.write(new Uint8Array(size).fill(i + 1))).toBe(true);
      await new Promise((resolve) => setImmediate(resolve));
      // One corked write: [small run], [prefix, large], [small run], [prefix, large], [small run].
      expect(counted).toEqual({ write: 0, writev: 1, chunks: 7 });

      const decoder = new FrameDecoder();
      const frames: Uint8Array[] = [];
      pair.server.on("data", (chunk: Buffer) => {
        decoder.push(chunk);
        for (let frame = decoder.next(1 << 20); frame !== undefined; frame = decoder.next(1 << 20))
          frames.push(frame);
      });
      await until(() => (frames.length === sizes.length ? true : undefined));
      expect(frames.map((frame) => [frame.byteLength, frame[0]])).toEqual(
        sizes.map((size, i) => [size, i + 1]),
      );
    } finally {
      await pair.close();
    }
  });

  it("refuses the frame that would take the unsent bytes past the bound, writing nothing of it", async () => {
    const pair = await socketPair();
    try {
      pair.server.pause();
      const bound = 256 * 1024;
      const writer = new FrameWriter(pair.client, bound);
      const frame = new Uint8Array(16 * 1024);
      let refused = false;
      // The kernel takes what it can, then the bytes stay with the socket; the bound is on those.
      for (let turn = 0; turn < 10_000 && !refused; turn += 1) {
        for (let i = 0; i < 8 && !refused; i += 1) {
          const before = writer.bufferedBytes;
          refused = !writer.write(frame);
          if (refused) expect(writer.bufferedBytes).toBe(before);
          expect(writer.bufferedBytes).toBeLessThanOrEqual(bound);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(refused).toBe(true);
    } finally {
      await pair.close();
    }
  });
});
