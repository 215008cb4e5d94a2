/**
 * What a peer transport gives the conformance suite: a way to start fresh members on it, and the
 * faults it can inject from outside.
 *
 * The suite knows nothing of sockets, subjects or certificates; the harness hides them. Faults
 * are optional because not every transport has them (the memory transport has no wire to write
 * garbage on, no credentials to forge): the suite leaves out the checks that need a fault the
 * harness does not offer, so a transport passes every check it can be asked.
 *
 * @module
 */
import type { PeerTransport, ServerId } from "@zab/core";
import type { TransportLimits } from "./transport-limits.js";

/**
 * What a check asks of {@link PeerTransportHarness.start}.
 *
 * @since 0.1.0
 */
export interface PeerTransportStartOptions {
  /** The ensemble's members: every id a check opens, sends to or claims to be. */
  readonly members: readonly ServerId[];
  /** The limits every member's transport enforces. */
  readonly limits: TransportLimits;
}

/**
 * A fresh network of members, started for one check and disposed by it.
 *
 * @remarks
 * Disposing the fixture disposes every transport still open and frees whatever the fixture holds
 * (servers, ports, connections, temp files). A transport the check disposed itself may be
 * disposed again by the fixture: transports' disposal is idempotent.
 * @since 0.1.0
 */
export interface PeerTransportFixture extends AsyncDisposable {
  /**
   * Starts a member's transport, as its process starting: the first time, or again after the
   * check disposed the previous one (a restart, with the same id, address and credential).
   *
   * @remarks
   * The check calls `listen` on the result at once, before anything else.
   * @param member - One of the fixture's members.
   * @returns The member's new transport.
   */
  open(member: ServerId): Promise<PeerTransport>;
}

/**
 * Someone without the credential of `claimed` trying to deliver a frame to `target` as if
 * `claimed` sent it.
 *
 * @since 0.1.0
 */
export interface ImpostorAttempt {
  /** The member the impostor reaches. */
  readonly target: ServerId;
  /** The member the impostor claims to be. */
  readonly claimed: ServerId;
  /** What it tries to get delivered; a member's listener must never see it. */
  readonly frame: Uint8Array;
}

/**
 * A member using its own valid credential to claim another member's id.
 *
 * @since 0.1.0
 */
export interface BorrowedCredentialAttempt extends ImpostorAttempt {
  /** The member whose credential is used; never `claimed`. */
  readonly holder: ServerId;
}

/**
 * Faults a harness can inject from outside its transports. Each one it offers adds the checks
 * that need it.
 *
 * @remarks
 * Every fault resolves once it has taken effect; the suite waits at most its `timeoutMs` for it.
 * @typeParam Fixture - The harness's fixture, which the faults reach into.
 * @since 0.1.0
 */
export interface PeerTransportFaults<Fixture> {
  /**
   * Breaks the channel between two members as a pulled cable or a reset connection would: from
   * outside, neither member having asked for it. The members may learn of it after this
   * resolves; the next frame either sends opens a new channel.
   *
   * @param fixture - The network.
   * @param a - One member.
   * @param b - The other.
   */
  breakChannel?(fixture: Fixture, a: ServerId, b: ServerId): Promise<void>;
  /**
   * Makes a member stop reading from the network, as when its process is paused, without it or
   * anyone else being told: what is sent to it piles up outside its listener.
   *
   * @param fixture - The network.
   * @param member - The member to pause.
   * @returns A function that makes it read again.
   */
  pauseReading?(fixture: Fixture, member: ServerId): Promise<() => Promise<void>>;
  /**
   * A party holding no valid credential reaches `target`, claims to be `claimed`, and tries to
   * deliver `frame`.
   *
   * @param fixture - The network.
   * @param attempt - Who, as whom, what.
   * @returns Resolves once `target` has refused the attempt (closed the connection, dropped the
   *   message); does not resolve while the frame could still be delivered.
   */
  impostor?(fixture: Fixture, attempt: ImpostorAttempt): Promise<void>;
  /**
   * Member `holder`, with its own valid credential, claims to be `claimed` to `target` and tries
   * to deliver `frame` (a credential is bound to exactly one member id).
   *
   * @param fixture - The network.
   * @param attempt - Who, as whom, with whose credential, what.
   * @returns Resolves once `target` has refused the attempt.
   */
  borrowedCredential?(fixture: Fixture, attempt: BorrowedCredentialAttempt): Promise<void>;
  /**
   * Writes raw bytes to `target` the way its wire carries them, from a party with no channel (a
   * bare TCP connection writing them, a bare NATS publish on the member's subject).
   *
   * @remarks
   * The suite's bytes start with `0xff`: on a length-prefixed wire that announces a frame far
   * over any limit, which must be refused before anything is allocated for it.
   * @param fixture - The network.
   * @param target - The member that receives them.
   * @param bytes - What to write.
   * @returns Resolves once `target` has refused them (closed that connection, dropped them).
   */
  garbage?(fixture: Fixture, target: ServerId, bytes: Uint8Array): Promise<void>;
}

/**
 * How the conformance suite starts and troubles a {@link PeerTransport} implementation.
 *
 * @remarks
 * Give one to {@link peerTransportConformance}. `start` must return a network unaffected by any
 * other check's (fresh ports, subjects, secrets): checks may run one after another in one
 * process.
 * @typeParam Fixture - What `start` returns; the faults receive it back.
 * @example
 * ```ts
 * import { MemoryNetwork, type PeerTransportHarness, type PeerTransportFixture } from "@zab/testkit";
 *
 * const harness: PeerTransportHarness<PeerTransportFixture & { network: MemoryNetwork }> = {
 *   start: async ({ limits }) => {
 *     const network = new MemoryNetwork(limits);
 *     const open = new Set<AsyncDisposable>();
 *     return {
 *       network,
 *       open: async (member) => {
 *         const transport = network.transport(member);
 *         open.add(transport);
 *         return transport;
 *       },
 *       [Symbol.asyncDispose]: async () => {
 *         for (const transport of open) await transport[Symbol.asyncDispose]();
 *       },
 *     };
 *   },
 *   faults: { breakChannel: async ({ network }, a, b) => network.breakChannel(a, b) },
 * };
 * ```
 * @since 0.1.0
 */
export interface PeerTransportHarness<Fixture extends PeerTransportFixture = PeerTransportFixture> {
  /**
   * Starts a fresh network for one check.
   *
   * @param options - The members and the limits.
   * @returns The network; the check disposes of it.
   */
  start(options: PeerTransportStartOptions): Promise<Fixture>;
  /** The faults the harness can inject; a check that needs one it lacks is left out. */
  readonly faults?: PeerTransportFaults<Fixture>;
  /**
   * How long a check waits for anything the contract promises (a frame, a closure, a refusal),
   * in milliseconds. Default 10,000; raise it for a transport that reconnects with a long backoff.
   */
  readonly timeoutMs?: number;
  /**
   * How many bytes the medium can hold between two transports beyond their own buffers: kernel
   * socket buffers at both ends, a broker's per-subscriber pending limit. The overflow checks
   * send this much more than `bufferedBytesMax` so that the transport's own bound must trip.
   * Default 32 MiB.
   */
  readonly mediumBytesMax?: number;
}
