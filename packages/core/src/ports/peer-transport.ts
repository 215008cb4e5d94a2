/**
 * The transport port between ensemble members.
 *
 * @module
 */
import type { ServerId } from "../protocol/ids.js";

/**
 * What a {@link PeerTransport} reports to the member that listens on it.
 *
 * @since 0.1.0
 */
export interface PeerTransportListener {
  /**
   * A frame arrived from an authenticated member.
   *
   * @param from - The sender, as proven by the transport's authentication.
   * @param frame - One encoded message; the listener owns it.
   */
  frame(from: ServerId, frame: Uint8Array): void;
  /**
   * The channel to `peer` broke (or was closed on request). Frames sent to it and not yet
   * delivered are lost; any later frame from `peer` travels on a new channel.
   *
   * @param peer - The member on the other end.
   */
  closed(peer: ServerId): void;
}

/**
 * Authenticated, ordered, reliable channels between members, which can break.
 *
 * @remarks
 * The contract every implementation honours (and the conformance suite in `@zab/testkit`
 * checks):
 *
 * - FIFO per channel: frames from one member to another arrive in the order sent, each at most
 *   once, never reordered or duplicated.
 * - A channel may break at any time. Everything in flight on it may be lost, and both ends are
 *   told with {@link PeerTransportListener.closed} before any frame of a later channel between
 *   them is delivered. The protocol re-synchronizes; the transport never retransmits across
 *   channels.
 * - `send` never blocks and never throws for a peer that is down: the frame is dropped with the
 *   broken channel. Buffered bytes per peer are bounded; exceeding the bound breaks the channel
 *   rather than growing memory.
 * - Frames come only from members that proved their identity; a credential is bound to exactly
 *   one member id. Frames larger than the configured limit break the channel.
 *
 * Implementations: `@zab/transport-tcp`, `@zab/transport-nats`, and the memory transport of
 * `@zab/testkit`.
 * @since 0.1.0
 */
export interface PeerTransport extends AsyncDisposable {
  /** The version of this contract the implementation follows. */
  readonly specificationVersion: 1;
  /**
   * Starts delivering inbound frames and channel closures. Called once, before any `send`.
   *
   * @param listener - Receives them, one at a time, never re-entrantly.
   */
  listen(listener: PeerTransportListener): void;
  /**
   * Queues a frame for a peer, opening a channel if there is none.
   *
   * @param to - The destination member.
   * @param frame - One encoded message; the transport owns it from now on.
   */
  send(to: ServerId, frame: Uint8Array): void;
  /**
   * Closes the channel to a peer (it sent something illegal). The peer may connect again later.
   *
   * @param peer - The member.
   */
  disconnect(peer: ServerId): void;
}
