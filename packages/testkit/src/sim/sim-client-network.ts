/**
 * Client channels in virtual time: each client-to-member connection of a simulation, FIFO both
 * ways with random delays, broken by crashes and client-side isolation.
 *
 * @module
 */
import {
  type ClientChannel,
  type ClientChannelListener,
  type ClientDialer,
  type ServerId,
  ZabError,
} from "@zab/core";

/**
 * What the client network needs from the simulation that hosts it.
 *
 * @since 0.1.0
 */
export interface SimClientNetworkHost {
  /** The virtual time now. */
  now(): number;
  /** A one-way delay for the next frame, drawn from the simulation's generator. */
  delay(): number;
  /** Runs `run` at `at` on the member's side (held while it is paused, dropped if it crashes). */
  atMember(member: ServerId, at: number, run: () => void): void;
  /** Runs `run` at `at` on the clients' side. */
  atClient(at: number, run: () => void): void;
  /** Whether the member is up. */
  isUp(member: ServerId): boolean;
  /** Hands the member's end of a new channel to the member's application. */
  accept(member: ServerId, channel: ClientChannel): void;
}

/** One end of a channel. */
class End implements ClientChannel {
  listener: ClientChannelListener | undefined;
  /** When the last frame sent from this end arrives: later frames never overtake it. */
  lastArrival = 0;

  constructor(
    private readonly link: Link,
    readonly side: "client" | "member",
  ) {}

  listen(listener: ClientChannelListener): void {
    this.listener = listener;
  }

  send(frame: Uint8Array): void {
    this.link.send(this, frame);
  }

  close(): void {
    this.link.break();
  }
}

/** A channel between one client and one member. */
class Link {
  readonly client: End;
  readonly memberEnd: End;
  #open = true;

  constructor(
    private readonly network: SimClientNetwork,
    private readonly host: SimClientNetworkHost,
    readonly member: ServerId,
  ) {
    this.client = new End(this, "client");
    this.memberEnd = new End(this, "member");
  }

  get open(): boolean {
    return this.#open;
  }

  send(from: End, frame: Uint8Array): void {
    if (!this.#open) return;
    const to = from === this.client ? this.memberEnd : this.client;
    const at = Math.max(this.host.now() + this.host.delay(), from.lastArrival);
    from.lastArrival = at;
    this.#at(to, at, () => {
      if (this.#open) to.listener?.frame(frame);
    });
  }

  /** Breaks the channel: frames in flight are lost, and both ends are told. */
  break(): void {
    if (!this.#open) return;
    this.#open = false;
    this.network.forget(this);
    const at = this.host.now() + 1;
    this.#at(this.client, at, () => this.client.listener?.closed());
    this.#at(this.memberEnd, at, () => this.memberEnd.listener?.closed());
  }

  #at(end: End, at: number, run: () => void): void {
    if (end.side === "member") this.host.atMember(this.member, at, run);
    else this.host.atClient(at, run);
  }
}

/**
 * The client side of a simulated ensemble: dialers for clients, and faults between clients and
 * members.
 *
 * @since 0.1.0
 */
export class SimClientNetwork {
  readonly #links = new Set<Link>();
  readonly #isolated = new Set<ServerId>();

  /** @param host - The simulation's scheduling and members. */
  constructor(private readonly host: SimClientNetworkHost) {}

  /**
   * A dialer for clients: a dial takes one network delay and fails with `ConnectionLoss` when the
   * member is down or cut off from clients by then.
   *
   * @returns The dialer.
   */
  dialer(): ClientDialer {
    return {
      dial: (member, options) =>
        new Promise<ClientChannel>((resolve, reject) => {
          const signal = options?.signal;
          const onAbort = () =>
            reject(
              new ZabError("Aborted", `dialing member ${member} was aborted`, { cause: signal?.reason }),
            );
          if (signal?.aborted) {
            onAbort();
            return;
          }
          signal?.addEventListener("abort", onAbort, { once: true });
          this.host.atClient(this.host.now() + this.host.delay(), () => {
            signal?.removeEventListener("abort", onAbort);
            if (signal?.aborted) return;
            if (!this.host.isUp(member) || this.#isolated.has(member)) {
              reject(new ZabError("ConnectionLoss", `member ${member} cannot be reached`));
              return;
            }
            const link = new Link(this, this.host, member);
            this.#links.add(link);
            this.host.atMember(member, this.host.now(), () => {
              if (link.open) this.host.accept(member, link.memberEnd);
            });
            resolve(link.client);
          });
        }),
    };
  }

  /**
   * Breaks every client channel of a member (it crashed).
   *
   * @param member - The member.
   */
  memberDown(member: ServerId): void {
    for (const link of [...this.#links]) if (link.member === member) link.break();
  }

  /**
   * Cuts a member off from clients: its channels break and dials to it fail until
   * {@link SimClientNetwork.reconnect}.
   *
   * @param member - The member.
   */
  isolate(member: ServerId): void {
    this.#isolated.add(member);
    this.memberDown(member);
  }

  /**
   * Lets clients reach a member again.
   *
   * @param member - The member.
   */
  reconnect(member: ServerId): void {
    this.#isolated.delete(member);
  }

  /**
   * Breaks one random open channel, if any.
   *
   * @param pick - Chooses an index below the count given.
   */
  breakOne(pick: (count: number) => number): void {
    const links = [...this.#links];
    if (links.length > 0) links[pick(links.length)]?.break();
  }

  /** @internal Drops a broken link. */
  forget(link: Link): void {
    this.#links.delete(link);
  }
}
