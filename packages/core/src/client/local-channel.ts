/**
 * An in-process {@link ClientChannel}: two connected ends, no sockets.
 *
 * A client embedded in a member's own process talks to that member through it, exactly as a
 * remote client talks through a network transport, so the embedded and remote sessions share one
 * code path. Tests use it to stand a scripted member opposite a real client.
 *
 * @module
 */
import { assert } from "../assert.js";
import { ZabError } from "../errors.js";
import type { ClientChannel, ClientChannelListener } from "../ports/client-channel.js";

/**
 * Settings of {@link localChannelPair}.
 *
 * @since 0.1.0
 */
export interface LocalChannelOptions {
  /**
   * The most bytes queued towards one end and not yet delivered. Sending past it closes the
   * channel, as the {@link ClientChannel} contract asks: drop the connection, never memory.
   * Default 64 MiB.
   */
  readonly bufferedBytesMax?: number;
}

/**
 * Default of {@link LocalChannelOptions.bufferedBytesMax}: 64 MiB, room for sixteen frames of
 * the default 4 MiB maximum.
 *
 * @since 0.1.0
 */
export const LOCAL_CHANNEL_BUFFERED_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

/** The state both ends share: once closed, closed for both. */
interface Link {
  closed: boolean;
}

class LocalEnd implements ClientChannel {
  readonly #link: Link;
  readonly #bufferedBytesMax: number;
  #peer: LocalEnd | undefined;
  #listener: ClientChannelListener | undefined;
  /** Frames sent by the peer, not yet delivered here; `#inboxHead` is the next to deliver. */
  #inbox: Uint8Array[] = [];
  #inboxHead = 0;
  #inboxBytes = 0;
  #deliveryScheduled = false;
  #closeReported = false;

  constructor(link: Link, bufferedBytesMax: number) {
    this.#link = link;
    this.#bufferedBytesMax = bufferedBytesMax;
  }

  connect(peer: LocalEnd): void {
    assert(this.#peer === undefined, "a local channel end is connected once");
    this.#peer = peer;
  }

  listen(listener: ClientChannelListener): void {
    assert(this.#listener === undefined, "listen is called once per channel");
    this.#listener = listener;
    this.#scheduleDelivery();
  }

  send(frame: Uint8Array): void {
    if (this.#link.closed) return;
    assert(this.#peer !== undefined, "a local channel end is connected before use");
    this.#peer.#receive(frame);
  }

  close(): void {
    if (this.#link.closed) return;
    this.#link.closed = true;
    // Like a TCP close: what this end already sent still reaches the peer (a member may answer
    // and close at once), what it had not read yet is discarded.
    this.#closed(true);
    if (this.#peer !== undefined) this.#peer.#closed(false);
  }

  #receive(frame: Uint8Array): void {
    if (this.#inboxBytes + frame.byteLength > this.#bufferedBytesMax) {
      this.close();
      return;
    }
    this.#inbox.push(frame);
    this.#inboxBytes += frame.byteLength;
    this.#scheduleDelivery();
  }

  #closed(discardInbox: boolean): void {
    if (discardInbox) {
      this.#inbox = [];
      this.#inboxHead = 0;
      this.#inboxBytes = 0;
    }
    this.#scheduleDelivery();
  }

  #scheduleDelivery(): void {
    if (this.#listener === undefined || this.#deliveryScheduled || this.#closeReported) return;
    this.#deliveryScheduled = true;
    // A later macrotask, not a microtask: a client and a member answering each other at once
    // would otherwise run forever inside one microtask checkpoint and starve timers and I/O.
    setImmediate(() => this.#deliver());
  }

  #deliver(): void {
    this.#deliveryScheduled = false;
    // A close during this delivery (by the listener itself) is reported on the next turn, which
    // #closed scheduled, so `closed` is never heard inside the call that closed the channel.
    // Frames the peer sent before it closed are delivered first.
    const closedBefore = this.#link.closed;
    const listener = this.#listener;
    assert(listener !== undefined, "delivery is scheduled only once listening");
    // Terminates: each turn consumes one frame, and frames the listener sends in reply go to
    // the peer's inbox, not this one. A close by this end empties the inbox, which stops delivery.
    while (this.#inboxHead < this.#inbox.length) {
      const frame = this.#inbox[this.#inboxHead];
      assert(frame !== undefined, "the inbox holds a frame at its head");
      this.#inbox[this.#inboxHead] = EMPTY_FRAME;
      this.#inboxHead += 1;
      this.#inboxBytes -= frame.byteLength;
      listener.frame(frame);
    }
    if (this.#inboxHead === this.#inbox.length) {
      this.#inbox = [];
      this.#inboxHead = 0;
    }
    if (closedBefore && !this.#closeReported) {
      this.#closeReported = true;
      listener.closed();
    }
  }
}

/** Put in place of a delivered frame, so the inbox does not keep it alive. */
const EMPTY_FRAME = new Uint8Array(0);

/**
 * Creates two connected {@link ClientChannel} ends: what one sends, the other receives.
 *
 * @remarks
 * Honours the {@link ClientChannel} contract: frames arrive in the order sent, each exactly once,
 * always on a later turn of the event loop than the `send` (never re-entrantly), and only after
 * the receiving end called `listen`. `close` on either end closes both, like closing a TCP
 * socket: the frames the closing end sent before are still delivered to its peer, the frames it
 * had not received yet are discarded, and frames sent afterwards by either end are dropped. Each
 * end's listener hears `closed` exactly once, on a later turn, after the frames it still gets.
 * Frames are passed by reference, not copied: the sender hands ownership over.
 * @param options - The buffer bound.
 * @returns The two ends; by convention the client's first and the member's second.
 * @throws {@link ZabError} with code `"Invalid"` when `bufferedBytesMax` is not a positive safe
 *   integer.
 * @example
 * ```ts
 * import { localChannelPair } from "@zab/core";
 *
 * const [client, member] = localChannelPair();
 * member.listen({ frame: (frame) => member.send(frame), closed: () => {} });
 * client.listen({ frame: (frame) => console.log("echo", frame), closed: () => {} });
 * client.send(new Uint8Array([1, 2, 3]));
 * ```
 * @since 0.1.0
 */
export function localChannelPair(options?: LocalChannelOptions): [ClientChannel, ClientChannel] {
  const bufferedBytesMax = options?.bufferedBytesMax ?? LOCAL_CHANNEL_BUFFERED_BYTES_MAX_DEFAULT;
  if (!Number.isSafeInteger(bufferedBytesMax) || bufferedBytesMax < 1) {
    throw new ZabError(
      "Invalid",
      `bufferedBytesMax must be a positive safe integer, got ${bufferedBytesMax}`,
    );
  }
  const link: Link = { closed: false };
  const a = new LocalEnd(link, bufferedBytesMax);
  const b = new LocalEnd(link, bufferedBytesMax);
  a.connect(b);
  b.connect(a);
  return [a, b];
}
