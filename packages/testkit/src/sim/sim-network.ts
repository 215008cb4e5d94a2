/**
 * The simulated network: one FIFO channel per ordered pair of members, with delays, breaks and
 * partitions, honouring the transport contract (no reordering or duplication within a channel;
 * a break loses what was in flight and is reported to both ends).
 *
 * @module
 */
import type { PeerMessage, ServerId } from "@zab/core";

/**
 * A delivery the network scheduled.
 *
 * @since 0.1.0
 */
export interface Delivery {
  /** The sender. */
  readonly from: ServerId;
  /** The receiver. */
  readonly to: ServerId;
  /** What is delivered. */
  readonly message: PeerMessage;
  /** The virtual time of delivery; never before the previous delivery on the same channel. */
  readonly at: number;
  /** The channel incarnation it travels on; a break invalidates it. */
  readonly incarnation: number;
}

function linkKey(from: ServerId, to: ServerId): string {
  return `${from}>${to}`;
}

/**
 * Channels between members and the faults applied to them.
 *
 * @since 0.1.0
 */
export class SimNetwork {
  /** Directed links that currently drop everything. */
  readonly #blocked = new Set<string>();
  /** Per directed link: the incarnation number and the time of its last scheduled delivery. */
  readonly #channels = new Map<string, { incarnation: number; lastAt: number }>();
  #nextIncarnation = 1;

  /**
   * Schedules a message, or drops it if the link is blocked.
   *
   * @param from - Sender.
   * @param to - Receiver.
   * @param message - The message.
   * @param at - The earliest delivery time; FIFO order may push it later.
   * @returns The delivery, or `undefined` when dropped.
   */
  send(from: ServerId, to: ServerId, message: PeerMessage, at: number): Delivery | undefined {
    const key = linkKey(from, to);
    if (this.#blocked.has(key)) return undefined;
    let channel = this.#channels.get(key);
    if (channel === undefined) {
      channel = { incarnation: this.#nextIncarnation, lastAt: 0 };
      this.#nextIncarnation += 1;
      this.#channels.set(key, channel);
    }
    const deliverAt = Math.max(at, channel.lastAt);
    channel.lastAt = deliverAt;
    return { from, to, message, at: deliverAt, incarnation: channel.incarnation };
  }

  /**
   * Tells whether a delivery's channel still exists (no break since it was sent).
   *
   * @param delivery - A scheduled delivery.
   * @returns `true` when it may be delivered.
   */
  isCurrent(delivery: Delivery): boolean {
    return this.#channels.get(linkKey(delivery.from, delivery.to))?.incarnation === delivery.incarnation;
  }

  /**
   * Breaks the channels between two members in both directions: what was in flight is lost.
   *
   * @param a - One member.
   * @param b - The other.
   */
  breakChannels(a: ServerId, b: ServerId): void {
    this.#channels.delete(linkKey(a, b));
    this.#channels.delete(linkKey(b, a));
  }

  /**
   * Blocks a directed link (a one-way partition) and breaks its channels.
   *
   * @param from - Sender side.
   * @param to - Receiver side.
   */
  block(from: ServerId, to: ServerId): void {
    this.#blocked.add(linkKey(from, to));
    this.breakChannels(from, to);
  }

  /** Lifts every partition. */
  healAll(): void {
    this.#blocked.clear();
  }

  /**
   * Tells whether a directed link is blocked.
   *
   * @param from - Sender side.
   * @param to - Receiver side.
   * @returns `true` when messages on it are dropped.
   */
  isBlocked(from: ServerId, to: ServerId): boolean {
    return this.#blocked.has(linkKey(from, to));
  }
}
