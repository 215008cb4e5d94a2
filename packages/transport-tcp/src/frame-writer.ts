/**
 * Writes length-prefixed frames to a socket, batched per turn of the event loop and bounded in
 * the bytes it lets pile up.
 *
 * @module
 */
import type { Socket } from "node:net";
import { LENGTH_PREFIX_BYTES, lengthPrefix } from "./frame-decoder.js";

/**
 * The sending half of a connection.
 *
 * @remarks
 * The first write of a turn corks the socket and schedules the uncork for the end of the current
 * operation (`process.nextTick`), so every frame the member produces in one turn (a Ready's worth
 * of PROPOSALs and COMMITs, say) leaves in one `writev` system call instead of two per frame.
 *
 * The bound counts what the socket holds and the kernel has not taken yet
 * (`socket.writableLength`). A peer that stops reading fills the kernel's buffers first, then
 * this one; {@link FrameWriter.write} refuses the frame that would cross the bound, and the
 * owner breaks the channel: backpressure costs the connection, never unbounded memory.
 * @since 0.1.0
 * @internal
 */
export class FrameWriter {
  readonly #socket: Socket;
  readonly #bufferedBytesMax: number;
  #corked = false;

  /**
   * @param socket - The socket to write to.
   * @param bufferedBytesMax - The most bytes the socket may hold unsent.
   */
  constructor(socket: Socket, bufferedBytesMax: number) {
    this.#socket = socket;
    this.#bufferedBytesMax = bufferedBytesMax;
  }

  /** Bytes written and not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.#socket.writableLength;
  }

  /**
   * Queues a frame unless that would take the buffered bytes past the bound.
   *
   * @param frame - The frame; the socket keeps a reference until it is sent.
   * @returns `false` when the frame was refused (nothing was written).
   */
  write(frame: Uint8Array): boolean {
    if (this.#socket.writableLength + LENGTH_PREFIX_BYTES + frame.byteLength > this.#bufferedBytesMax) {
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
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => this.flush());
    }
    this.#socket.write(lengthPrefix(frame.byteLength));
    if (frame.byteLength > 0) this.#socket.write(frame);
  }

  /** Hands what this turn queued to the kernel now, rather than at the end of the turn. */
  flush(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#socket.uncork();
  }
}
