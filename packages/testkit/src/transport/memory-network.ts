/**
 * An in-process network of members for tests that run the real server runtime: each member gets
 * a {@link PeerTransport} whose channels honour the transport contract, with faults to inject.
 *
 * @module
 */
import {
  FRAME_BYTES_MAX_DEFAULT,
  type PeerTransport,
  type PeerTransportListener,
  type ServerId,
  ZabError,
} from "@zab/core";

type LinkEntry =
  | { readonly kind: "frame"; readonly frame: Uint8Array; readonly readyAt: number }
  | { readonly kind: "closed"; readonly readyAt: number };

interface Link {
  queue: LinkEntry[];
  /** The bytes of the frames in `queue`: sent and not yet delivered. */
  bytes: number;
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
  /**
   * The largest frame a member may send, in bytes. A larger one breaks the channel and is never
   * delivered, as a real transport's length check would. Default {@link FRAME_BYTES_MAX_DEFAULT}.
   */
  readonly frameBytesMax?: number;
  /**
   * The most bytes in flight from one member to another (sent, not yet delivered). Sending past
   * it breaks the channel, as the transport contract asks: drop the channel, never grow memory.
   * Default {@link MEMORY_NETWORK_BUFFERED_BYTES_MAX_DEFAULT}.
   */
  readonly bufferedBytesMax?: number;
}

/**
 * Default of {@link MemoryNetworkOptions.bufferedBytesMax}: 64 MiB, room for sixteen frames of
 * the default 4 MiB maximum.
 *
 * @since 0.1.0
 */
export const MEMORY_NETWORK_BUFFERED_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

/**
 * A switchboard connecting in-process members, with partitions and channel breaks.
 *
 * @remarks
 * Frames on a directed link are delivered in order after `delayMs`. Breaking a channel (directly,
 * by a partition, by a frame over `frameBytesMax`, by more than `bufferedBytesMax` in flight, or
 * when a transport is disposed) drops the frames in flight both ways and tells both ends, before
 * any later frame, that the channel closed. A disposed transport hears nothing more and sends
 * nothing more, and a member's next transport (its restart) hears nothing of the old channels.
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
  readonly #frameBytesMax: number;
  readonly #bufferedBytesMax: number;
  readonly #listeners = new Map<ServerId, PeerTransportListener>();
  readonly #links = new Map<string, Link>();
  readonly #blocked = new Set<string>();

  /**
   * @param options - Delay and limits.
   * @throws {@link @zab/core!ZabError} with code `"Invalid"` when a limit is not a positive safe
   *   integer.
   */
  constructor(options: MemoryNetworkOptions = {}) {
    this.#delayMs = options.delayMs ?? 0;
    this.#frameBytesMax = positiveLimit("frameBytesMax", options.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT);
    this.#bufferedBytesMax = positiveLimit(
      "bufferedBytesMax",
      options.bufferedBytesMax ?? MEMORY_NETWORK_BUFFERED_BYTES_MAX_DEFAULT,
    );
  }

  /**
   * The transport of one member.
   *
   * @param self - The member's id.
   * @returns Its transport; disposing it is the member's process going away. Calling this again
   *   for the same member after disposal is the member restarting.
   */
  transport(self: ServerId): PeerTransport {
    let listener: PeerTransportListener | undefined;
    let disposed = false;
    return {
      specificationVersion: 1,
      listen: (given) => {
        if (disposed) return;
        listener = given;
        this.#listeners.set(self, given);
      },
      // A disposed transport is a process that has gone: it sends nothing more, even if a
      // restarted incarnation of the same member now listens.
      send: (to, frame) => {
        if (!disposed) this.#send(self, to, frame);
      },
      disconnect: (peer) => {
        if (!disposed) this.breakChannel(self, peer);
      },
      [Symbol.asyncDispose]: async () => {
        if (disposed) return;
        disposed = true;
        // A later incarnation may own the member's place already; leave its channels alone.
        if (listener === undefined || this.#listeners.get(self) !== listener) return;
        this.#listeners.delete(self);
        for (const peer of this.#peersOf(self)) this.breakChannel(self, peer);
        // Whatever is still on its way to the member (the closures just queued included) was
        // meant for this incarnation: a restarted member starts with no channels to hear about.
        for (const [key, link] of this.#links) {
          if (key.endsWith(`>${self}`)) {
            link.queue = [];
            link.bytes = 0;
          }
        }
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
      link = { queue: [], bytes: 0, scheduled: false };
      this.#links.set(key, link);
    }
    return link;
  }

  #send(from: ServerId, to: ServerId, frame: Uint8Array): void {
    if (this.#blocked.has(`${from}>${to}`) || !this.#listeners.has(to)) return;
    const link = this.#link(from, to);
    // Both limits break the channel rather than deliver or hold the frame: a TCP receiver
    // refuses an oversize length prefix, and a sender whose buffer is full drops the connection.
    if (frame.byteLength > this.#frameBytesMax || link.bytes + frame.byteLength > this.#bufferedBytesMax) {
      this.breakChannel(from, to);
      return;
    }
    link.bytes += frame.byteLength;
    this.#enqueue(from, to, { kind: "frame", frame, readyAt: performance.now() + this.#delayMs });
  }

  /** Drops what is in flight from `from` to `to` and tells `to` the channel closed. */
  #close(from: ServerId, to: ServerId): void {
    const link = this.#link(from, to);
    link.queue = link.queue.filter((entry) => entry.kind === "closed");
    link.bytes = 0;
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
      if (entry?.kind === "frame") link.bytes -= entry.frame.byteLength;
      const listener = this.#listeners.get(to);
      if (entry === undefined || listener === undefined) continue;
      if (entry.kind === "frame") listener.frame(from, entry.frame);
      else listener.closed(from);
    }
    this.#schedule(from, to, link);
  }
}

/** Checks a limit from the options: limits are configuration, wrong ones fail at construction. */
function positiveLimit(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ZabError("Invalid", `${name} must be a positive safe integer, got ${value}`);
  }
  return value;
}
