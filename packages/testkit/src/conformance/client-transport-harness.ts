/**
 * What a client transport gives the conformance suite: a way to start members' acceptors and
 * clients' dialers on it, and the faults it can inject from outside.
 *
 * As with peers, faults are optional and the suite leaves out the checks that need one the
 * harness does not offer.
 *
 * @module
 */
import type { ClientAcceptor, ClientChannel, ClientDialer, ServerId } from "@zab/core";
import type { TransportLimits } from "./transport-limits.js";

/**
 * What a check asks of {@link ClientTransportHarness.start}.
 *
 * @since 0.1.0
 */
export interface ClientTransportStartOptions {
  /**
   * Every member a dialer of the fixture can address. Only those whose acceptor the check opens
   * are reachable; the others stand for members that are down.
   */
  readonly members: readonly ServerId[];
  /** The limits every channel enforces, both ways. */
  readonly limits: TransportLimits;
}

/**
 * Fresh members and clients on a client transport, started for one check and disposed by it.
 *
 * @remarks
 * Disposing the fixture closes every channel, acceptor and dialer it made and frees whatever it
 * holds (servers, ports, connections).
 * @since 0.1.0
 */
export interface ClientTransportFixture extends AsyncDisposable {
  /**
   * Starts serving clients as `member`; the check calls `accept` on the result at once, and
   * dials reach it from then on.
   *
   * @param member - One of the fixture's members.
   * @returns The member's acceptor.
   */
  acceptor(member: ServerId): Promise<ClientAcceptor>;
  /**
   * A dialer for a new client, which can address every member of the fixture.
   *
   * @returns The dialer.
   */
  dialer(): Promise<ClientDialer>;
}

/**
 * Faults a client harness can inject. Each one it offers adds the checks that need it.
 *
 * @typeParam Fixture - The harness's fixture, which the faults reach into.
 * @since 0.1.0
 */
export interface ClientTransportFaults<Fixture> {
  /**
   * Makes a member whose acceptor the check did not open answer dials without ever completing
   * them (a listening socket that never speaks), so a dial to it stays pending until aborted.
   *
   * @param fixture - The members and clients.
   * @param member - The member to stall.
   */
  stallDials?(fixture: Fixture, member: ServerId): Promise<void>;
  /**
   * Makes the side of a channel that `channel` is an end of stop reading from the network, as
   * when its process is paused, without telling anyone.
   *
   * @param fixture - The members and clients.
   * @param channel - An end the fixture's dialer or acceptor produced.
   * @returns A function that makes it read again.
   */
  pauseReading?(fixture: Fixture, channel: ClientChannel): Promise<() => Promise<void>>;
}

/**
 * How the conformance suite starts and troubles a client transport: the {@link ClientDialer} and
 * {@link ClientAcceptor} of one implementation.
 *
 * @remarks
 * Give one to {@link clientTransportConformance}. `start` must return members and clients
 * unaffected by any other check's.
 * @typeParam Fixture - What `start` returns; the faults receive it back.
 * @example
 * ```ts
 * import { MemoryClientNetwork, type ClientTransportHarness } from "@zab/testkit";
 *
 * const harness: ClientTransportHarness = {
 *   start: async ({ limits }) => {
 *     const clients = new MemoryClientNetwork(limits);
 *     return {
 *       acceptor: async (member) => clients.acceptor(member),
 *       dialer: async () => clients.dialer(),
 *       [Symbol.asyncDispose]: async () => {},
 *     };
 *   },
 * };
 * ```
 * @since 0.1.0
 */
export interface ClientTransportHarness<Fixture extends ClientTransportFixture = ClientTransportFixture> {
  /**
   * Starts fresh members and clients for one check.
   *
   * @param options - The members and the limits.
   * @returns The fixture; the check disposes of it.
   */
  start(options: ClientTransportStartOptions): Promise<Fixture>;
  /** The faults the harness can inject; a check that needs one it lacks is left out. */
  readonly faults?: ClientTransportFaults<Fixture>;
  /**
   * How long a check waits for anything the contract promises, in milliseconds. Default 10,000.
   */
  readonly timeoutMs?: number;
  /**
   * How many bytes the medium can hold between the two ends of a channel beyond their own
   * buffers (kernel socket buffers, a broker's pending limit). The overflow checks send this
   * much more than `bufferedBytesMax`. Default 32 MiB.
   */
  readonly mediumBytesMax?: number;
}
