/**
 * An in-process network of members for tests that run the real server runtime: each member gets
 * a {@link PeerTransport} whose channels honour the transport contract, with faults to inject.
 *
 * @module
 */
import type { PeerTransport, PeerTransportListener, ServerId } from "@zab/core";

type LinkEntry =
  | { readonly kind: "frame"; readonly frame: Uint8Array; readonly readyAt: number }
  | { readonly kind: "closed"; readonly readyAt: number };

interface Link {
  queue: LinkEntry[];
  /** Whether a delivery of this link's queue is scheduled. */
  scheduled: boolean;
}

/**
 * Settings of a {@link MemoryNetwork}.
 *
 * @since 0.1.0
 */
export interface MemoryNetworkOptions {
  /** One-way delay of every frame in milliseconds. Default 0 (the next turn of the event loop). */
  readonly delayMs?: number;
}

/**
 * A switchboard connecting in-process members, with partitions and channel breaks.
 *
 * @remarks
 * Frames on a directed link are delivered in order after `delayMs`. Breaking a channel (directly,
 * by a partition, or when a transport is disposed) drops the frames in flight both ways and
 * tells both ends, before any later frame, that the channel closed.
 * @example
 * ```ts
 * const network = new MemoryNetwork();
 * const transport = network.transport(serverId(1));
 * network.partition([[serverId(1)]]); // isolate member 1
 * network.heal();
 * ```
 * @since 0.1.0
 */
export class MemoryNetwork {
  readonly #delayMs: number;
  readonly #listeners = new Map<ServerId, PeerTransportListener>();
  readonly #links = new Map<string, Link>();
  readonly #blocked = new Set<string>();

  /** @param options - Delay settings. */
  constructor(options: MemoryNetworkOptions = {}) {
    this.#delayMs = options.delayMs ?? 0;
  }

  /**
   * The transport of one member.
   *
   * @param self - The member's id.
   * @returns Its transport; disposing it is the member's process going away.
   */
  transport(self: ServerId): PeerTransport {
    return {
      specificationVersion: 1,
      listen: (listener) => {
        this.#listeners.set(self, listener);
      },
      send: (to, frame) => this.#send(self, to, frame),
      disconnect: (peer) => this.breakChannel(self, peer),
      [Symbol.asyncDispose]: async () => {
        this.#listeners.delete(self);
        for (const peer of this.#peersOf(self)) this.breakChannel(self, peer);
      },
    };
  }

  /**
   * Breaks the channel between two members: frames in flight are lost, both ends are told.
   *
   * @param a - One member.
   * @param b - The other.
   */
  breakChannel(a: ServerId, b: ServerId): void {
    this.#close(a, b);
    this.#close(b, a);
  }

  /**
   * Splits members into groups that cannot reach each other (symmetric); members not listed form
   * one more group.
   *
   * @param groups - Disjoint groups of members.
   */
  partition(groups: readonly (readonly ServerId[])[]): void {
    const members = [...new Set([...this.#listeners.keys(), ...groups.flat()])];
    const groupOf = new Map<ServerId, number>();
    groups.forEach((group, index) => {
      for (const id of group) groupOf.set(id, index);
    });
    for (const a of members) {
      for (const b of members) {
        if (a !== b && (groupOf.get(a) ?? -1) !== (groupOf.get(b) ?? -1)) this.blockOneWay(a, b);
      }
    }
  }

  /**
   * Drops everything `from` sends to `to`; the channel between them breaks.
   *
   * @param from - Sender side.
   * @param to - Receiver side.
   */
  blockOneWay(from: ServerId, to: ServerId): void {
    this.#blocked.add(`${from}>${to}`);
    this.breakChannel(from, to);
  }

  /** Lifts every partition. */
  heal(): void {
    this.#blocked.clear();
  }

  *#peersOf(self: ServerId): Iterable<ServerId> {
    for (const peer of this.#listeners.keys()) if (peer !== self) yield peer;
  }

  #link(from: ServerId, to: ServerId): Link {
    const key = `${from}>${to}`;
    let link = this.#links.get(key);
    if (link === undefined) {
      link = { queue: [], scheduled: false };
      this.#links.set(key, link);
    }
    return link;
  }

  #send(from: ServerId, to: ServerId, frame: Uint8Array): void {
    if (this.#blocked.has(`${from}>${to}`) || !this.#listeners.has(to)) return;
    this.#enqueue(from, to, { kind: "frame", frame, readyAt: performance.now() + this.#delayMs });
  }

  /** Drops what is in flight from `from` to `to` and tells `to` the channel closed. */
  #close(from: ServerId, to: ServerId): void {
    const link = this.#link(from, to);
    link.queue = link.queue.filter((entry) => entry.kind === "closed");
    this.#enqueue(from, to, { kind: "closed", readyAt: performance.now() });
  }

  #enqueue(from: ServerId, to: ServerId, entry: LinkEntry): void {
    const link = this.#link(from, to);
    link.queue.push(entry);
    if (!link.scheduled) this.#schedule(from, to, link);
  }

  #schedule(from: ServerId, to: ServerId, link: Link): void {
    const head = link.queue[0];
    if (head === undefined) return;
    link.scheduled = true;
    const wait = head.readyAt - performance.now();
    // setTimeout(0) waits a whole millisecond in Node; a due frame goes out on the next turn.
    if (wait <= 0) setImmediate(() => this.#pump(from, to, link));
    else setTimeout(() => this.#pump(from, to, link), wait);
  }

  /** Delivers every due entry of one link in order, then waits for the next. */
  #pump(from: ServerId, to: ServerId, link: Link): void {
    link.scheduled = false;
    const now = performance.now();
    // Bounded by the queue's length: each iteration removes one entry.
    while (link.queue.length > 0 && (link.queue[0]?.readyAt ?? now + 1) <= now) {
      const entry = link.queue.shift();
      const listener = this.#listeners.get(to);
      if (entry === undefined || listener === undefined) continue;
      if (entry.kind === "frame") listener.frame(from, entry.frame);
      else listener.closed(from);
    }
    this.#schedule(from, to, link);
  }
}
