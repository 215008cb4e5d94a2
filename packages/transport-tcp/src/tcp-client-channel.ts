/**
 * A {@link ClientChannel} over one authenticated connection, for either end: the client's
 * (from {@link tcpClientDialer}) and the member's (from {@link listenClients}).
 *
 * @module
 */
import { assert, type ClientChannel, type ClientChannelListener, type Logger } from "@zab/core";
import type { Connection, ConnectionEnd } from "./connection.js";

/**
 * One client connection, framed.
 *
 * @remarks
 * Frames are delivered in order, synchronously from socket events, from the turn after `listen`
 * (until then the socket is paused, so nothing piles up). `closed` is heard once, on a
 * later turn than the `close` that caused it, after every frame delivered. `send` after the end
 * drops the frame; a frame larger than `frameBytesMax` or a send buffer over its bound closes the
 * channel.
 * @since 0.1.0
 * @internal
 */
export class TcpClientChannel implements ClientChannel {
  readonly #connection: Connection;
  readonly #frameBytesMax: number;
  readonly #logger: Logger;
  readonly #onEnd: () => void;
  #listener: ClientChannelListener | undefined;
  #closed = false;
  #closeReported = false;

  /**
   * @param connection - A connection whose handshake succeeded, in its `ready` phase.
   * @param settings - The frame limit, the logger, and what to do once the channel is over.
   */
  constructor(
    connection: Connection,
    settings: { readonly frameBytesMax: number; readonly logger: Logger; readonly onEnd: () => void },
  ) {
    this.#connection = connection;
    this.#frameBytesMax = settings.frameBytesMax;
    this.#logger = settings.logger;
    this.#onEnd = settings.onEnd;
  }

  listen(listener: ClientChannelListener): void {
    assert(this.#listener === undefined, "listen is called once per channel");
    this.#listener = listener;
    // A later turn, so the listener never hears anything inside its own call to `listen`; the
    // socket stays paused until then.
    setImmediate(() => {
      if (this.#closed) {
        this.#reportClosed();
        return;
      }
      this.#connection.open({
        frame: (frame) => {
          if (!this.#closed) listener.frame(frame);
        },
        ended: (end) => this.#ended(end),
      });
    });
  }

  send(frame: Uint8Array): void {
    if (this.#closed) return;
    if (frame.byteLength > this.#frameBytesMax) {
      this.#logger.warn(
        { remote: this.#connection.remote, frameBytes: frame.byteLength, frameBytesMax: this.#frameBytesMax },
        "closing a client channel: a frame exceeds frameBytesMax",
      );
      this.#connection.destroy();
      this.#finish();
      return;
    }
    if (!this.#connection.send(frame)) {
      this.#logger.warn(
        { remote: this.#connection.remote, bufferedBytes: this.#connection.bufferedBytes },
        "closing a client channel: the other end does not read fast enough and the send buffer is full",
      );
      this.#connection.destroy();
      this.#finish();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#connection.close();
    this.#finish();
  }

  /** Closes at once, dropping what is queued (the endpoint is going away). */
  destroy(): void {
    this.#connection.destroy();
    this.#finish();
  }

  #ended(end: ConnectionEnd): void {
    if (end.protocolError) {
      this.#logger.warn(
        { remote: this.#connection.remote, reason: end.reason },
        `closing a client channel: ${end.reason}`,
      );
    }
    this.#finish();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onEnd();
    // A later turn: a listener that closes the channel never hears `closed` inside its own call.
    setImmediate(() => this.#reportClosed());
  }

  #reportClosed(): void {
    const listener = this.#listener;
    if (listener === undefined || this.#closeReported) return;
    this.#closeReported = true;
    listener.closed();
  }
}
