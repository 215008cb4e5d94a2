/**
 * The member side of the NATS client transport: listens on `zab.<cluster>.client.<id>` and hands
 * over each client channel once its handshake completes.
 *
 * @module
 */
import type { Msg } from "@nats-io/transport-node";
import { type ClientAcceptor, type ClientChannel, type Logger, type ServerId, silentLogger } from "@zab/core";
import { acceptedChannelId, channelKey, isOpeningChannelId } from "./channel-id.js";
import { ClientChannelRegistry } from "./client-channel-registry.js";
import type { Envelope } from "./envelope.js";
import { NatsEndpoint, type NatsRefusals } from "./nats-endpoint.js";
import { type NatsEndpointOptions, resolveNatsOptions } from "./nats-options.js";
import { clientInboxSubject, isClientInboxSubject, memberClientSubject } from "./subjects.js";

/**
 * Settings of {@link listenClients}.
 *
 * @since 0.1.0
 */
export interface ClientListenOptions extends NatsEndpointOptions {
  /** This member's id; clients reach it on `zab.<cluster>.client.<self>`. */
  readonly self: ServerId;
  /** The most client channels open at once; further opens go unanswered (and are logged). Default 4,096. */
  readonly clientChannelsMax?: number;
  /** Gives up connecting to NATS. */
  readonly signal?: AbortSignal;
}

/**
 * A member's {@link ClientAcceptor} over NATS.
 *
 * @remarks
 * A client channel is made by the same three-way handshake as a member channel (with the role
 * `client` under the MAC, so neither can pass for the other) and behaves as a TCP connection
 * would: ordered, at most once, broken by a gap, a repeat, a lost NATS connection or a silent
 * other end.
 * @since 0.1.0
 */
export interface NatsClientAcceptor extends ClientAcceptor, AsyncDisposable {
  /** The subject clients reach this member on. */
  readonly subject: string;
  /** Messages refused so far, by reason. */
  readonly refusals: NatsRefusals;
  /**
   * Closes every client channel (telling the clients) and the NATS connection. Idempotent.
   *
   * @returns When the connection is closed.
   */
  close(): Promise<void>;
}

/** The most opens answered and waiting for their confirm at once. */
const ACCEPTS_PENDING_MAX = 256;

/**
 * Connects a member's client side to NATS.
 *
 * @param options - Identity, NATS servers and credentials, cluster, secret, limits.
 * @returns The acceptor; call `accept` once to start taking channels.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` for bad options, `"ConnectionLoss"` when
 *   NATS cannot be reached, `"Aborted"` when the signal fired.
 * @example
 * ```ts
 * import { serverId } from "@zab/core";
 * import { listenClients } from "@zab/transport-nats";
 *
 * const clients = await listenClients({
 *   self: serverId(1),
 *   servers: "nats://127.0.0.1:4222",
 *   cluster: "demo",
 *   secret: "a long random secret",
 * });
 * // CoordinationServer.start({ ..., clients })
 * ```
 * @since 0.1.0
 */
export async function listenClients(options: ClientListenOptions): Promise<NatsClientAcceptor> {
  const resolved = resolveNatsOptions(options);
  const logger = options.logger ?? silentLogger;
  const endpoint = await NatsEndpoint.connect({
    name: String(options.self),
    role: "client",
    options: resolved,
    logger,
    description: `client acceptor of member ${options.self}`,
    signal: options.signal,
  });
  const acceptor = new NatsClients(options.self, endpoint, logger, options.clientChannelsMax ?? 4_096);
  // Resolved only once clients can reach this member.
  await endpoint.subscribed();
  return acceptor;
}

class NatsClients implements NatsClientAcceptor {
  readonly subject: string;
  readonly #endpoint: NatsEndpoint;
  readonly #logger: Logger;
  readonly #registry: ClientChannelRegistry;
  readonly #channelsMax: number;
  readonly #accepts = new Map<
    string,
    { readonly id: Uint8Array; readonly client: string; readonly expiresAtMs: number }
  >();
  #handler: ((channel: ClientChannel) => void) | undefined;
  #resetNotices: ReturnType<ClientChannelRegistry["breakAll"]> = [];
  #closing: Promise<void> | undefined;

  constructor(self: ServerId, endpoint: NatsEndpoint, logger: Logger, channelsMax: number) {
    this.#endpoint = endpoint;
    this.#logger = logger;
    this.#channelsMax = channelsMax;
    this.#registry = new ClientChannelRegistry(endpoint, logger);
    this.subject = memberClientSubject(endpoint.options.cluster, self);
    endpoint.listen(this.subject, {
      envelope: (envelope, message) => this.#received(envelope, message),
      interrupted: (reason) => {
        this.#logger.warn({ reason }, `every client channel breaks: ${reason}`);
        this.#accepts.clear();
        this.#resetNotices.push(...this.#registry.breakAll(false));
      },
      restored: () => {
        const notices = this.#resetNotices;
        this.#resetNotices = [];
        for (const { subject, remote, id } of notices) this.#registry.reset(subject, remote, id);
      },
      tick: (now) => {
        this.#registry.tick(now);
        for (const [key, accepted] of this.#accepts)
          if (accepted.expiresAtMs < now) this.#accepts.delete(key);
      },
    });
  }

  get refusals(): NatsRefusals {
    return this.#endpoint.refusals;
  }

  accept(handler: (channel: ClientChannel) => void): void {
    this.#handler = handler;
  }

  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#handler = undefined;
    this.#registry.breakAll(true);
    this.#closing = this.#endpoint.close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #received(envelope: Envelope, message: Msg): void {
    if (this.#closing !== undefined) return;
    const cluster = this.#endpoint.options.cluster;
    const clientSubject = clientInboxSubject(cluster, envelope.from);
    if (!isClientInboxSubject(cluster, clientSubject)) {
      this.#endpoint.refuse("misaddressed", { from: envelope.from }, "refused a message from no client name");
      return;
    }
    switch (envelope.kind) {
      case "open":
        this.#receivedOpen(envelope, message);
        return;
      case "confirm":
        this.#receivedConfirm(envelope, clientSubject);
        return;
      case "accept":
        this.#endpoint.refuse(
          "misaddressed",
          { from: envelope.from },
          "refused an accept on its own subject",
        );
        return;
      default:
        this.#registry.received(envelope, clientSubject);
    }
  }

  #receivedOpen(envelope: Envelope, message: Msg): void {
    if (!isOpeningChannelId(envelope.channelId) || message.reply === undefined) {
      this.#endpoint.refuse(
        "malformed",
        { from: envelope.from },
        "refused an open without a nonce or a reply subject",
      );
      return;
    }
    // Not serving yet (no handler), or full: unanswered, so the dial fails as for a member down.
    if (this.#handler === undefined) return;
    if (this.#registry.size + this.#accepts.size >= this.#channelsMax) {
      this.#logger.warn(
        { channelsMax: this.#channelsMax },
        "refused a client: clientChannelsMax channels are open",
      );
      return;
    }
    if (this.#accepts.size >= ACCEPTS_PENDING_MAX) {
      const oldest = this.#accepts.keys().next().value;
      if (oldest !== undefined) this.#accepts.delete(oldest);
    }
    const id = acceptedChannelId(envelope.channelId);
    this.#accepts.set(channelKey(id), {
      id,
      client: envelope.from,
      expiresAtMs: performance.now() + this.#endpoint.options.handshakeTimeoutMs,
    });
    this.#endpoint.respond(message, {
      kind: "accept",
      role: "client",
      flags: 0,
      channelId: id,
      seq: 0,
      from: this.#endpoint.name,
      to: envelope.from,
      body: new Uint8Array(0),
    });
  }

  #receivedConfirm(envelope: Envelope, clientSubject: string): void {
    const key = channelKey(envelope.channelId);
    const accepted = this.#accepts.get(key);
    if (accepted === undefined || accepted.client !== envelope.from) {
      this.#endpoint.refuse(
        "misaddressed",
        { from: envelope.from },
        "refused a confirm for no pending accept (a replay, or too late)",
      );
      return;
    }
    this.#accepts.delete(key);
    const handler = this.#handler;
    if (handler === undefined) return;
    handler(this.#registry.open({ id: accepted.id, remote: envelope.from, remoteSubject: clientSubject }));
  }
}
