/**
 * The open client channels of one NATS endpoint (a member's acceptor or a client's dialer), and
 * what they share: routing arriving envelopes to their channel, resets, liveness, and breaking
 * them all when the connection to NATS is lost.
 *
 * @module
 */
import type { Logger } from "@zab/core";
import { channelKey } from "./channel-id.js";
import type { Envelope } from "./envelope.js";
import { NatsChannel } from "./nats-channel.js";
import { NatsClientChannel } from "./nats-client-channel.js";
import type { NatsEndpoint } from "./nats-endpoint.js";

/**
 * Client channels by id.
 *
 * @since 0.1.0
 * @internal
 */
export class ClientChannelRegistry {
  readonly #endpoint: NatsEndpoint;
  readonly #logger: Logger;
  readonly #channels = new Map<string, { readonly end: NatsClientChannel; readonly remoteSubject: string }>();

  constructor(endpoint: NatsEndpoint, logger: Logger) {
    this.#endpoint = endpoint;
    this.#logger = logger;
  }

  /** How many channels are open. */
  get size(): number {
    return this.#channels.size;
  }

  /**
   * Makes a channel whose handshake completed.
   *
   * @param settings - Its id, the other end's name and subject.
   * @returns This end of it.
   */
  open(settings: {
    readonly id: Uint8Array;
    readonly remote: string;
    readonly remoteSubject: string;
  }): NatsClientChannel {
    const { options } = this.#endpoint;
    const key = channelKey(settings.id);
    const channel = new NatsChannel({
      ...settings,
      role: "client",
      local: this.#endpoint.name,
      frameBytesMax: options.frameBytesMax,
      bufferedBytesMax: options.bufferedBytesMax,
      wire: this.#endpoint,
      now: performance.now(),
    });
    const end = new NatsClientChannel(channel, {
      frameBytesMax: options.frameBytesMax,
      logger: this.#logger,
      onEnd: () => this.#channels.delete(key),
    });
    this.#channels.set(key, { end, remoteSubject: settings.remoteSubject });
    return end;
  }

  /**
   * Routes an envelope of an established channel (data, ack, ping, close, reset).
   *
   * @param envelope - Authenticated and addressed to this endpoint.
   * @param replySubject - Where the sender listens, to tell it of a channel this end does not have.
   */
  received(envelope: Envelope, replySubject: string | undefined): void {
    const entry = this.#channels.get(channelKey(envelope.channelId));
    if (entry === undefined || entry.end.channel.remote !== envelope.from) {
      if (envelope.kind !== "close" && envelope.kind !== "reset" && replySubject !== undefined) {
        this.#reset(replySubject, envelope.from, envelope.channelId);
      }
      return;
    }
    if (envelope.kind === "reset") {
      entry.end.abandon();
      return;
    }
    const ended = entry.end.receive(envelope);
    if (ended === "replayed") {
      this.#endpoint.refuse(
        "replayed",
        { from: envelope.from },
        "refused a repeated message of a client channel, and closed the channel",
      );
    }
    if (ended !== undefined && ended !== "closed")
      this.#reset(entry.remoteSubject, envelope.from, envelope.channelId);
  }

  /**
   * Pings quiet channels and breaks silent ones.
   *
   * @param now - Now, in milliseconds.
   */
  tick(now: number): void {
    const { heartbeatIntervalMs, peerSilenceMaxMs } = this.#endpoint.options;
    for (const { end, remoteSubject } of [...this.#channels.values()]) {
      if (end.channel.tick(now, heartbeatIntervalMs, peerSilenceMaxMs) === "silent") {
        this.#logger.warn(
          { remote: end.channel.remote },
          `closing a client channel: nothing heard for ${peerSilenceMaxMs} ms`,
        );
        this.#reset(remoteSubject, end.channel.remote, end.channel.id);
        end.abandon();
      }
    }
  }

  /**
   * Breaks every channel: the connection was lost, or the endpoint closes.
   *
   * @param notify - Whether to tell the other ends (`close`, after what was sent): only when
   *   the connection still works.
   * @returns The channels broken without notice, to reset once the connection is back.
   */
  breakAll(
    notify: boolean,
  ): { readonly subject: string; readonly remote: string; readonly id: Uint8Array }[] {
    const broken = [];
    for (const { end, remoteSubject } of [...this.#channels.values()]) {
      if (notify) end.close();
      else {
        broken.push({ subject: remoteSubject, remote: end.channel.remote, id: end.channel.id });
        end.abandon();
      }
    }
    return broken;
  }

  /**
   * Tells another end that a channel is gone.
   *
   * @param subject - Where it listens.
   * @param remote - Its name.
   * @param id - The channel.
   */
  reset(subject: string, remote: string, id: Uint8Array): void {
    this.#reset(subject, remote, id);
  }

  #reset(subject: string, remote: string, id: Uint8Array): void {
    this.#endpoint.publish(subject, {
      kind: "reset",
      role: "client",
      flags: 0,
      channelId: Uint8Array.from(id),
      seq: 0,
      from: this.#endpoint.name,
      to: remote,
      body: new Uint8Array(0),
    });
  }
}
