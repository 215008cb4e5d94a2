/**
 * Writes length-prefixed frames to a socket, batched per turn of the event loop and bounded in
 * the bytes it lets pile up.
 *
 * @module
 */
import type { Socket } from "node:net";
import { LENGTH_PREFIX_BYTES, lengthPrefix } from "./frame-decoder.js";

/** Frames at most this long are copied into one buffer per flush; longer ones go out as they are. */
const COALESCE_BYTES_MAX = 16 * 1024;

/**
 * The sending half of a connection.
 *
 * @remarks
 * Frames queue in the writer until the check phase of the current event-loop iteration
 * (`setImmediate`), after every I/O callback of that iteration has run; then they go to the
 * socket together. A leader that handles a client's request, two ACKs and another request in one
 * iteration sends its PROPOSALs and COMMITs to a follower in one system call, not one per
 * callback. Small frames and their length prefixes are copied into one buffer: a single chunk
 * costs the stream one write instead of two per frame. Large frames (a DIFF or SNAP chunk) are
 * not copied; they go in the same corked write.
 *
 * The bound counts what the writer and the socket hold and the kernel has not taken yet. A peer
 * that stops reading fills the kernel's buffers first, then these; {@link FrameWriter.write}
 * refuses the frame that would cross the bound, and the owner breaks the channel: backpressure
 * costs the connection, never unbounded memory.
 * @since 0.1.0
 * @internal
 */
export class FrameWriter {
  readonly #socket: Socket;
  readonly #bufferedBytesMax: number;
  #queued: Uint8Array[] = [];
  #queuedBytes = 0;
  #scheduled = false;

  /**
   * @param socket - The socket to write to.
   * @param bufferedBytesMax - The most bytes the writer and the socket may hold unsent.
   */
  constructor(socket: Socket, bufferedBytesMax: number) {
    this.#socket = socket;
    this.#bufferedBytesMax = bufferedBytesMax;
  }

  /** Bytes written and not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.#socket.writableLength + this.#queuedBytes;
  }

  /**
   * Queues a frame unless that would take the buffered bytes past the bound.
   *
   * @param frame - The frame; the writer keeps a reference until it is sent.
   * @returns `false` when the frame was refused (nothing was written).
   */
  write(frame: Uint8Array): boolean {
    if (this.bufferedBytes + LENGTH_PREFIX_BYTES + frame.byteLength > this.#bufferedBytesMax) {
      return false;
    }
    this.writeUnbounded(frame);
    return true;
  }

  /**
   * Queues a frame without checking the bound; for the few small messages of the handshake.
   *
   * @param frame - The frame.
   */
  writeUnbounded(frame: Uint8Array): void {
    // A destroyed or ended socket would report the write as an error event; what is written after
    // the end is lost anyway, as the channel contract allows.
    if (!this.#socket.writable) return;
    this.#queued.push(frame);
    this.#queuedBytes += LENGTH_PREFIX_BYTES + frame.byteLength;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Hands what is queued to the socket now, rather than at the end of the iteration. */
  flush(): void {
    this.#scheduled = false;
    const frames = this.#queued;
    if (frames.length === 0) return;
    this.#queued = [];
    this.#queuedBytes = 0;
    if (!this.#socket.writable) return;
    const chunks = coalesce(frames);
    if (chunks.length === 1) {
      this.#socket.write(chunks[0] as Uint8Array);
      return;
    }
    this.#socket.cork();
    for (const chunk of chunks) this.#socket.write(chunk);
    this.#socket.uncork();
  }
}

/**
 * The frames with their length prefixes as few chunks: runs of small frames copied into one
 * buffer each, large frames on their own behind their prefix.
 */
function coalesce(frames: readonly Uint8Array[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  let runBytes = 0;
  const endRun = () => {
    if (run.length === 0) return;
    const buffer = Buffer.allocUnsafe(runBytes);
    let offset = 0;
    for (const frame of run) {
      buffer.writeUInt32BE(frame.byteLength, offset);
      buffer.set(frame, offset + LENGTH_PREFIX_BYTES);
      offset += LENGTH_PREFIX_BYTES + frame.byteLength;
    }
    chunks.push(buffer);
    run = [];
    runBytes = 0;
  };
  for (const frame of frames) {
    if (frame.byteLength <= COALESCE_BYTES_MAX) {
      run.push(frame);
      runBytes += LENGTH_PREFIX_BYTES + frame.byteLength;
      continue;
    }
    endRun();
    chunks.push(lengthPrefix(frame.byteLength), frame);
  }
  endRun();
  return chunks;
}
