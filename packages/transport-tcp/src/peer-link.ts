/**
 * What a peer transport knows about one other member: its channel, the attempt to open one, the
 * frames waiting for it, and the closure reports not yet delivered.
 *
 * @module
 */
import type { PeerDeliveryLink, ServerId } from "@zab/core";
import type { Backoff } from "./backoff.js";
import type { Connection } from "./connection.js";

/**
 * An outgoing connection attempt to one member.
 *
 * @since 0.1.0
 * @internal
 */
export interface DialAttempt {
  /** Aborts the connect and the handshake. */
  readonly controller: AbortController;
  /**
   * Set when the member answered `callBack` (its id is larger, so it dials the channel): the
   * attempt now waits this long for that connection before it counts as failed.
   */
  awaitTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The state of the channel to one member.
 *
 * @remarks
 * `channel` and `attempt` are never both set: a channel ends any attempt, and an attempt starts
 * only when there is no channel. `queue` holds frames only while an attempt runs: they are the
 * first frames of the channel it will open.
 * @since 0.1.0
 * @internal
 */
export class PeerLink implements PeerDeliveryLink {
  /** The member. */
  readonly peer: ServerId;
  /** Delays between failed attempts. */
  readonly backoff: Backoff;
  /** The established connection, if any. */
  channel: Connection | undefined;
  /** The attempt to open one, if any. */
  attempt: DialAttempt | undefined;
  /** Frames sent while the attempt runs, in order. */
  queue: Uint8Array[] = [];
  /** Their bytes, prefixes included. */
  queuedBytes = 0;
  /**
   * Closure reports queued for the listener and not yet delivered. While there is one, the
   * channel the sender knew is gone and the sender has not heard it yet: frames it sends now are
   * dropped, so that nothing sent before it hears `closed` travels on a later channel.
   */
  closedUndelivered = 0;
  /** Whether the last event queued for this member is a closure (a second one would say nothing new). */
  lastEventClosed = false;
  /** No new attempt starts before this time (`performance.now()` milliseconds). */
  retryAtMs = 0;
  /**
   * When the (smaller) member last asked this one to dial it (`performance.now()` milliseconds),
   * until a channel opens. While the request is fresh (younger than the handshake timeout, which
   * is how long the smaller member waits), a failed dial is retried after its backoff, and a
   * channel that was still open when the request came (the smaller member saw it end first) is
   * redialed as soon as it ends here too.
   */
  callBackRequestedAtMs: number | undefined;
  /** The retry of a call-back dial, waiting out its backoff. */
  retryTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param peer - The member.
   * @param backoff - Its backoff.
   */
  constructor(peer: ServerId, backoff: Backoff) {
    this.peer = peer;
    this.backoff = backoff;
  }

  /** Drops the queued frames. */
  dropQueue(): void {
    this.queue = [];
    this.queuedBytes = 0;
  }
}
