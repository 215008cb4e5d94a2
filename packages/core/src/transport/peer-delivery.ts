/**
 * The order in which a peer transport's listener hears frames and closures: one queue for all
 * members, drained in order, never re-entrantly. Shared by the TCP and NATS transports, which
 * differ in how channels are made and broken but owe the listener the same order.
 *
 * @module
 */
import { assert } from "../assert.js";
import type { PeerTransportListener } from "../ports/peer-transport.js";
import type { ServerId } from "../protocol/ids.js";

/**
 * What {@link PeerDelivery} keeps on the transport's own per-member record (a TCP link, a NATS
 * peer): the closures queued and not yet heard.
 *
 * @remarks
 * The transport reads {@link PeerDeliveryLink.closedUndelivered} in `send`: while a closure of the
 * member waits to be heard, a frame the listener sends it belongs to the broken channel (the
 * listener has not yet learned it broke) and is dropped rather than carried over a new one.
 * @since 0.1.0
 * @internal
 */
export interface PeerDeliveryLink {
  /** The member. */
  readonly peer: ServerId;
  /** Closures of this member queued and not yet delivered. */
  closedUndelivered: number;
  /** Whether the last event queued for this member is a closure (a second in a row says nothing). */
  lastEventClosed: boolean;
}

/**
 * When a queued event is delivered: `"now"` from network events, timers and handshake
 * continuations; `"later"` (on a later turn) from calls the listener's own member makes (`send`,
 * `disconnect`), which must never hear anything inside that call.
 *
 * @since 0.1.0
 * @internal
 */
export type DeliveryTime = "now" | "later";

/** One event for the listener: a frame, or (without one) a closure. */
interface PeerEvent {
  readonly link: PeerDeliveryLink;
  readonly frame: Uint8Array | undefined;
}

/**
 * Delivers frames and closures to a {@link PeerTransportListener} in the order they happened.
 *
 * @remarks
 * Frames are delivered synchronously from the event that completed them, unless a delivery is
 * already running (the listener sent something that broke a channel, say): then the running loop
 * delivers them after the current call returns, so the listener is never entered twice. A closure
 * counts on its link until delivered ({@link PeerDeliveryLink.closedUndelivered}), which is how
 * `send` knows to drop frames the sender meant for the broken channel. Two closures in a row for
 * one member, with nothing between, would say nothing new: the second is not queued.
 * @since 0.1.0
 * @internal
 */
export class PeerDelivery {
  #listener: PeerTransportListener | undefined;
  /** Events in order; those before `#head` are delivered. */
  #events: (PeerEvent | undefined)[] = [];
  #head = 0;
  #delivering = false;
  #scheduled = false;
  #stopped = false;

  /**
   * Sets the listener; events queued before wait for it, and are delivered on a later turn.
   *
   * @param listener - The member's listener.
   */
  listen(listener: PeerTransportListener): void {
    assert(this.#listener === undefined, "listen is called once");
    this.#listener = listener;
    this.#scheduleDelivery();
  }

  /** Whether a listener is set. */
  get listening(): boolean {
    return this.#listener !== undefined;
  }

  /**
   * Queues a frame from a member's channel and delivers it now (or after the delivery running).
   *
   * @param link - The member.
   * @param frame - The frame; the listener owns it.
   */
  frame(link: PeerDeliveryLink, frame: Uint8Array): void {
    this.#events.push({ link, frame });
    link.lastEventClosed = false;
    this.#deliver();
  }

  /**
   * Queues `closed(peer)`: the channel to a member broke, or frames sent to it were lost.
   *
   * @param link - The member.
   * @param time - When to deliver it.
   */
  closed(link: PeerDeliveryLink, time: DeliveryTime): void {
    if (link.closedUndelivered > 0 && link.lastEventClosed) return;
    link.closedUndelivered += 1;
    link.lastEventClosed = true;
    this.#events.push({ link, frame: undefined });
    if (time === "now") this.#deliver();
    else this.#scheduleDelivery();
  }

  /** Drops everything queued and delivers nothing more: the transport is closed. */
  stop(): void {
    this.#stopped = true;
    this.#events = [];
    this.#head = 0;
  }

  #scheduleDelivery(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#deliver();
    });
  }

  /** Delivers queued events in order; an event queued while delivering joins the same loop. */
  #deliver(): void {
    const listener = this.#listener;
    if (this.#delivering || listener === undefined || this.#stopped) return;
    this.#delivering = true;
    try {
      // Terminates: each iteration delivers one event; the listener adds events only by sending
      // (closures of its own making), a bounded number per event it handles.
      while (this.#head < this.#events.length && !this.#stopped) {
        const event = this.#events[this.#head];
        this.#events[this.#head] = undefined;
        this.#head += 1;
        assert(event !== undefined, "each queued event is delivered once");
        const { link, frame } = event;
        if (frame !== undefined) {
          listener.frame(link.peer, frame);
          continue;
        }
        assert(link.closedUndelivered > 0, "a queued closure is counted on its link");
        // Counted down first: frames the listener sends from inside `closed` open the next channel.
        link.closedUndelivered -= 1;
        listener.closed(link.peer);
      }
    } finally {
      this.#delivering = false;
      if (this.#head >= this.#events.length) {
        this.#events = [];
        this.#head = 0;
      }
    }
  }
}
