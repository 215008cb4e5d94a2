/**
 * TCP (and mutual TLS) transport for zab ensembles and clients.
 *
 * - {@link listenPeers} gives a member its {@link TcpPeerTransport}: one authenticated connection
 *   per pair of members, length-prefixed frames, batched writes, reconnection with backoff.
 * - {@link listenClients} opens a member's client port ({@link TcpClientAcceptor}), and
 *   {@link tcpClientDialer} is what clients dial it with ({@link TcpClientDialer}).
 *
 * Every endpoint authenticates with exactly one of: mutual TLS (`tls`), a shared-secret
 * challenge–response handshake (`secret`), or nothing at all when asked to (`insecure: true`).
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { connect, CoordinationServer, openFileStorage, serverId } from "@zab/core";
 * import { listenClients, listenPeers, tcpClientDialer } from "@zab/transport-tcp";
 *
 * const secret = readFileSync("/etc/zab/secret");
 * const self = serverId(1);
 * const member = await CoordinationServer.start({
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
 *   clients: await listenClients({ self, host: "0.0.0.0", port: 2181, secret }),
 * });
 *
 * // elsewhere, a client
 * const dialer = tcpClientDialer({ members: { 1: { host: "zk1", port: 2181 } }, secret });
 * await using session = await connect({ dialer, members: [self] });
 * ```
 *
 * How channels behave (one connection per pair, queueing during a dial, breaks, limits) is
 * described on {@link TcpPeerTransport}; the README covers certificates and secrets.
 * @packageDocumentation
 */
export type { MemberAddress, MemberAddresses } from "./member-addresses.js";
export { memberCertificateName, memberIdFromCertificate } from "./member-certificate.js";
export { type ClientListenOptions, listenClients, type TcpClientAcceptor } from "./tcp-client-acceptor.js";
export { type ClientDialerOptions, type TcpClientDialer, tcpClientDialer } from "./tcp-client-dialer.js";
export { type TcpEndpointOptions, tcpDefaults } from "./tcp-options.js";
export { listenPeers, type PeerListenOptions, type TcpPeerTransport } from "./tcp-peer-transport.js";
export type { TcpSecurityOptions, TcpTlsOptions } from "./tcp-security.js";
