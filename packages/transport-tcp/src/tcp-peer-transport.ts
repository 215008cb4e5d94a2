/**
 * The {@link PeerTransport} over TCP: one authenticated connection per pair of members, carrying
 * length-prefixed frames both ways.
 *
 * @module
 */
import type { Server, Socket } from "node:net";
import {
  assert,
  type DeliveryTime,
  type Logger,
  PeerDelivery,
  type PeerTransport,
  type PeerTransportListener,
  type ServerId,
  silentLogger,
  ZabError,
} from "@zab/core";
import { Backoff } from "./backoff.js";
import { Connection, type ConnectionEnd } from "./connection.js";
import { LENGTH_PREFIX_BYTES } from "./frame-decoder.js";
import { type AcceptedHandshake, acceptHandshake, dialHandshake, HandshakeError } from "./handshake.js";
import type { HandshakeOutcome } from "./handshake-messages.js";
import { type MemberAddress, type MemberAddresses, toAddressMap } from "./member-addresses.js";
import { openSocket } from "./open-socket.js";
import { PeerLink } from "./peer-link.js";
import { closeServer, createSocketServer, listenOn } from "./socket-server.js";
import {
  positiveInteger,
  type ResolvedLimits,
  resolveLimits,
  type TcpEndpointOptions,
  tcpDefaults,
} from "./tcp-options.js";
import { checkOwnCertificate, resolveSecurity, type Security } from "./tcp-security.js";

/**
 * Settings of {@link listenPeers}.
 *
 * @since 0.1.0
 */
export interface PeerListenOptions extends TcpEndpointOptions {
  /** This member's id. */
  readonly self: ServerId;
  /** The address to listen on for other members, such as `"0.0.0.0"` or `"127.0.0.1"`. */
  readonly host: string;
  /** The port to listen on; 0 picks a free one (read it back from {@link TcpPeerTransport.address}). */
  readonly port: number;
  /**
   * Where the other members listen. This member's own entry, if present, is ignored, so every
   * member can be given the same map. Can be given (or replaced) later with
   * {@link TcpPeerTransport.setMembers}; only members in it may connect.
   */
  readonly members?: MemberAddresses;
  /** The first delay before redialing a member that could not be reached, in milliseconds. */
  readonly reconnectDelayMinMs?: number;
  /** The largest delay before redialing, in milliseconds. */
  readonly reconnectDelayMaxMs?: number;
  /** Gives up binding the port. */
  readonly signal?: AbortSignal;
}

/**
 * A {@link PeerTransport} over TCP (or mutual TLS), listening for the other members.
 *
 * @remarks
 * Channels honour the {@link PeerTransport} contract:
 *
 * - One connection per pair of members, always the one dialed by the larger id (ZooKeeper's
 *   rule). A smaller member with something to send dials only to ask: the larger one answers
 *   `callBack`, closes that connection (no frame ever travels on it) and dials back unless it
 *   already is; the smaller one queues its frames until that connection arrives. So when both
 *   dial at once, the smaller one's connection carries nothing, the larger one's becomes the
 *   channel, and nobody hears `closed` for a channel that never opened.
 * - FIFO and at most once per channel: a channel is one TCP connection, and frames are only ever
 *   written to the connection that is the channel when they are sent.
 * - A break (the connection failed, the other end closed it or opened a newer one, a frame too
 *   large, the send buffer over its bound, {@link PeerTransport.disconnect}) is reported with
 *   `closed(peer)` before any frame of a later channel. Frames `send` hands over after a break and
 *   before the listener heard that `closed` are dropped, so nothing sent on the understanding of
 *   the old channel travels on the new one.
 * - With no channel, `send` dials (unless a redial is waiting out its backoff) and queues the
 *   frames until the channel opens: they become its first frames. If the attempt fails, or a
 *   frame arrives while the backoff runs, those frames are dropped and the listener hears
 *   `closed(peer)`, so a later frame never arrives after a lost one on what looks like one
 *   channel. `send` never blocks and never throws.
 * - Only members in the address book that prove their identity (certificate or secret) get a
 *   channel; every refusal is logged as a warning and closes that connection only.
 *
 * Frames are delivered synchronously from socket events, never re-entrantly; closures caused by
 * a call of this member's own (`send`, `disconnect`) are delivered on a later turn.
 * @since 0.1.0
 */
export interface TcpPeerTransport extends PeerTransport {
  /** The address and port actually bound (the port picked, when 0 was asked for). */
  readonly address: MemberAddress;
  /**
   * Replaces the address book. Open channels to members still in it stay; channels to members
   * no longer in it break. Addresses are read at each dial.
   *
   * @param members - Where the members listen; this member's own entry is ignored.
   * @throws {@link @zab/core!ZabError} with code `"Invalid"` for a bad id, host or port.
   */
  setMembers(members: MemberAddresses): void;
  /**
   * Bytes queued towards a member and not yet handed to the kernel (or waiting for the channel to
   * open); at most `bufferedBytesMax`.
   *
   * @param peer - The member.
   * @returns The bytes.
   */
  bufferedBytes(peer: ServerId): number;
  /**
   * Stops listening and closes every connection. Idempotent; no listener call follows.
   *
   * @returns When the port is released.
   */
  close(): Promise<void>;
}

/** The most incoming connections in their handshake at once; more are closed on arrival. */
const PEER_HANDSHAKES_PENDING_MAX = 64;

/**
 * Listens for the other members of an ensemble and returns the transport of this member.
 *
 * @remarks
 * Give the transport to `ZabServer.start` or `CoordinationServer.start`, which call `listen`
 * before any `send` and dispose the transport when they close. Until `listen` is called,
 * connecting members are told to come back later.
 *
 * Ports may be 0: listen every member first, then hand each the others' actual addresses with
 * {@link TcpPeerTransport.setMembers}.
 * @param options - Identity, address, members, authentication, limits.
 * @returns The transport, bound and accepting.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` for bad options (not exactly one of `secret`,
 *   `tls`, `insecure: true`; a certificate that does not name `self`; a bad limit); the bind
 *   error (such as `EADDRINUSE`); the signal's reason when it fired.
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { CoordinationServer, openFileStorage, serverId } from "@zab/core";
 * import { listenPeers } from "@zab/transport-tcp";
 *
 * const transport = await listenPeers({
 *   self: serverId(1),
 *   host: "0.0.0.0",
 *   port: 2888,
 *   members: { 2: { host: "zk2", port: 2888 }, 3: { host: "zk3", port: 2888 } },
 *   secret: readFileSync("/etc/zab/secret"),
 * });
 * const member = await CoordinationServer.start({
 *   id: serverId(1),
 *   voters: [serverId(1), serverId(2), serverId(3)],
 *   storage: await openFileStorage({ dir: "/var/lib/zab" }),
 *   transport,
 * });
 * ```
 * @since 0.1.0
 */
export async function listenPeers(options: PeerListenOptions): Promise<TcpPeerTransport> {
  const transport = new TcpPeers(options);
  await transport.bind(options.host, options.port, options.signal);
  return transport;
}

class TcpPeers implements TcpPeerTransport {
  readonly specificationVersion = 1;
  readonly #self: ServerId;
  readonly #security: Security;
  readonly #limits: ResolvedLimits;
  readonly #logger: Logger;
  readonly #endpoint: string;
  readonly #reconnectDelayMinMs: number;
  readonly #reconnectDelayMaxMs: number;
  readonly #server: Server;
  readonly #links = new Map<ServerId, PeerLink>();
  readonly #sockets = new Set<Socket>();
  #members: Map<ServerId, MemberAddress>;
  #address: MemberAddress | undefined;
  readonly #delivery = new PeerDelivery();
  #handshakesPending = 0;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: PeerListenOptions) {
    this.#self = options.self;
    this.#logger = options.logger ?? silentLogger;
    this.#endpoint = `peer listener of member ${options.self}`;
    this.#limits = resolveLimits(options);
    this.#reconnectDelayMinMs = options.reconnectDelayMinMs ?? tcpDefaults.reconnectDelayMinMs;
    this.#reconnectDelayMaxMs = options.reconnectDelayMaxMs ?? tcpDefaults.reconnectDelayMaxMs;
    positiveInteger("reconnectDelayMinMs", this.#reconnectDelayMinMs);
    positiveInteger("reconnectDelayMaxMs", this.#reconnectDelayMaxMs);
    if (this.#reconnectDelayMaxMs < this.#reconnectDelayMinMs) {
      throw new ZabError("Invalid", "reconnectDelayMaxMs must be at least reconnectDelayMinMs");
    }
    this.#members = toAddressMap(options.members ?? new Map());
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
    assert(this.#address !== undefined, "the transport is bound before it is returned");
    return this.#address;
  }

  listen(listener: PeerTransportListener): void {
    this.#delivery.listen(listener);
  }

  send(to: ServerId, frame: Uint8Array): void {
    if (this.#closed || to === this.#self) return;
    const link = this.#link(to);
    // The channel the sender knew broke and it has not heard so yet: this frame belongs to the
    // broken channel and must not open the next one.
    if (link.closedUndelivered > 0) return;
    if (frame.byteLength > this.#limits.frameBytesMax) {
      this.#logger.warn(
        { peer: to, frameBytes: frame.byteLength, frameBytesMax: this.#limits.frameBytesMax },
        `breaking the channel to member ${to}: a frame exceeds frameBytesMax`,
      );
      this.#break(link, "later", "graceful");
      return;
    }
    const channel = link.channel;
    if (channel !== undefined) {
      if (!channel.send(frame)) {
        this.#logger.warn(
          { peer: to, bufferedBytes: channel.bufferedBytes, bufferedBytesMax: this.#limits.bufferedBytesMax },
          `breaking the channel to member ${to}: it does not read fast enough and the send buffer is full`,
        );
        this.#break(link, "later", "abortive");
      }
      return;
    }
    if (link.attempt === undefined) {
      const address = this.#members.get(to);
      if (address === undefined || performance.now() < link.retryAtMs) {
        // Down (or unknown): the frame is lost, and the listener hears so before any later one
        // can reach the member.
        this.#lose(link, "later");
        return;
      }
      this.#dial(link, address);
    }
    if (link.queuedBytes + LENGTH_PREFIX_BYTES + frame.byteLength > this.#limits.bufferedBytesMax) {
      this.#logger.warn(
        { peer: to, bufferedBytes: link.queuedBytes, bufferedBytesMax: this.#limits.bufferedBytesMax },
        `dropping frames for member ${to}: more queued than bufferedBytesMax while connecting`,
      );
      this.#lose(link, "later");
      return;
    }
    link.queue.push(frame);
    link.queuedBytes += LENGTH_PREFIX_BYTES + frame.byteLength;
  }

  disconnect(peer: ServerId): void {
    if (this.#closed || peer === this.#self) return;
    this.#break(this.#link(peer), "later", "graceful");
  }

  setMembers(members: MemberAddresses): void {
    const map = toAddressMap(members);
    this.#members = map;
    if (this.#closed) return;
    for (const link of this.#links.values()) {
      if (!map.has(link.peer) && (link.channel !== undefined || link.attempt !== undefined)) {
        this.#break(link, "later", "graceful");
      }
    }
  }

  bufferedBytes(peer: ServerId): number {
    const link = this.#links.get(peer);
    if (link === undefined) return 0;
    return (link.channel?.bufferedBytes ?? 0) + link.queuedBytes;
  }

  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    this.#delivery.stop();
    for (const link of this.#links.values()) {
      clearTimeout(link.retryTimer);
      this.#cancelAttempt(link);
      link.channel?.destroy();
      link.channel = undefined;
      link.dropQueue();
    }
    for (const socket of this.#sockets) socket.destroy();
    this.#closing = closeServer(this.#server);
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #link(peer: ServerId): PeerLink {
    let link = this.#links.get(peer);
    if (link === undefined) {
      link = new PeerLink(
        peer,
        new Backoff(this.#reconnectDelayMinMs, this.#reconnectDelayMaxMs, Math.random),
      );
      this.#links.set(peer, link);
    }
    return link;
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
  }

  // ---- Inbound connections -------------------------------------------------------------------

  #incoming(socket: Socket): void {
    if (this.#closed || this.#handshakesPending >= PEER_HANDSHAKES_PENDING_MAX) {
      if (!this.#closed) {
        this.#logger.warn(
          { endpoint: this.#endpoint, remote: `${socket.remoteAddress}:${socket.remotePort}` },
          `${this.#endpoint} refused a connection: too many handshakes in progress`,
        );
      }
      socket.destroy();
      return;
    }
    this.#track(socket);
    this.#handshakesPending += 1;
    void this.#accept(new Connection(socket, this.#limits));
  }

  async #accept(connection: Connection): Promise<void> {
    let handshake: AcceptedHandshake;
    try {
      handshake = await acceptHandshake(connection, {
        role: "peer",
        security: this.#security,
        signal: AbortSignal.timeout(this.#limits.handshakeTimeoutMs),
        self: this.#self,
        isMember: (id) => this.#members.has(id as ServerId),
      });
    } catch (error) {
      this.#logIncomingFailure(connection, HandshakeError.from(error));
      return;
    } finally {
      this.#handshakesPending -= 1;
    }
    if (this.#closed) {
      connection.destroy();
      return;
    }
    // The handshake proved the id and checked it is a member.
    const peer = handshake.dialerId as ServerId;
    if (!this.#delivery.listening) {
      handshake.answer("notListening");
      return;
    }
    const link = this.#link(peer);
    if (peer < this.#self) {
      // Only connections dialed by the larger id carry a channel: the smaller member dialed to
      // ask for one. Nothing is sent or delivered on this connection.
      handshake.answer("callBack");
      link.callBackRequestedAtMs = performance.now();
      // With a channel open, the smaller member saw it end before this one did (or asked just
      // before this member's own connection reached it): #channelEnded dials back if it ends. An
      // attempt in progress will do.
      if (link.channel === undefined && link.attempt === undefined) this.#callBack(link);
      return;
    }
    handshake.answer("accepted");
    this.#establish(link, connection);
  }

  #logIncomingFailure(connection: Connection, failure: HandshakeError): void {
    const fields = { endpoint: this.#endpoint, remote: connection.remote, reason: failure.message };
    if (failure.kind === "lost") {
      this.#logger.debug(
        fields,
        `${this.#endpoint}: a connection ended during its handshake: ${failure.message}`,
      );
    } else {
      this.#logger.warn(fields, `${this.#endpoint} refused a connection: ${failure.message}`);
    }
  }

  // ---- Outbound connections ------------------------------------------------------------------

  #dial(link: PeerLink, address: MemberAddress): void {
    assert(
      link.channel === undefined && link.attempt === undefined,
      "a dial starts only with no channel and no attempt",
    );
    const attempt = { controller: new AbortController(), awaitTimer: undefined };
    link.attempt = attempt;
    void this.#runDial(link, attempt, address);
  }

  async #runDial(
    link: PeerLink,
    attempt: NonNullable<PeerLink["attempt"]>,
    address: MemberAddress,
  ): Promise<void> {
    const signal = AbortSignal.any([
      attempt.controller.signal,
      AbortSignal.timeout(this.#limits.handshakeTimeoutMs),
    ]);
    let connection: Connection | undefined;
    let outcome: HandshakeOutcome;
    try {
      const socket = await openSocket(address, this.#security, signal);
      this.#track(socket);
      connection = new Connection(socket, this.#limits);
      outcome = await dialHandshake(connection, {
        role: "peer",
        security: this.#security,
        signal,
        self: this.#self,
        target: link.peer,
      });
    } catch (error) {
      connection?.destroy();
      // Cancelled: an incoming connection became the channel, or the link broke or closed.
      if (link.attempt !== attempt) return;
      this.#dialFailed(link, address, HandshakeError.from(error));
      return;
    }
    if (link.attempt !== attempt || this.#closed) {
      connection.close();
      return;
    }
    switch (outcome) {
      case "accepted":
        this.#establish(link, connection);
        return;
      case "callBack":
        // The member (the larger id) dials the channel; keep the queue for it. If its connection
        // never comes (its dial failed), this attempt fails after all.
        connection.close();
        attempt.awaitTimer = setTimeout(() => {
          if (link.attempt !== attempt) return;
          this.#dialFailed(
            link,
            address,
            new HandshakeError("lost", "the member promised to dial back, and did not"),
          );
        }, this.#limits.handshakeTimeoutMs);
        return;
      case "notListening":
        connection.close();
        this.#dialFailed(
          link,
          address,
          new HandshakeError("lost", "the member is not serving its peers yet"),
        );
        return;
      case "refused":
        connection.close();
        this.#dialFailed(
          link,
          address,
          new HandshakeError("refused", "the member refused this member (secret, certificate or membership)"),
        );
        return;
    }
  }

  /**
   * Dials a smaller member that asked for a channel, if the request is fresh. The request proves
   * the member is up, so the backoff does not hold this dial back.
   */
  #callBack(link: PeerLink): void {
    clearTimeout(link.retryTimer);
    link.retryTimer = undefined;
    const requestedAtMs = link.callBackRequestedAtMs;
    if (requestedAtMs === undefined || performance.now() - requestedAtMs >= this.#limits.handshakeTimeoutMs) {
      link.callBackRequestedAtMs = undefined;
      return;
    }
    const address = this.#members.get(link.peer);
    if (address === undefined || this.#closed || link.channel !== undefined || link.attempt !== undefined)
      return;
    this.#dial(link, address);
  }

  #dialFailed(link: PeerLink, address: MemberAddress, failure: HandshakeError): void {
    this.#cancelAttempt(link);
    const delayMs = link.backoff.fail();
    link.retryAtMs = performance.now() + delayMs;
    const fields = {
      peer: link.peer,
      address: `${address.host}:${address.port}`,
      reason: failure.message,
      retryInMs: Math.round(delayMs),
    };
    if (failure.kind === "lost" || failure.kind === "timeout") {
      this.#logger.debug(fields, `could not reach member ${link.peer}: ${failure.message}`);
    } else {
      this.#logger.warn(fields, `could not authenticate to member ${link.peer}: ${failure.message}`);
    }
    if (link.queue.length > 0) this.#lose(link, "now");
    // The smaller member still waits for this member's connection: try again after the backoff.
    if (link.callBackRequestedAtMs !== undefined && !this.#closed) {
      clearTimeout(link.retryTimer);
      link.retryTimer = setTimeout(() => this.#callBack(link), delayMs);
    }
  }

  #cancelAttempt(link: PeerLink): void {
    const attempt = link.attempt;
    if (attempt === undefined) return;
    link.attempt = undefined;
    clearTimeout(attempt.awaitTimer);
    attempt.controller.abort();
  }

  // ---- Channels ------------------------------------------------------------------------------

  /** Makes a connection whose handshake just succeeded the channel to its member. */
  #establish(link: PeerLink, connection: Connection): void {
    const previous = link.channel;
    if (previous !== undefined) {
      // The member opened a newer channel, so to it the old one is gone: the listener hears the
      // old one closed before any frame of the new one.
      previous.close();
      link.channel = undefined;
      this.#delivery.closed(link, "now");
    }
    const queue = link.queue;
    link.dropQueue();
    this.#cancelAttempt(link);
    link.channel = connection;
    link.backoff.reset();
    link.retryAtMs = 0;
    link.callBackRequestedAtMs = undefined;
    clearTimeout(link.retryTimer);
    link.retryTimer = undefined;
    // The queued frames go first, before anything the listener sends in answer to a frame that
    // `open` may deliver at once. A fresh connection holds them all: the queue had the same bound.
    for (const frame of queue) connection.send(frame);
    this.#logger.debug({ peer: link.peer, remote: connection.remote }, `channel to member ${link.peer} open`);
    connection.open({
      frame: (frame) => this.#received(link, connection, frame),
      ended: (end) => this.#channelEnded(link, connection, end),
    });
  }

  #received(link: PeerLink, connection: Connection, frame: Uint8Array): void {
    // A superseded connection is closed and delivers nothing more; this guards the invariant.
    if (link.channel !== connection) return;
    this.#delivery.frame(link, frame);
  }

  #channelEnded(link: PeerLink, connection: Connection, end: ConnectionEnd): void {
    if (link.channel !== connection) return;
    link.channel = undefined;
    const fields = { peer: link.peer, reason: end.reason };
    if (end.protocolError)
      this.#logger.warn(fields, `closing the channel to member ${link.peer}: ${end.reason}`);
    else this.#logger.debug(fields, `the channel to member ${link.peer} closed: ${end.reason}`);
    this.#delivery.closed(link, "now");
    if (link.callBackRequestedAtMs !== undefined) this.#callBack(link);
  }

  /**
   * Ends the channel (or the attempt) to a member on this member's initiative.
   *
   * @param close - `"graceful"`: what was already written still goes out, then the end of
   *   stream; `"abortive"`: at once, for a member that stopped reading (waiting for it to take a
   *   full buffer would only hold the memory longer).
   */
  #break(link: PeerLink, delivery: DeliveryTime, close: "graceful" | "abortive"): void {
    const channel = link.channel;
    link.channel = undefined;
    if (close === "abortive") channel?.destroy();
    else channel?.close();
    this.#cancelAttempt(link);
    this.#lose(link, delivery);
  }

  /** Drops what is queued for a member and tells the listener its channel closed. */
  #lose(link: PeerLink, delivery: DeliveryTime): void {
    link.dropQueue();
    this.#delivery.closed(link, delivery);
  }
}
