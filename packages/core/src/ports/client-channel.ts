/**
 * The transport ports between clients and members: one ordered, reliable channel per client
 * connection, which can break.
 *
 * @module
 */
import type { ServerId } from "../protocol/ids.js";

/**
 * What a {@link ClientChannel} reports to its owner.
 *
 * @since 0.1.0
 */
export interface ClientChannelListener {
  /**
   * A frame arrived on the channel.
   *
   * @param frame - One encoded message; the listener owns it.
   */
  frame(frame: Uint8Array): void;
  /** The channel closed or broke; nothing more arrives on it and frames in flight are lost. */
  closed(): void;
}

/**
 * One connection between a client and a member.
 *
 * @remarks
 * FIFO and reliable until it breaks, like a TCP connection: frames arrive in the order sent, at
 * most once; when it breaks, both ends are told through {@link ClientChannelListener.closed} and
 * whatever was in flight is lost. An orderly {@link ClientChannel.close} is different: the frames
 * sent before it still arrive, then the other end is told (a member answers `closeSession` and
 * closes at once, and the client must get the answer). `send` on a closed channel drops the
 * frame. Frames larger than the transport's frame limit, and buffered bytes beyond its bound,
 * close the channel. The conformance suite of `@zab/testkit` checks all of this.
 * @since 0.1.0
 */
export interface ClientChannel {
  /**
   * Starts delivering frames and the closure. Called once, right after the channel is obtained.
   *
   * @param listener - Receives them, one at a time.
   */
  listen(listener: ClientChannelListener): void;
  /**
   * Queues a frame for the other end.
   *
   * @param frame - One encoded message; the channel owns it from now on.
   */
  send(frame: Uint8Array): void;
  /** Closes the channel; both ends are told. Idempotent. */
  close(): void;
}

/**
 * The client side of a client transport: opens channels to members.
 *
 * @since 0.1.0
 */
export interface ClientDialer {
  /**
   * Opens a channel to a member.
   *
   * @param member - The member to reach.
   * @param options - `signal` to give up.
   * @returns The open channel.
   * @throws {@link ZabError} with code `"ConnectionLoss"` when the member cannot be reached,
   *   `"Aborted"` when `signal` fired.
   */
  dial(member: ServerId, options?: { readonly signal?: AbortSignal }): Promise<ClientChannel>;
}

/**
 * The member side of a client transport: hands over each client connection as it arrives.
 *
 * @since 0.1.0
 */
export interface ClientAcceptor {
  /**
   * Starts accepting client channels. Called once.
   *
   * @param handler - Receives each new channel; it must call `listen` on it at once.
   */
  accept(handler: (channel: ClientChannel) => void): void;
}
