/**
 * Starts a few members' peer transports on loopback, each with a recorder, optionally with a
 * proxy on every path so tests can cut or stall connections from outside.
 *
 * @module
 */
import { type ServerId, serverId } from "@zab/core";
import {
  listenPeers,
  type MemberAddress,
  type PeerListenOptions,
  type TcpPeerTransport,
} from "../../src/index.js";
import { PeerRecorder } from "./peer-recorder.js";
import { TcpProxy } from "./tcp-proxy.js";

/** Settings of {@link startPeers}. */
export interface PeerNetworkOptions extends Omit<PeerListenOptions, "self" | "host" | "port" | "members"> {
  /** Put a proxy on every path: member X dials member Y at proxy(X, Y). */
  readonly proxies?: boolean;
  /** Per-member overrides. */
  readonly overrides?: (id: ServerId) => Partial<PeerListenOptions>;
}

/** Members on loopback. */
export interface PeerNetwork extends AsyncDisposable {
  readonly ids: readonly ServerId[];
  transport(id: ServerId): TcpPeerTransport;
  recorder(id: ServerId): PeerRecorder;
  /** The proxy member `from` dials member `to` through. */
  proxy(from: ServerId, to: ServerId): TcpProxy;
  /** Every proxy. */
  proxies(): TcpProxy[];
  /** Connections open through all proxies. */
  liveConnections(): number;
  /** Stops a member's transport (its process going away). */
  stop(id: ServerId): Promise<void>;
  /** Starts a member again on its old port, with a fresh recorder. */
  restart(id: ServerId): Promise<void>;
}

/**
 * Starts members `ids` with the given options (a `secret` by default).
 *
 * @param ids - The members.
 * @param options - Options for every member.
 */
export async function startPeers(
  ids: readonly number[],
  options: PeerNetworkOptions = {},
): Promise<PeerNetwork> {
  const members = ids.map((id) => serverId(id));
  const { proxies: withProxies = false, overrides, ...common } = options;
  const securityOf = (id: ServerId) => {
    const given = { ...common, ...overrides?.(id) };
    return given.secret === undefined && given.tls === undefined && given.insecure === undefined
      ? { secret: "test-secret" }
      : {};
  };
  const transports = new Map<ServerId, TcpPeerTransport>();
  const recorders = new Map<ServerId, PeerRecorder>();
  const addresses = new Map<ServerId, MemberAddress>();
  const proxies = new Map<string, TcpProxy>();
  const open = async (id: ServerId, port: number) => {
    const transport = await listenPeers({
      ...securityOf(id),
      ...common,
      ...overrides?.(id),
      self: id,
      host: "127.0.0.1",
      port,
    });
    transports.set(id, transport);
    addresses.set(id, transport.address);
    return transport;
  };
  for (const id of members) await open(id, 0);
  if (withProxies) {
    for (const from of members) {
      for (const to of members) {
        if (from === to) continue;
        const target = addresses.get(to);
        if (target === undefined) throw new Error("every member has an address");
        proxies.set(`${from}>${to}`, await TcpProxy.start(target));
      }
    }
  }
  const bookOf = (id: ServerId) =>
    new Map(
      members
        .filter((other) => other !== id)
        .map((other) => {
          const proxy = proxies.get(`${id}>${other}`);
          const address = proxy?.address ?? addresses.get(other);
          if (address === undefined) throw new Error("every member has an address");
          return [other, address] as const;
        }),
    );
  const attach = (id: ServerId) => {
    const transport = transports.get(id);
    if (transport === undefined) throw new Error(`no transport for ${id}`);
    transport.setMembers(bookOf(id));
    recorders.set(id, new PeerRecorder(transport));
  };
  for (const id of members) attach(id);
  const get = <T>(map: Map<ServerId, T>, id: ServerId): T => {
    const value = map.get(id);
    if (value === undefined) throw new Error(`no entry for member ${id}`);
    return value;
  };
  return {
    ids: members,
    transport: (id) => get(transports, id),
    recorder: (id) => get(recorders, id),
    proxy: (from, to) => {
      const proxy = proxies.get(`${from}>${to}`);
      if (proxy === undefined) throw new Error(`no proxy ${from}>${to}`);
      return proxy;
    },
    proxies: () => [...proxies.values()],
    liveConnections: () => [...proxies.values()].reduce((sum, proxy) => sum + proxy.live, 0),
    stop: async (id) => {
      await get(transports, id).close();
    },
    restart: async (id) => {
      const port = get(addresses, id).port;
      await open(id, port);
      attach(id);
    },
    [Symbol.asyncDispose]: async () => {
      for (const transport of transports.values()) await transport.close();
      for (const proxy of proxies.values()) await proxy[Symbol.asyncDispose]();
    },
  };
}
