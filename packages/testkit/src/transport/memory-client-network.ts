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
  localChannelPair,
  type ServerId,
  ZabError,
} from "@zab/core";

/**
 * A switchboard between clients and members.
 *
 * @remarks
 * Each dial opens a fresh in-process channel to the member's acceptor. {@link
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
  readonly #handlers = new Map<ServerId, (channel: ClientChannel) => void>();
  readonly #open = new Map<ServerId, Set<ClientChannel>>();
  readonly #isolated = new Set<ServerId>();

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
        options?.signal?.throwIfAborted();
        const handler = this.#handlers.get(member);
        if (handler === undefined || this.#isolated.has(member)) {
          throw new ZabError("ConnectionLoss", `member ${member} is unreachable`);
        }
        const [clientEnd, memberEnd] = localChannelPair();
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
}
