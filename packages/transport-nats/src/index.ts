/**
 * NATS transport for zab ensembles and clients: members and clients need only the NATS URL(s),
 * the cluster name, the cluster secret and their own id; no member addresses.
 *
 * - {@link listenPeers} gives a member its {@link NatsPeerTransport}, listening on
 *   `zab.<cluster>.peer.<id>`.
 * - {@link listenClients} gives a member its {@link NatsClientAcceptor}, listening on
 *   `zab.<cluster>.client.<id>`; {@link natsClientDialer} is what clients dial it with
 *   ({@link NatsClientDialer}).
 *
 * Every message carries its sender, target, channel id and seq under an HMAC-SHA256 of the
 * cluster secret: a NATS client without the secret can neither join the quorum nor forge or
 * replay a member's messages (such messages are dropped, counted in `refusals`, and logged).
 * A channel is a sequence-numbered stream; a gap, a repeat, a NATS reconnect or a silent peer
 * closes it, as a broken TCP connection would, and the protocol re-synchronizes.
 *
 * @example
 * ```ts
 * import { connect, CoordinationServer, openFileStorage, serverId } from "@zab/core";
 * import { listenClients, listenPeers, natsClientDialer } from "@zab/transport-nats";
 *
 * const nats = { servers: "nats://127.0.0.1:4222", cluster: "demo", secret: "a long random secret" };
 * const self = serverId(1);
 * const member = await CoordinationServer.start({
 *   id: self,
 *   voters: [serverId(1), serverId(2), serverId(3)],
 *   storage: await openFileStorage({ dir: "/var/lib/zab" }),
 *   transport: await listenPeers({ ...nats, self }),
 *   clients: await listenClients({ ...nats, self }),
 * });
 *
 * // elsewhere, a client
 * await using dialer = natsClientDialer(nats);
 * await using session = await connect({ dialer, members: [serverId(1), serverId(2), serverId(3)] });
 * ```
 * @packageDocumentation
 */
export { type ClientListenOptions, listenClients, type NatsClientAcceptor } from "./nats-client-acceptor.js";
export { type ClientDialerOptions, type NatsClientDialer, natsClientDialer } from "./nats-client-dialer.js";
export { type NatsCredentials, natsCredentials } from "./nats-credentials.js";
export type { NatsRefusals } from "./nats-endpoint.js";
export { type NatsConnectionOptions, type NatsEndpointOptions, natsDefaults } from "./nats-options.js";
export { listenPeers, type NatsPeerTransport, type PeerListenOptions } from "./nats-peer-transport.js";
