/**
 * The client's side of client connections: dials members by id and authenticates.
 *
 * @module
 */
import {
  type ClientChannel,
  type ClientDialer,
  type Logger,
  type ServerId,
  silentLogger,
  ZabError,
} from "@zab/core";
import { Connection } from "./connection.js";
import { dialHandshake, HandshakeError } from "./handshake.js";
import { type MemberAddress, type MemberAddresses, toAddressMap } from "./member-addresses.js";
import { openSocket } from "./open-socket.js";
import { TcpClientChannel } from "./tcp-client-channel.js";
import { type ResolvedLimits, resolveLimits, type TcpEndpointOptions } from "./tcp-options.js";
import { resolveSecurity, type Security } from "./tcp-security.js";

/**
 * Settings of {@link tcpClientDialer}.
 *
 * @since 0.1.0
 */
export interface ClientDialerOptions extends TcpEndpointOptions {
  /** Where each member's client port is. */
  readonly members: MemberAddresses;
}

/**
 * A {@link ClientDialer} over TCP, for `connect({ dialer, members })`.
 *
 * @remarks
 * Each dial opens one connection and runs the client handshake: the client proves it knows the
 * secret (or presents a certificate the CA signed), and the member proves it is the member dialed
 * (its id is part of the handshake; with a secret it proves it knows the secret too; under TLS
 * its certificate must name it). Disposing the dialer closes every channel it opened that is
 * still open.
 * @since 0.1.0
 */
export interface TcpClientDialer extends ClientDialer, AsyncDisposable {
  /**
   * Closes every channel this dialer opened that is still open. Idempotent; dialing afterwards
   * fails with `"Closed"`.
   *
   * @returns When done.
   */
  close(): Promise<void>;
}

/**
 * Creates the client side of the TCP transport.
 *
 * @param options - Member addresses, authentication (the same secret or CA as the members),
 *   limits.
 * @returns The dialer.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` for bad options.
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { connect, serverId } from "@zab/core";
 * import { tcpClientDialer } from "@zab/transport-tcp";
 *
 * await using dialer = tcpClientDialer({
 *   members: { 1: { host: "zk1", port: 2181 }, 2: { host: "zk2", port: 2181 }, 3: { host: "zk3", port: 2181 } },
 *   secret: readFileSync("/etc/zab/secret"),
 * });
 * await using session = await connect({ dialer, members: [serverId(1), serverId(2), serverId(3)] });
 * await session.create("/app", { data: new TextEncoder().encode("hello") });
 * ```
 * @since 0.1.0
 */
export function tcpClientDialer(options: ClientDialerOptions): TcpClientDialer {
  return new TcpDialer(options);
}

class TcpDialer implements TcpClientDialer {
  readonly #members: Map<ServerId, MemberAddress>;
  readonly #security: Security;
  readonly #limits: ResolvedLimits;
  readonly #logger: Logger;
  readonly #channels = new Set<TcpClientChannel>();
  readonly #closing = new AbortController();

  constructor(options: ClientDialerOptions) {
    this.#logger = options.logger ?? silentLogger;
    this.#limits = resolveLimits(options);
    this.#members = toAddressMap(options.members);
    this.#security = resolveSecurity(options, this.#logger, "client dialer");
  }

  async dial(member: ServerId, options?: { readonly signal?: AbortSignal }): Promise<ClientChannel> {
    const callerSignal = options?.signal;
    if (callerSignal?.aborted) throw aborted(callerSignal, member);
    if (this.#closing.signal.aborted) throw new ZabError("Closed", "the dialer is closed");
    const address = this.#members.get(member);
    if (address === undefined) {
      throw new ZabError("ConnectionLoss", `no client address is known for member ${member}`);
    }
    const timeout = AbortSignal.timeout(this.#limits.handshakeTimeoutMs);
    const signals = [timeout, this.#closing.signal];
    if (callerSignal !== undefined) signals.push(callerSignal);
    const signal = AbortSignal.any(signals);
    let connection: Connection | undefined;
    try {
      const socket = await openSocket(address, this.#security, signal);
      connection = new Connection(socket, this.#limits);
      const outcome = await dialHandshake(connection, {
        role: "client",
        security: this.#security,
        signal,
        self: 0,
        target: member,
      });
      if (outcome !== "accepted") {
        connection.close();
        throw new HandshakeError(
          outcome === "refused" ? "refused" : "lost",
          outcome === "refused"
            ? "the member refused the client (secret or certificate)"
            : "the member does not serve clients yet",
        );
      }
    } catch (error) {
      connection?.destroy();
      if (callerSignal?.aborted) throw aborted(callerSignal, member);
      if (this.#closing.signal.aborted)
        throw new ZabError("Closed", "the dialer is closed", { cause: error });
      const failure = HandshakeError.from(error);
      const fields = { member, address: `${address.host}:${address.port}`, reason: failure.message };
      if (failure.kind === "refused" || failure.kind === "malformed") {
        this.#logger.warn(fields, `could not authenticate to member ${member}: ${failure.message}`);
      } else {
        this.#logger.debug(fields, `could not reach member ${member}: ${failure.message}`);
      }
      throw new ZabError(
        "ConnectionLoss",
        `could not connect to member ${member} at ${address.host}:${address.port}: ${failure.message}`,
        { cause: error },
      );
    }
    connection.ready();
    const channel: TcpClientChannel = new TcpClientChannel(connection, {
      frameBytesMax: this.#limits.frameBytesMax,
      logger: this.#logger,
      onEnd: () => this.#channels.delete(channel),
    });
    this.#channels.add(channel);
    return channel;
  }

  async close(): Promise<void> {
    this.#closing.abort(new ZabError("Closed", "the dialer is closed"));
    for (const channel of this.#channels) channel.destroy();
    this.#channels.clear();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The error for a dial given up because the caller's signal fired (core's convention). */
function aborted(signal: AbortSignal, member: ServerId): ZabError {
  if (ZabError.isInstance(signal.reason)) return signal.reason;
  return new ZabError("Aborted", `dialing member ${member} was aborted`, { cause: signal.reason });
}
