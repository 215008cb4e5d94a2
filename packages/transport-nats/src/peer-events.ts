/**
 * What a NATS peer transport's listener hears, in order: frames and closures of every member's
 * channel on one queue, never delivered re-entrantly.
 *
 * @module
 */
import { assert, type PeerTransportListener, type ServerId } from "@zab/core";

/**
 * The per-member bookkeeping the queue keeps: closures queued and not yet heard.
 *
 * @since 0.1.0
 * @internal
 */
export interface PeerEventCounts {
  readonly peer: ServerId;
  /** Closures queued for this member and not yet delivered. */
  closuresPending: number;
  /** Whether the last event queued for this member is a closure (a second would say nothing). */
  lastWasClosure: boolean;
}

/**
 * Delivers frames and closures to the listener in the order they happened.
 *
 * @remarks
 * Events caused by NATS messages and timers are delivered at once (`"now"`), unless a delivery
 * is running, whose loop then takes them after the current call. Events caused by the member's
 * own calls (`send`, `disconnect`) wait for a later turn (`"later"`), so a listener never hears
 * anything inside its own call. While a member's closure waits, frames the member sends to it
 * belong to the broken channel and are dropped by the transport (see
 * {@link PeerEventCounts.closuresPending}).
 * @since 0.1.0
 * @internal
 */
export class PeerEvents {
  #listener: PeerTransportListener | undefined;
  #queue: { readonly counts: PeerEventCounts; readonly frame: Uint8Array | undefined }[] = [];
  #delivering = false;
  #scheduled = false;
  #stopped = false;

  /**
   * Sets the listener; what was queued before is delivered on a later turn.
   *
   * @param listener - The member's listener.
   */
  listen(listener: PeerTransportListener): void {
    assert(this.#listener === undefined, "listen is called once");
    this.#listener = listener;
    this.#schedule();
  }

  /** Whether a listener is set. */
  get listening(): boolean {
    return this.#listener !== undefined;
  }

  /**
   * Queues a frame and delivers it now (or after the delivery in progress).
   *
   * @param counts - The sender's bookkeeping.
   * @param frame - The frame.
   */
  frame(counts: PeerEventCounts, frame: Uint8Array): void {
    counts.lastWasClosure = false;
    this.#queue.push({ counts, frame });
    this.#drain();
  }

  /**
   * Queues `closed(peer)`.
   *
   * @param counts - The member's bookkeeping.
   * @param when - `"now"` from NATS events and timers, `"later"` from the member's own calls.
   */
  closed(counts: PeerEventCounts, when: "now" | "later"): void {
    if (counts.closuresPending > 0 && counts.lastWasClosure) return;
    counts.closuresPending += 1;
    counts.lastWasClosure = true;
    this.#queue.push({ counts, frame: undefined });
    if (when === "now") this.#drain();
    else this.#schedule();
  }

  /** Drops everything queued; nothing more is delivered. */
  stop(): void {
    this.#stopped = true;
    this.#queue = [];
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    const listener = this.#listener;
    if (this.#delivering || listener === undefined) return;
    this.#delivering = true;
    try {
      // Terminates: each turn takes one event; the listener adds only a bounded number of
      // events (closures of its own sends) per event it handles.
      for (
        let event = this.#queue.shift();
        event !== undefined && !this.#stopped;
        event = this.#queue.shift()
      ) {
        if (event.frame !== undefined) {
          listener.frame(event.counts.peer, event.frame);
          continue;
        }
        // Counted down first: what the listener sends from inside `closed` opens the next channel.
        event.counts.closuresPending -= 1;
        listener.closed(event.counts.peer);
      }
    } finally {
      this.#delivering = false;
    }
  }
}
