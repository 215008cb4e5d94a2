/**
 * The order in which a peer transport's listener hears frames and closures: one queue for all
 * members, drained in order, never re-entrantly.
 *
 * @module
 */
import { assert, type PeerTransportListener } from "@zab/core";
import type { PeerLink } from "./peer-link.js";

/** One event for the listener: a frame, or (without one) a closure. */
interface PeerEvent {
  readonly link: PeerLink;
  readonly frame: Uint8Array | undefined;
}

/**
 * When a queued event is delivered: `"now"` from socket events and handshake continuations;
 * `"later"` (on a later turn) from calls the listener's own member makes (`send`, `disconnect`),
 * which must never hear anything inside that call.
 *
 * @since 0.1.0
 * @internal
 */
export type DeliveryTime = "now" | "later";

/**
 * Delivers frames and closures to a {@link PeerTransportListener} in the order they happened.
 *
 * @remarks
 * Frames are delivered synchronously from the socket event that completed them, unless a
 * delivery is already running (the listener sent something that broke a channel, say): then the
 * running loop delivers them after the current call returns, so the listener is never entered
 * twice. A closure counts on its link until delivered ({@link PeerLink.closedUndelivered}), which
 * is how `send` knows to drop frames the sender meant for the broken channel. Two closures in a
 * row for one member, with nothing between, would say nothing new: the second is not queued.
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
   * Sets the listener; events queued before wait for it.
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
   * Queues a frame from a member's channel and delivers it now.
   *
   * @param link - The member.
   * @param frame - The frame; the listener owns it.
   */
  frame(link: PeerLink, frame: Uint8Array): void {
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
  closed(link: PeerLink, time: DeliveryTime): void {
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
