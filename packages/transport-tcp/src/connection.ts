/**
 * One socket, framed: handshake messages first, then the frames of a channel.
 *
 * @module
 */
import type { Socket } from "node:net";
import { assert, ZabError } from "@zab/core";
import { FrameDecoder } from "./frame-decoder.js";
import { FrameWriter } from "./frame-writer.js";
import { HANDSHAKE_BYTES_MAX } from "./handshake-messages.js";

/**
 * Why a connection ended by itself (not by its owner's `close` or `destroy`).
 *
 * @since 0.1.0
 * @internal
 */
export interface ConnectionEnd {
  /** A sentence for the log. */
  readonly reason: string;
  /** Whether the other end broke the protocol (an oversize frame), rather than just leaving. */
  readonly protocolError: boolean;
}

/**
 * What an open connection reports to its owner.
 *
 * @since 0.1.0
 * @internal
 */
export interface ConnectionHandlers {
  /** A frame arrived; the handler owns it. */
  frame(frame: Uint8Array): void;
  /** The connection ended by itself; called once, after every frame that arrived before. */
  ended(end: ConnectionEnd): void;
}

/**
 * The settings of a connection.
 *
 * @since 0.1.0
 * @internal
 */
export interface ConnectionLimits {
  readonly frameBytesMax: number;
  readonly bufferedBytesMax: number;
}

/** TCP keepalive probes start after this much idle time: a safety net for half-open connections. */
const KEEPALIVE_DELAY_MS = 10_000;
/**
 * After a graceful close, how long to keep reading (and discarding) before destroying the socket.
 * Closing while the other end still sends would make the kernel answer with a reset, which can
 * destroy the last frames we sent before the other end reads them.
 */
const CLOSE_LINGER_MS = 2_000;

type Phase = "handshake" | "ready" | "open";

interface Waiter {
  resolve(message: Uint8Array): void;
  reject(error: Error): void;
}

/**
 * A framed socket with three phases.
 *
 * @remarks
 * - `handshake`: {@link Connection.readMessage} returns the next message, limited to
 *   {@link HANDSHAKE_BYTES_MAX} bytes; while nobody waits for one, the socket is paused, so a
 *   peer cannot make it buffer more than a chunk ahead.
 * - `ready`: authenticated, but nobody listens yet (a client channel before `listen`); the
 *   socket stays paused and what already arrived waits.
 * - `open`: frames go to the handlers as they complete, synchronously from the socket's data
 *   event, limited to `frameBytesMax` each. A longer length prefix ends the connection at once.
 *
 * The connection tells its owner only about ends it did not ask for: once the owner calls
 * {@link Connection.close} or {@link Connection.destroy}, no handler is called again.
 * @since 0.1.0
 * @internal
 */
export class Connection {
  /** The socket (a `TLSSocket` under TLS). */
  readonly socket: Socket;
  /** `host:port` of the other end, for logs. */
  readonly remote: string;
  readonly #decoder = new FrameDecoder();
  readonly #writer: FrameWriter;
  readonly #frameBytesMax: number;
  #phase: Phase = "handshake";
  #waiter: Waiter | undefined;
  #handlers: ConnectionHandlers | undefined;
  /** Set when the connection ended by itself before anyone could be told. */
  #end: ConnectionEnd | undefined;
  /** Set once the connection is over, whoever ended it; nothing is delivered afterwards. */
  #finished = false;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param socket - A connected socket (a secure one under TLS).
   * @param limits - Frame size and buffer bounds.
   */
  constructor(socket: Socket, limits: ConnectionLimits) {
    this.socket = socket;
    this.remote = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    this.#frameBytesMax = limits.frameBytesMax;
    this.#writer = new FrameWriter(socket, limits.bufferedBytesMax);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    socket.pause();
    socket.on("data", (chunk: Buffer) => this.#received(chunk));
    socket.on("end", () =>
      this.#ended({ reason: "the other end closed the connection", protocolError: false }),
    );
    socket.on("error", (error) => this.#ended({ reason: error.message, protocolError: false }));
    socket.on("close", () => {
      clearTimeout(this.#lingerTimer);
      this.#ended({ reason: "the connection closed", protocolError: false });
    });
  }

  /** Bytes queued towards the other end and not yet taken by the kernel. */
  get bufferedBytes(): number {
    return this.#writer.bufferedBytes;
  }

  /** Whether the connection is over. */
  get finished(): boolean {
    return this.#finished;
  }

  /**
   * Waits for the next handshake message.
   *
   * @param signal - Gives up (and destroys the connection) when it fires.
   * @returns The message's bytes.
   * @throws The signal's reason when it fired; {@link @zab/core!ZabError} with code `"BadFrame"` for a
   *   message over the handshake limit, `"ConnectionLoss"` when the connection ended.
   */
  readMessage(signal: AbortSignal): Promise<Uint8Array> {
    assert(this.#phase === "handshake", "handshake messages are read during the handshake only");
    assert(this.#waiter === undefined, "one handshake message is awaited at a time");
    return new Promise<Uint8Array>((resolve, reject) => {
      if (this.#finished) {
        reject(new ZabError("ConnectionLoss", this.#end?.reason ?? "the connection closed"));
        return;
      }
      const onAbort = () => {
        this.#waiter = undefined;
        this.destroy();
        reject(signal.reason);
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiter = {
        resolve: (message) => {
          signal.removeEventListener("abort", onAbort);
          resolve(message);
        },
        reject: (error) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      this.socket.resume();
      this.#pump();
    });
  }

  /**
   * Sends a handshake message (never refused: it is tiny).
   *
   * @param message - The encoded message.
   */
  sendMessage(message: Uint8Array): void {
    this.#writer.writeUnbounded(message);
  }

  /** Ends the handshake without opening: the socket stays paused until {@link Connection.open}. */
  ready(): void {
    assert(this.#phase === "handshake", "a connection becomes ready once, after its handshake");
    assert(this.#waiter === undefined, "no handshake message is awaited when it becomes ready");
    this.#phase = "ready";
  }

  /**
   * Starts delivering frames: first those already buffered, then as they arrive; then the end,
   * if the connection already ended.
   *
   * @param handlers - Receive the frames and the end.
   */
  open(handlers: ConnectionHandlers): void {
    assert(this.#phase !== "open", "a connection opens once");
    assert(this.#waiter === undefined, "no handshake message is awaited when it opens");
    this.#phase = "open";
    const end = this.#end;
    if (end !== undefined) {
      // It ended before anyone listened: what arrived before the end is still delivered, as
      // TCP delivers the data before a FIN. Bounded by the bytes buffered.
      this.#end = undefined;
      for (;;) {
        let frame: Uint8Array | undefined;
        try {
          frame = this.#decoder.next(this.#frameBytesMax);
        } catch {
          // An oversize prefix after the end: the frames before it were delivered, the rest is
          // garbage of a connection that is over anyway.
          break;
        }
        if (frame === undefined) break;
        handlers.frame(frame);
      }
      handlers.ended(end);
      return;
    }
    // Closed by its owner before opening: there is nothing to deliver.
    if (this.#finished) return;
    this.#handlers = handlers;
    this.#pump();
    if (!this.#finished) this.socket.resume();
  }

  /**
   * Queues a frame, unless it would take the buffered bytes past the bound.
   *
   * @param frame - The frame; the connection owns it from now on.
   * @returns `false` when refused: the owner must break the channel.
   */
  send(frame: Uint8Array): boolean {
    if (this.#finished) return true;
    return this.#writer.write(frame);
  }

  /**
   * Closes gracefully: what was queued still goes out, then the end of stream; whatever arrives
   * afterwards is discarded. No handler is called again.
   */
  close(): void {
    if (this.#finished) return;
    this.#finish();
    this.#writer.flush();
    this.socket.end();
    // Keep reading (to discard) until the other end closes too, or the linger time runs out.
    this.socket.resume();
    this.#lingerTimer = setTimeout(() => this.socket.destroy(), CLOSE_LINGER_MS);
    this.#lingerTimer.unref();
  }

  /** Closes at once, dropping whatever is queued. No handler is called again. */
  destroy(): void {
    if (this.#finished) {
      this.socket.destroy();
      return;
    }
    this.#finish();
    this.socket.destroy();
  }

  #finish(): void {
    this.#finished = true;
    this.#handlers = undefined;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(new ZabError("ConnectionLoss", "the connection was closed"));
  }

  #received(chunk: Buffer): void {
    if (this.#finished) return;
    this.#decoder.push(chunk);
    this.#pump();
  }

  /** Hands out what the decoder holds, as the phase allows. */
  #pump(): void {
    if (this.#phase === "handshake") {
      const waiter = this.#waiter;
      if (waiter === undefined) {
        this.socket.pause();
        return;
      }
      let message: Uint8Array | undefined;
      try {
        message = this.#decoder.next(HANDSHAKE_BYTES_MAX);
      } catch (error) {
        this.#fail(error);
        return;
      }
      if (message === undefined) return;
      this.#waiter = undefined;
      this.socket.pause();
      waiter.resolve(message);
      return;
    }
    if (this.#phase === "ready") {
      this.socket.pause();
      return;
    }
    // Bounded by the bytes buffered: each iteration takes one whole frame out of the decoder. A
    // handler that closes the connection stops the loop.
    while (!this.#finished && this.#handlers !== undefined) {
      let frame: Uint8Array | undefined;
      try {
        frame = this.#decoder.next(this.#frameBytesMax);
      } catch (error) {
        this.#fail(error);
        return;
      }
      if (frame === undefined) return;
      this.#handlers.frame(frame);
    }
  }

  /** The other end broke the framing: the connection ends at once. */
  #fail(error: unknown): void {
    const reason = ZabError.isInstance(error) ? error.message : String(error);
    const handlers = this.#handlers;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    this.#finish();
    this.socket.destroy();
    if (waiter !== undefined) waiter.reject(error instanceof Error ? error : new Error(reason));
    else if (handlers !== undefined) handlers.ended({ reason, protocolError: true });
    else this.#end = { reason, protocolError: true };
  }

  /** The socket ended or failed by itself. */
  #ended(end: ConnectionEnd): void {
    if (this.#finished) return;
    const handlers = this.#handlers;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    this.#finish();
    this.socket.destroy();
    if (waiter !== undefined) waiter.reject(new ZabError("ConnectionLoss", end.reason));
    else if (handlers !== undefined) handlers.ended(end);
    else this.#end = end;
  }
}
