/**
 * A {@link ClientChannel} over NATS, for either end: the client's (from {@link natsClientDialer})
 * and the member's (from {@link listenClients}).
 *
 * @module
 */
import { assert, type ClientChannel, type ClientChannelListener, type Logger } from "@zab/core";
import type { Envelope } from "./envelope.js";
import type { ChannelBreak, NatsChannel } from "./nats-channel.js";

/**
 * One client channel.
 *
 * @remarks
 * Frames that arrive before `listen` wait for it (they are not acknowledged until delivered, so
 * the other end's `bufferedBytesMax` bounds them); from the turn after `listen` they are
 * delivered in order, synchronously from NATS events. `closed` is heard once, on a later turn
 * than whatever caused it, after every frame delivered. `close` is orderly: the `close` message
 * takes the next seq, so the other end gets every frame sent before it. `send` after the end
 * drops the frame; a frame larger than `frameBytesMax` or credit beyond `bufferedBytesMax`
 * closes the channel.
 * @since 0.1.0
 * @internal
 */
export class NatsClientChannel implements ClientChannel {
  readonly #channel: NatsChannel;
  readonly #frameBytesMax: number;
  readonly #logger: Logger;
  readonly #onEnd: () => void;
  #listener: ClientChannelListener | undefined;
  #waiting: Uint8Array[] = [];
  #ended = false;
  #closeReported = false;

  /**
   * @param channel - The established channel.
   * @param settings - The frame limit, the logger, and what to do once the channel is over.
   */
  constructor(
    channel: NatsChannel,
    settings: { readonly frameBytesMax: number; readonly logger: Logger; readonly onEnd: () => void },
  ) {
    this.#channel = channel;
    this.#frameBytesMax = settings.frameBytesMax;
    this.#logger = settings.logger;
    this.#onEnd = settings.onEnd;
  }

  /** The channel underneath, for its owner. */
  get channel(): NatsChannel {
    return this.#channel;
  }

  listen(listener: ClientChannelListener): void {
    assert(this.#listener === undefined, "listen is called once per channel");
    // A later turn, so the listener never hears anything inside its own call to `listen`.
    setImmediate(() => {
      this.#listener = listener;
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const frame of waiting) this.#deliver(frame);
      if (this.#ended) this.#reportClosed();
    });
  }

  send(frame: Uint8Array): void {
    if (this.#ended) return;
    const now = performance.now();
    if (frame.byteLength > this.#frameBytesMax) {
      this.#logger.warn(
        { frameBytes: frame.byteLength, frameBytesMax: this.#frameBytesMax },
        "closing a client channel: a frame exceeds frameBytesMax",
      );
      this.#channel.close(now);
      this.#finish();
      return;
    }
    if (!this.#channel.send(frame, now)) {
      this.#logger.warn(
        { unacknowledgedBytes: this.#channel.unacknowledgedBytes },
        "closing a client channel: the other end does not take frames fast enough and bufferedBytesMax is reached",
      );
      this.#channel.close(now);
      this.#finish();
    }
  }

  close(): void {
    if (this.#ended) return;
    this.#channel.close(performance.now());
    this.#finish();
  }

  /**
   * Takes an envelope of this channel.
   *
   * @param envelope - Authenticated and addressed to this end.
   * @returns Why the channel ended, if it did.
   */
  receive(envelope: Envelope): ChannelBreak | undefined {
    if (this.#ended) return undefined;
    const ended = this.#channel.receive(envelope, (frame) => this.#deliver(frame), performance.now());
    if (ended !== undefined) {
      if (ended !== "closed") this.#logger.warn({ reason: ended }, `closing a client channel: ${ended}`);
      this.#finish();
    }
    return ended;
  }

  /**
   * Ends the channel without telling the other end: the connection to NATS was lost, the other
   * end reset it or fell silent, or the endpoint is going away.
   */
  abandon(): void {
    this.#channel.abandon();
    this.#finish();
  }

  #deliver(frame: Uint8Array): void {
    const listener = this.#listener;
    if (listener === undefined) {
      this.#waiting.push(frame);
      return;
    }
    if (this.#closeReported) return;
    listener.frame(frame);
    this.#channel.delivered(frame.byteLength, performance.now());
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnd();
    // A later turn: a listener that closes the channel never hears `closed` inside its own call.
    setImmediate(() => this.#reportClosed());
  }

  #reportClosed(): void {
    const listener = this.#listener;
    if (listener === undefined || this.#closeReported || this.#waiting.length > 0) return;
    this.#closeReported = true;
    listener.closed();
  }
}
