/**
 * The member's side of client connections: a listener on the client port that hands each
 * authenticated connection to the member as a {@link ClientChannel}.
 *
 * @module
 */
import type { Server, Socket } from "node:net";
import {
  assert,
  type ClientAcceptor,
  type ClientChannel,
  type Logger,
  type ServerId,
  silentLogger,
} from "@zab/core";
import { Connection } from "./connection.js";
import { type AcceptedHandshake, acceptHandshake, HandshakeError } from "./handshake.js";
import type { MemberAddress } from "./member-addresses.js";
import { closeServer, createSocketServer, listenOn } from "./socket-server.js";
import { TcpClientChannel } from "./tcp-client-channel.js";
import { type ResolvedLimits, resolveLimits, type TcpEndpointOptions } from "./tcp-options.js";
import { checkOwnCertificate, resolveSecurity, type Security } from "./tcp-security.js";

/**
 * Settings of {@link listenClients}.
 *
 * @since 0.1.0
 */
export interface ClientListenOptions extends TcpEndpointOptions {
  /**
   * This member's id. Clients check they reached the member they dialed: the id is part of the
   * handshake (and, under TLS, must be the one this member's certificate names).
   */
  readonly self: ServerId;
  /** The address to listen on for clients. */
  readonly host: string;
  /** The port to listen on; 0 picks a free one (read it back from {@link TcpClientAcceptor.address}). */
  readonly port: number;
  /** Gives up binding the port. */
  readonly signal?: AbortSignal;
}

/**
 * A member's client port: a {@link ClientAcceptor} for `CoordinationServer.start({ clients })`.
 *
 * @remarks
 * Every client proves it knows the secret (or presents a certificate the CA signed) before the
 * member hears of its connection; a client's identity is not a member id. Refusals are logged as
 * warnings and close that connection only. Until `accept` is called, clients are told to come
 * back later. Disposing closes the port and every client channel still open.
 * @since 0.1.0
 */
export interface TcpClientAcceptor extends ClientAcceptor, AsyncDisposable {
  /** The address and port actually bound. */
  readonly address: MemberAddress;
  /**
   * Stops listening and closes every client channel. Idempotent.
   *
   * @returns When the port is released.
   */
  close(): Promise<void>;
}

/** The most client connections in their handshake at once; more are closed on arrival. */
const CLIENT_HANDSHAKES_PENDING_MAX = 256;

/**
 * Listens for clients on a member's client port.
 *
 * @param options - Identity, address, authentication, limits.
 * @returns The acceptor, bound.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` for bad options; the bind error; the signal's
 *   reason when it fired.
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { CoordinationServer, openFileStorage, serverId } from "@zab/core";
 * import { listenClients, listenPeers } from "@zab/transport-tcp";
 *
 * const self = serverId(1);
 * const secret = readFileSync("/etc/zab/secret");
 * await using clients = await listenClients({ self, host: "0.0.0.0", port: 2181, secret });
 * await using member = await CoordinationServer.start({
 *   id: self,
 *   voters: [serverId(1), serverId(2), serverId(3)],
 *   storage: await openFileStorage({ dir: "/var/lib/zab" }),
 *   transport: await listenPeers({
 *     self,
 *     host: "0.0.0.0",
 *     port: 2888,
 *     members: { 2: { host: "zk2", port: 2888 }, 3: { host: "zk3", port: 2888 } },
 *     secret,
 *   }),
 *   clients,
 * });
 * ```
 * @since 0.1.0
 */
export async function listenClients(options: ClientListenOptions): Promise<TcpClientAcceptor> {
  const acceptor = new TcpClients(options);
  await acceptor.bind(options.host, options.port, options.signal);
  return acceptor;
}

class TcpClients implements TcpClientAcceptor {
  readonly #self: ServerId;
  readonly #security: Security;
  readonly #limits: ResolvedLimits;
  readonly #logger: Logger;
  readonly #endpoint: string;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #channels = new Set<TcpClientChannel>();
  #address: MemberAddress | undefined;
  #handler: ((channel: ClientChannel) => void) | undefined;
  #handshakesPending = 0;
  #closing: Promise<void> | undefined;

  constructor(options: ClientListenOptions) {
    this.#self = options.self;
    this.#logger = options.logger ?? silentLogger;
    this.#endpoint = `client listener of member ${options.self}`;
    this.#limits = resolveLimits(options);
    this.#security = resolveSecurity(options, this.#logger, this.#endpoint);
    checkOwnCertificate(this.#security, options.self);
    this.#server = createSocketServer({
      security: this.#security,
      handshakeTimeoutMs: this.#limits.handshakeTimeoutMs,
      logger: this.#logger,
      endpoint: this.#endpoint,
      onSocket: (socket) => this.#incoming(socket),
    });
  }

  async bind(host: string, port: number, signal: AbortSignal | undefined): Promise<void> {
    this.#address = await listenOn(this.#server, {
      host,
      port,
      signal,
      logger: this.#logger,
      endpoint: this.#endpoint,
    });
  }

  get address(): MemberAddress {
    assert(this.#address !== undefined, "the acceptor is bound before it is returned");
    return this.#address;
  }

  accept(handler: (channel: ClientChannel) => void): void {
    assert(this.#handler === undefined, "accept is called once");
    this.#handler = handler;
  }

  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    for (const channel of this.#channels) channel.destroy();
    this.#channels.clear();
    for (const socket of this.#sockets) socket.destroy();
    this.#closing = closeServer(this.#server);
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #incoming(socket: Socket): void {
    if (this.#closing !== undefined || this.#handshakesPending >= CLIENT_HANDSHAKES_PENDING_MAX) {
      if (this.#closing === undefined) {
        this.#logger.warn(
          { endpoint: this.#endpoint, remote: `${socket.remoteAddress}:${socket.remotePort}` },
          `${this.#endpoint} refused a connection: too many handshakes in progress`,
        );
      }
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
    this.#handshakesPending += 1;
    void this.#accept(new Connection(socket, this.#limits));
  }

  async #accept(connection: Connection): Promise<void> {
    let handshake: AcceptedHandshake;
    try {
      handshake = await acceptHandshake(connection, {
        role: "client",
        security: this.#security,
        signal: AbortSignal.timeout(this.#limits.handshakeTimeoutMs),
        self: this.#self,
        isMember: () => false,
      });
    } catch (error) {
      const failure = HandshakeError.from(error);
      const fields = { endpoint: this.#endpoint, remote: connection.remote, reason: failure.message };
      if (failure.kind === "lost") {
        this.#logger.debug(
          fields,
          `${this.#endpoint}: a connection ended during its handshake: ${failure.message}`,
        );
      } else {
        this.#logger.warn(fields, `${this.#endpoint} refused a connection: ${failure.message}`);
      }
      return;
    } finally {
      this.#handshakesPending -= 1;
    }
    if (this.#closing !== undefined) {
      connection.destroy();
      return;
    }
    const handler = this.#handler;
    if (handler === undefined) {
      handshake.answer("notListening");
      return;
    }
    handshake.answer("accepted");
    connection.ready();
    const channel: TcpClientChannel = new TcpClientChannel(connection, {
      frameBytesMax: this.#limits.frameBytesMax,
      logger: this.#logger,
      onEnd: () => this.#channels.delete(channel),
    });
    this.#channels.add(channel);
    handler(channel);
  }
}
