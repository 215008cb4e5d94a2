/**
 * The {@link PeerTransport} over NATS: each member listens on `zab.<cluster>.peer.<id>`, and a
 * channel between two members is a sequence-numbered, authenticated stream of messages each way.
 *
 * @module
 */
import type { Msg } from "@nats-io/transport-node";
import {
  type DeliveryTime,
  type Logger,
  PeerDelivery,
  type PeerDeliveryLink,
  type PeerTransport,
  type PeerTransportListener,
  type ServerId,
  serverId,
  silentLogger,
} from "@zab/core";
import {
  acceptedChannelId,
  answersOpening,
  channelKey,
  isOpeningChannelId,
  openingChannelId,
} from "./channel-id.js";
import type { Envelope, EnvelopeKind } from "./envelope.js";
import { type ChannelBreak, NatsChannel } from "./nats-channel.js";
import { NatsEndpoint, type NatsRefusals, type RequestFailure } from "./nats-endpoint.js";
import { type NatsEndpointOptions, type ResolvedNatsOptions, resolveNatsOptions } from "./nats-options.js";
import { peerSubject } from "./subjects.js";

/**
 * Settings of {@link listenPeers}.
 *
 * @since 0.1.0
 */
export interface PeerListenOptions extends NatsEndpointOptions {
  /** This member's id; it listens on `zab.<cluster>.peer.<self>`. */
  readonly self: ServerId;
  /** Gives up connecting to NATS. */
  readonly signal?: AbortSignal;
}

/**
 * A {@link PeerTransport} over NATS.
 *
 * @remarks
 * Channels honour the {@link PeerTransport} contract:
 *
 * - A channel is made by a three-way handshake (`open`, `accept`, `confirm`), each step
 *   carrying a fresh nonce of its sender under the cluster secret's MAC; its id is both nonces.
 *   When two members open to each other at once, the larger id's `open` wins and the smaller
 *   one's queued frames become the first frames of that channel.
 * - FIFO and at most once: every message of a channel carries the next seq of its direction, and
 *   the receiver takes only the seq it expects. A gap (NATS dropped a message) or a repeat (a
 *   replay) breaks the channel; so do a `close` or `reset` from the other end, a lost NATS
 *   connection (every channel of this member breaks), a NATS slow-consumer event, and a peer
 *   heard from for no longer than `peerSilenceMaxMs` (a crashed member sends no close).
 * - A break is reported with `closed(peer)` before any frame of a later channel; frames `send`
 *   gets after a break and before the listener heard that `closed` are dropped.
 * - With no channel, `send` opens one and queues the frames until it is confirmed. If nobody
 *   listens on the member's subject (NATS answers "no responders") or the handshake times out,
 *   the frames are dropped and the listener hears `closed(peer)`; later opens wait out a short
 *   backoff. `send` never blocks and never throws.
 * - Frame bytes sent and not yet acknowledged by the other end's transport are bounded by
 *   `bufferedBytesMax`; frames above NATS `max_payload` travel in chunks.
 * - Messages that are not authentic (see {@link NatsPeerTransport.refusals}) are dropped,
 *   counted and logged; they never break a channel, except a replay of a live channel's message.
 *
 * Any holder of the secret is trusted alike and could claim any member id; NATS credentials and
 * subject permissions are the second wall (see the README).
 * @since 0.1.0
 */
export interface NatsPeerTransport extends PeerTransport {
  /** The subject this member listens on. */
  readonly subject: string;
  /** Messages refused so far, by reason. */
  readonly refusals: NatsRefusals;
  /**
   * Frame bytes towards a member not yet acknowledged, or queued while its channel opens; at
   * most `bufferedBytesMax`.
   *
   * @param peer - The member.
   * @returns The bytes.
   */
  bufferedBytes(peer: ServerId): number;
  /**
   * Closes every channel (telling the other ends) and the NATS connection. Idempotent; no
   * listener call follows.
   *
   * @returns When the connection is closed.
   */
  close(): Promise<void>;
}

/**
 * Connects a member to NATS and returns its peer transport.
 *
 * @remarks
 * Give the transport to `ZabServer.start` or `CoordinationServer.start`, which call `listen`
 * before any `send` and dispose the transport when they close. The member needs no address of
 * any other member: only the NATS servers, the cluster name, the secret and its own id.
 * @param options - Identity, NATS servers and credentials, cluster, secret, limits.
 * @returns The transport, connected and subscribed.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` for bad options, `"ConnectionLoss"` when
 *   NATS cannot be reached, `"Aborted"` when the signal fired.
 * @example
 * ```ts
 * import { CoordinationServer, openFileStorage, serverId } from "@zab/core";
 * import { listenPeers } from "@zab/transport-nats";
 *
 * const self = serverId(1);
 * const member = await CoordinationServer.start({
 *   id: self,
 *   voters: [serverId(1), serverId(2), serverId(3)],
 *   storage: await openFileStorage({ dir: "/var/lib/zab" }),
 *   transport: await listenPeers({
 *     self,
 *     servers: "nats://nats.internal:4222",
 *     cluster: "orders",
 *     secret: process.env.ZAB_SECRET ?? "",
 *   }),
 * });
 * ```
 * @since 0.1.0
 */
export async function listenPeers(options: PeerListenOptions): Promise<NatsPeerTransport> {
  const resolved = resolveNatsOptions(options);
  const logger = options.logger ?? silentLogger;
  const description = `peer transport of member ${options.self}`;
  const endpoint = await NatsEndpoint.connect({
    name: String(options.self),
    role: "peer",
    options: resolved,
    logger,
    description,
    signal: options.signal,
  });
  const transport = new NatsPeers(options.self, endpoint, resolved, logger);
  // Resolved only once the other members can reach this one.
  await endpoint.subscribed();
  return transport;
}

/** The most `accept`s a member keeps waiting for their `confirm`, per peer; older ones are dropped. */
const ACCEPTS_PENDING_MAX = 4;
/** The most channel ids remembered to tell their peers, after a lost connection, that they are gone. */
const RESET_NOTICES_MAX = 1024;
/** Backoff of opens after a failed one: the first delay and the largest, in milliseconds. */
const OPEN_RETRY_DELAY_MIN_MS = 25;
const OPEN_RETRY_DELAY_MAX_MS = 1_000;

/** What this member keeps about one other member. */
interface PeerLink extends PeerDeliveryLink {
  channel: NatsChannel | undefined;
  /** This member's `open` in flight. */
  attempt: { readonly id: Uint8Array } | undefined;
  /** Set when this member yielded to the peer's `open`: its queue waits for that channel until then. */
  yieldedUntilMs: number | undefined;
  queue: Uint8Array[];
  queuedBytes: number;
  /** `accept`s sent, waiting for their `confirm`, by channel key. */
  readonly accepts: Map<string, { readonly id: Uint8Array; readonly expiresAtMs: number }>;
  failedOpens: number;
  retryAtMs: number;
}

class NatsPeers implements NatsPeerTransport {
  readonly specificationVersion = 1;
  readonly subject: string;
  readonly #self: ServerId;
  readonly #endpoint: NatsEndpoint;
  readonly #options: ResolvedNatsOptions;
  readonly #logger: Logger;
  readonly #links = new Map<ServerId, PeerLink>();
  readonly #events = new PeerDelivery();
  #resetNotices: { readonly peer: ServerId; readonly id: Uint8Array }[] = [];
  #closing: Promise<void> | undefined;

  constructor(self: ServerId, endpoint: NatsEndpoint, options: ResolvedNatsOptions, logger: Logger) {
    this.#self = self;
    this.#endpoint = endpoint;
    this.#options = options;
    this.#logger = logger;
    this.subject = peerSubject(options.cluster, self);
    endpoint.listen(this.subject, {
      envelope: (envelope, message) => this.#received(envelope, message),
      interrupted: (reason) => this.#interrupted(reason),
      restored: () => this.#restored(),
      tick: (now) => this.#tick(now),
    });
  }

  get refusals(): NatsRefusals {
    return this.#endpoint.refusals;
  }

  listen(listener: PeerTransportListener): void {
    this.#events.listen(listener);
  }

  send(to: ServerId, frame: Uint8Array): void {
    if (this.#closing !== undefined || to === this.#self) return;
    const link = this.#link(to);
    // The channel the sender knew broke and it has not heard so yet: this frame belongs to it.
    if (link.closedUndelivered > 0) return;
    const now = performance.now();
    if (frame.byteLength > this.#options.frameBytesMax) {
      this.#logger.warn(
        { peer: to, frameBytes: frame.byteLength, frameBytesMax: this.#options.frameBytesMax },
        `breaking the channel to member ${to}: a frame exceeds frameBytesMax`,
      );
      this.#break(link, now);
      return;
    }
    const channel = link.channel;
    if (channel !== undefined) {
      if (!channel.send(frame, now)) {
        this.#logger.warn(
          {
            peer: to,
            unacknowledgedBytes: channel.unacknowledgedBytes,
            bufferedBytesMax: this.#options.bufferedBytesMax,
          },
          `breaking the channel to member ${to}: it does not take frames fast enough and bufferedBytesMax is reached`,
        );
        this.#break(link, now);
      }
      return;
    }
    if (!this.#endpoint.connected) {
      this.#lose(link, "later");
      return;
    }
    if (link.attempt === undefined && link.yieldedUntilMs === undefined) {
      if (now < link.retryAtMs) {
        this.#lose(link, "later");
        return;
      }
      this.#open(link);
    }
    if (link.queuedBytes + frame.byteLength > this.#options.bufferedBytesMax) {
      this.#logger.warn(
        { peer: to, queuedBytes: link.queuedBytes, bufferedBytesMax: this.#options.bufferedBytesMax },
        `dropping frames for member ${to}: more queued than bufferedBytesMax while its channel opens`,
      );
      this.#lose(link, "later");
      return;
    }
    link.queue.push(frame);
    link.queuedBytes += frame.byteLength;
  }

  disconnect(peer: ServerId): void {
    if (this.#closing !== undefined || peer === this.#self) return;
    this.#break(this.#link(peer), performance.now());
  }

  bufferedBytes(peer: ServerId): number {
    const link = this.#links.get(peer);
    return link === undefined ? 0 : (link.channel?.unacknowledgedBytes ?? 0) + link.queuedBytes;
  }

  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#events.stop();
    const now = performance.now();
    for (const link of this.#links.values()) {
      // The other ends hear `close` after every frame already sent, rather than wait out the
      // silence of a member that is gone.
      link.channel?.close(now);
      link.channel = undefined;
      link.attempt = undefined;
      this.#dropQueue(link);
    }
    this.#closing = this.#endpoint.close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #link(peer: ServerId): PeerLink {
    let link = this.#links.get(peer);
    if (link === undefined) {
      link = {
        peer,
        closedUndelivered: 0,
        lastEventClosed: false,
        channel: undefined,
        attempt: undefined,
        yieldedUntilMs: undefined,
        queue: [],
        queuedBytes: 0,
        accepts: new Map(),
        failedOpens: 0,
        retryAtMs: 0,
      };
      this.#links.set(peer, link);
    }
    return link;
  }

  // ---- Handshake -------------------------------------------------------------------------------

  #open(link: PeerLink): void {
    const attempt = { id: openingChannelId() };
    link.attempt = attempt;
    const opened = this.#endpoint.request(
      peerSubject(this.#options.cluster, link.peer),
      this.#envelope(link, "open", attempt.id),
    );
    void opened.then((answer) => this.#opened(link, attempt, answer));
  }

  #opened(
    link: PeerLink,
    attempt: NonNullable<PeerLink["attempt"]>,
    answer: Envelope | RequestFailure,
  ): void {
    // Superseded: this member yielded to the peer's open, or the connection was lost, or the
    // transport closed. An accept that came anyway waits for a confirm that never comes.
    if (link.attempt !== attempt || this.#closing !== undefined) return;
    link.attempt = undefined;
    if (typeof answer === "string") {
      this.#openFailed(
        link,
        answer === "noResponders"
          ? "nobody listens on its subject"
          : `the open was ${answer === "timeout" ? "not answered in time" : "lost"}`,
      );
      return;
    }
    if (
      answer.kind !== "accept" ||
      answer.from !== String(link.peer) ||
      answer.to !== String(this.#self) ||
      answer.role !== "peer" ||
      !answersOpening(attempt.id, answer.channelId)
    ) {
      this.#endpoint.refuse(
        "misaddressed",
        { peer: link.peer, kind: answer.kind, from: answer.from },
        "refused an answer that does not answer its open",
      );
      this.#openFailed(link, "the answer did not match the open");
      return;
    }
    const id = Uint8Array.from(answer.channelId);
    this.#endpoint.publish(
      peerSubject(this.#options.cluster, link.peer),
      this.#envelope(link, "confirm", id),
    );
    this.#establish(link, id);
  }

  #openFailed(link: PeerLink, reason: string): void {
    link.failedOpens += 1;
    const delayMs = Math.min(
      OPEN_RETRY_DELAY_MAX_MS,
      OPEN_RETRY_DELAY_MIN_MS * 2 ** Math.min(link.failedOpens, 10),
    );
    link.retryAtMs = performance.now() + delayMs * (0.5 + Math.random() / 2);
    this.#logger.debug(
      { peer: link.peer, reason, retryInMs: Math.round(delayMs) },
      `could not open a channel to member ${link.peer}: ${reason}`,
    );
    this.#lose(link, "now");
  }

  #receivedOpen(link: PeerLink, envelope: Envelope, message: Msg): void {
    if (!isOpeningChannelId(envelope.channelId) || message.reply === undefined) {
      this.#endpoint.refuse(
        "malformed",
        { peer: link.peer },
        "refused an open without a nonce or a reply subject",
      );
      return;
    }
    const now = performance.now();
    if (link.attempt !== undefined) {
      // Both members opened at once: the larger id's open wins. The smaller member answers the
      // larger one's and keeps its queue for that channel; the larger ignores the smaller's.
      if (this.#self > link.peer) return;
      link.attempt = undefined;
      link.yieldedUntilMs = now + this.#options.handshakeTimeoutMs;
    }
    if (link.accepts.size >= ACCEPTS_PENDING_MAX) {
      const oldest = link.accepts.keys().next().value;
      if (oldest !== undefined) link.accepts.delete(oldest);
    }
    const id = acceptedChannelId(envelope.channelId);
    link.accepts.set(channelKey(id), { id, expiresAtMs: now + this.#options.handshakeTimeoutMs });
    this.#endpoint.respond(message, this.#envelope(link, "accept", id));
  }

  #receivedConfirm(link: PeerLink, envelope: Envelope): void {
    const key = channelKey(envelope.channelId);
    const accepted = link.accepts.get(key);
    if (accepted === undefined) {
      this.#endpoint.refuse(
        "misaddressed",
        { peer: link.peer },
        "refused a confirm for no pending accept (a replay, or too late)",
      );
      return;
    }
    link.accepts.delete(key);
    this.#establish(link, accepted.id);
  }

  /** Makes a channel whose handshake just completed the channel to its member. */
  #establish(link: PeerLink, id: Uint8Array): void {
    const now = performance.now();
    const previous = link.channel;
    if (previous !== undefined) {
      // The member made a new channel, so to it the old one is gone: the listener hears the old
      // one closed before any frame of the new one.
      previous.abandon();
      this.#events.closed(link, "now");
    }
    const channel = new NatsChannel({
      id,
      role: "peer",
      local: String(this.#self),
      remote: String(link.peer),
      remoteSubject: peerSubject(this.#options.cluster, link.peer),
      frameBytesMax: this.#options.frameBytesMax,
      bufferedBytesMax: this.#options.bufferedBytesMax,
      wire: this.#endpoint,
      now,
    });
    link.channel = channel;
    link.attempt = undefined;
    link.yieldedUntilMs = undefined;
    link.failedOpens = 0;
    link.retryAtMs = 0;
    const queue = link.queue;
    link.queue = [];
    link.queuedBytes = 0;
    // The queue had the same bound as the channel's credit, so every queued frame fits.
    for (const frame of queue) channel.send(frame, now);
    this.#logger.debug({ peer: link.peer }, `channel to member ${link.peer} open`);
  }

  // ---- Channels --------------------------------------------------------------------------------

  #received(envelope: Envelope, message: Msg): void {
    if (this.#closing !== undefined) return;
    const peer = parseServerId(envelope.from);
    if (peer === undefined || peer === this.#self) {
      this.#endpoint.refuse("misaddressed", { from: envelope.from }, "refused a message from no member");
      return;
    }
    const link = this.#link(peer);
    switch (envelope.kind) {
      case "open":
        this.#receivedOpen(link, envelope, message);
        return;
      case "confirm":
        this.#receivedConfirm(link, envelope);
        return;
      case "accept":
        // Accepts travel on the opener's reply subject, never on a member's own subject.
        this.#endpoint.refuse("misaddressed", { peer }, "refused an accept on its own subject");
        return;
      case "reset": {
        const channel = link.channel;
        if (channel === undefined || !sameId(channel.id, envelope.channelId)) return;
        this.#logger.debug({ peer }, `member ${peer} reset the channel (it restarted, or lost the channel)`);
        this.#channelEnded(link, channel, "closed");
        return;
      }
      default: {
        const channel = link.channel;
        if (channel === undefined || !sameId(channel.id, envelope.channelId)) {
          // A channel this member does not have (any more): the peer must hear it is gone.
          if (envelope.kind !== "close") this.#publishReset(peer, envelope.channelId);
          return;
        }
        const ended = channel.receive(
          envelope,
          (frame) => {
            this.#events.frame(link, frame);
            channel.delivered(frame.byteLength, performance.now());
          },
          performance.now(),
        );
        if (ended !== undefined) this.#channelEnded(link, channel, ended);
      }
    }
  }

  #channelEnded(link: PeerLink, channel: NatsChannel, reason: ChannelBreak): void {
    if (link.channel !== channel) return;
    link.channel = undefined;
    channel.abandon();
    const fields = { peer: link.peer, reason };
    if (reason === "replayed") {
      this.#endpoint.refuse(
        "replayed",
        fields,
        `refused a repeated message of the channel to member ${link.peer}, and closed the channel`,
      );
    } else if (reason !== "closed") {
      this.#logger.warn(fields, `closing the channel to member ${link.peer}: ${describeBreak(reason)}`);
    } else {
      this.#logger.debug(fields, `member ${link.peer} closed the channel`);
    }
    if (reason !== "closed") this.#publishReset(link.peer, channel.id);
    this.#events.closed(link, "now");
  }

  /** Ends the channel (or the open) to a member on this member's initiative. */
  #break(link: PeerLink, now: number): void {
    link.channel?.close(now);
    link.channel = undefined;
    link.attempt = undefined;
    link.yieldedUntilMs = undefined;
    this.#lose(link, "later");
  }

  /** Drops what is queued for a member and tells the listener its channel closed. */
  #lose(link: PeerLink, when: DeliveryTime): void {
    this.#dropQueue(link);
    this.#events.closed(link, when);
  }

  #dropQueue(link: PeerLink): void {
    link.queue = [];
    link.queuedBytes = 0;
  }

  #publishReset(peer: ServerId, id: Uint8Array): void {
    this.#endpoint.publish(peerSubject(this.#options.cluster, peer), {
      kind: "reset",
      role: "peer",
      flags: 0,
      channelId: Uint8Array.from(id),
      seq: 0,
      from: String(this.#self),
      to: String(peer),
      body: new Uint8Array(0),
    });
  }

  #envelope(link: PeerLink, kind: EnvelopeKind, id: Uint8Array): Envelope {
    return {
      kind,
      role: "peer",
      flags: 0,
      channelId: id,
      seq: 0,
      from: String(this.#self),
      to: String(link.peer),
      body: new Uint8Array(0),
    };
  }

  // ---- Connection and time ---------------------------------------------------------------------

  #interrupted(reason: string): void {
    if (this.#closing !== undefined) return;
    this.#logger.warn({ reason }, `every channel of member ${this.#self} breaks: ${reason}`);
    for (const link of this.#links.values()) {
      const channel = link.channel;
      if (channel !== undefined) {
        channel.abandon();
        link.channel = undefined;
        if (this.#resetNotices.length < RESET_NOTICES_MAX)
          this.#resetNotices.push({ peer: link.peer, id: channel.id });
        this.#events.closed(link, "now");
      }
      link.attempt = undefined;
      link.yieldedUntilMs = undefined;
      link.accepts.clear();
      if (link.queue.length > 0) this.#lose(link, "now");
    }
  }

  #restored(): void {
    // Messages to and from this member were lost while it was away: its peers must hear that
    // the channels they may still think open are gone.
    const notices = this.#resetNotices;
    this.#resetNotices = [];
    for (const { peer, id } of notices) this.#publishReset(peer, id);
  }

  #tick(now: number): void {
    if (this.#closing !== undefined) return;
    const { heartbeatIntervalMs, peerSilenceMaxMs } = this.#options;
    for (const link of this.#links.values()) {
      const channel = link.channel;
      if (channel !== undefined && channel.tick(now, heartbeatIntervalMs, peerSilenceMaxMs) === "silent") {
        link.channel = undefined;
        this.#logger.warn(
          { peer: link.peer, peerSilenceMaxMs },
          `closing the channel to member ${link.peer}: nothing heard for ${peerSilenceMaxMs} ms`,
        );
        this.#publishReset(link.peer, channel.id);
        this.#events.closed(link, "now");
      }
      for (const [key, accepted] of link.accepts) if (accepted.expiresAtMs < now) link.accepts.delete(key);
      if (link.yieldedUntilMs !== undefined && link.yieldedUntilMs < now) {
        link.yieldedUntilMs = undefined;
        if (link.queue.length > 0) this.#lose(link, "now");
      }
    }
  }
}

function parseServerId(name: string): ServerId | undefined {
  if (!/^[1-9]\d{0,9}$/.test(name) || Number(name) > 0x7fff_ffff) return undefined;
  return serverId(Number(name));
}

function sameId(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function describeBreak(reason: ChannelBreak): string {
  switch (reason) {
    case "gap":
      return "a message is missing (NATS dropped it, or the member lost its connection)";
    case "oversize":
      return "it announced a frame larger than frameBytesMax";
    case "malformed":
      return "its chunks do not make a frame";
    case "replayed":
      return "a message came twice";
    case "closed":
      return "it closed the channel";
  }
}
