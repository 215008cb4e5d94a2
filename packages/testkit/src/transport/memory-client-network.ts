/**
 * In-process client connections to members, for tests of the Coordination API against real
 * members: a dialer for clients, an acceptor per member, and faults.
 *
 * @module
 */
import {
  type ClientAcceptor,
  type ClientChannel,
  type ClientDialer,
  FRAME_BYTES_MAX_DEFAULT,
  LOCAL_CHANNEL_BUFFERED_BYTES_MAX_DEFAULT,
  localChannelPair,
  type ServerId,
  ZabError,
} from "@zab/core";

/**
 * Settings of a {@link MemoryClientNetwork}.
 *
 * @since 0.1.0
 */
export interface MemoryClientNetworkOptions {
  /**
   * The largest frame either end may send, in bytes. A larger one closes the channel and is never
   * delivered, as a real transport's length check would. Default {@link FRAME_BYTES_MAX_DEFAULT}.
   */
  readonly frameBytesMax?: number;
  /**
   * The most bytes queued towards one end and not yet delivered; sending past it closes the
   * channel. Default {@link LOCAL_CHANNEL_BUFFERED_BYTES_MAX_DEFAULT}.
   */
  readonly bufferedBytesMax?: number;
}

/**
 * A switchboard between clients and members.
 *
 * @remarks
 * Each dial opens a fresh in-process channel to the member's acceptor, with the ordering and
 * closing rules of {@link localChannelPair} and both limits of the client channel contract: a
 * frame over `frameBytesMax` or a backlog over `bufferedBytesMax` closes the channel. {@link
 * MemoryClientNetwork.isolate} cuts a member off: its client channels break and new dials fail
 * with `ConnectionLoss`, as when a member's host becomes unreachable.
 * @example
 * ```ts
 * const clients = new MemoryClientNetwork();
 * // give clients.acceptor(id) to each member, clients.dialer() to each client
 * clients.isolate(serverId(1)); // clients fail over to the other members
 * ```
 * @since 0.1.0
 */
export class MemoryClientNetwork {
  readonly #frameBytesMax: number;
  readonly #bufferedBytesMax: number;
  readonly #handlers = new Map<ServerId, (channel: ClientChannel) => void>();
  readonly #open = new Map<ServerId, Set<ClientChannel>>();
  readonly #isolated = new Set<ServerId>();

  /**
   * @param options - The limits of every channel.
   * @throws {@link @zab/core!ZabError} with code `"Invalid"` when a limit is not a positive safe
   *   integer.
   */
  constructor(options: MemoryClientNetworkOptions = {}) {
    const frameBytesMax = options.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT;
    if (!Number.isSafeInteger(frameBytesMax) || frameBytesMax < 1) {
      throw new ZabError("Invalid", `frameBytesMax must be a positive safe integer, got ${frameBytesMax}`);
    }
    this.#frameBytesMax = frameBytesMax;
    // localChannelPair checks this one itself, at the first dial; checking here fails earlier.
    const bufferedBytesMax = options.bufferedBytesMax ?? LOCAL_CHANNEL_BUFFERED_BYTES_MAX_DEFAULT;
    if (!Number.isSafeInteger(bufferedBytesMax) || bufferedBytesMax < 1) {
      throw new ZabError(
        "Invalid",
        `bufferedBytesMax must be a positive safe integer, got ${bufferedBytesMax}`,
      );
    }
    this.#bufferedBytesMax = bufferedBytesMax;
  }

  /**
   * The acceptor a member serves clients through.
   *
   * @param member - The member's id.
   * @returns Its acceptor.
   */
  acceptor(member: ServerId): ClientAcceptor {
    return {
      accept: (handler) => {
        this.#handlers.set(member, handler);
      },
    };
  }

  /** @returns A dialer for clients. */
  dialer(): ClientDialer {
    return {
      dial: async (member, options) => {
        const signal = options?.signal;
        if (signal?.aborted === true) {
          // The dialer contract promises a ZabError: "Aborted", unless the signal's owner aborted
          // with a ZabError of its own (a client's handshake timeout), which is passed on as is.
          if (ZabError.isInstance(signal.reason)) throw signal.reason;
          throw new ZabError("Aborted", `the dial to member ${member} was aborted`, { cause: signal.reason });
        }
        const handler = this.#handlers.get(member);
        if (handler === undefined || this.#isolated.has(member)) {
          throw new ZabError("ConnectionLoss", `member ${member} is unreachable`);
        }
        const [clientLocal, memberLocal] = localChannelPair({ bufferedBytesMax: this.#bufferedBytesMax });
        const clientEnd = this.#bounded(clientLocal);
        const memberEnd = this.#bounded(memberLocal);
        let open = this.#open.get(member);
        if (open === undefined) {
          open = new Set();
          this.#open.set(member, open);
        }
        open.add(clientEnd);
        handler(memberEnd);
        return clientEnd;
      },
    };
  }

  /**
   * Cuts a member off from its clients: open channels break, new dials fail.
   *
   * @param member - The member.
   */
  isolate(member: ServerId): void {
    this.#isolated.add(member);
    this.breakAll(member);
  }

  /**
   * Breaks every open client channel of a member; clients may dial again.
   *
   * @param member - The member.
   */
  breakAll(member: ServerId): void {
    const open = this.#open.get(member);
    for (const channel of open ?? []) channel.close();
    open?.clear();
  }

  /**
   * Makes a member reachable again.
   *
   * @param member - The member.
   */
  heal(member: ServerId): void {
    this.#isolated.delete(member);
  }

  /** Wraps one end so that a frame over `frameBytesMax` closes the channel instead of leaving. */
  #bounded(end: ClientChannel): ClientChannel {
    const frameBytesMax = this.#frameBytesMax;
    return {
      listen: (listener) => end.listen(listener),
      send: (frame) => {
        if (frame.byteLength > frameBytesMax) end.close();
        else end.send(frame);
      },
      close: () => end.close(),
    };
  }
}
