/**
 * Starts the ensemble member `zab serve` runs: its data directory, its peer and client ports, and
 * the Coordination API server over them.
 *
 * @module
 */
import {
  assert,
  type ClientAcceptor,
  CoordinationServer,
  type Logger,
  openFileStorage,
  type PeerTransport,
  type ServerId,
  ZabError,
} from "@zab/core";
import {
  listenClients as listenNatsClients,
  listenPeers as listenNatsPeers,
  type NatsConnectionOptions,
} from "@zab/transport-nats";
import { listenClients, listenPeers, type MemberAddress, type TcpSecurityOptions } from "@zab/transport-tcp";
import type { NatsSetting, ServeConfig } from "../config/serve-settings.js";

/**
 * A started member and what it listens on.
 *
 * @since 0.1.0
 * @internal
 */
export interface RunningMember {
  /** The member. */
  readonly server: CoordinationServer;
  /** Where it listens for the other members: `host:port`, or a NATS subject. */
  readonly peerEndpoint: string;
  /** Where it listens for clients: `host:port`, or a NATS subject. */
  readonly clientEndpoint: string;
  /** The data directory, as the storage lock resolved it. */
  readonly dataDir: string;
  /** Stops accepting clients, then stops the member, releasing its ports and its data directory. */
  close(): Promise<void>;
}

/**
 * Opens the data directory, binds both ports and starts the member.
 *
 * @remarks
 * Each step that fails undoes the ones before it, so a refused start leaves no port bound and the
 * data directory unlocked, and the process can exit at once.
 * @param config - The checked configuration.
 * @param security - The loaded authentication.
 * @param natsConnection - The loaded NATS credentials and TLS (the NATS transport only).
 * @param logger - Where the member and the transport log.
 * @returns The running member.
 * @throws {@link ZabError} with code `"Locked"` when another process has the data directory,
 *   `"Corrupt"` when its contents fail recovery, `"Invalid"` for a setting the member refuses; a
 *   system error (`EADDRINUSE`, `EACCES`, …) naming the port that could not be bound.
 * @since 0.1.0
 * @internal
 */
export async function startMember(
  config: ServeConfig,
  security: TcpSecurityOptions,
  natsConnection: NatsConnectionOptions,
  logger: Logger,
): Promise<RunningMember> {
  const storage = await openFileStorage({ dir: config.dataDir });
  const endpoints =
    config.nats === undefined
      ? await bindTcp(config, security, logger, () => storage.storage.close())
      : await connectNats(config, { ...config.nats, connection: natsConnection }, security, logger, () =>
          storage.storage.close(),
        );
  const { transport, clients } = endpoints;
  let server: CoordinationServer;
  try {
    // From here the member owns the transport and the storage, and closes them if it fails.
    server = await CoordinationServer.start({
      id: config.id,
      voters: idsWithRole(config, "voter"),
      observers: idsWithRole(config, "observer"),
      storage,
      transport,
      clients,
      logger,
      ...definedSettings(config),
    });
  } catch (error) {
    await endpoints.closeClients();
    throw error;
  }
  return {
    server,
    peerEndpoint: endpoints.peerEndpoint,
    clientEndpoint: endpoints.clientEndpoint,
    dataDir: config.dataDir,
    close: async () => {
      // No new client is taken while the member winds down.
      await endpoints.closeClients();
      await server.close();
    },
  };
}

/** A member's two endpoints, bound or connected, before the member starts on them. */
interface MemberEndpoints {
  readonly transport: PeerTransport;
  readonly clients: ClientAcceptor;
  readonly peerEndpoint: string;
  readonly clientEndpoint: string;
  closeClients(): Promise<void>;
}

/** Connects both endpoints to NATS; no port is bound. */
async function connectNats(
  config: ServeConfig,
  nats: NatsSetting & { readonly connection: NatsConnectionOptions },
  security: TcpSecurityOptions,
  logger: Logger,
  undo: () => Promise<void>,
): Promise<MemberEndpoints> {
  const secret = security.secret;
  assert(secret !== undefined, "a complete NATS config authenticates with a secret");
  const settings = {
    self: config.id,
    servers: nats.servers,
    cluster: nats.cluster,
    secret,
    connection: nats.connection,
    logger,
  };
  let transport: Awaited<ReturnType<typeof listenNatsPeers>>;
  try {
    transport = await listenNatsPeers(settings);
  } catch (error) {
    await undo();
    throw error;
  }
  let clients: Awaited<ReturnType<typeof listenNatsClients>>;
  try {
    clients = await listenNatsClients(settings);
  } catch (error) {
    await transport.close();
    await undo();
    throw error;
  }
  return {
    transport,
    clients,
    peerEndpoint: `nats ${transport.subject}`,
    clientEndpoint: `nats ${clients.subject}`,
    closeClients: () => clients.close(),
  };
}

/** Binds both TCP ports. */
async function bindTcp(
  config: ServeConfig,
  security: TcpSecurityOptions,
  logger: Logger,
  undo: () => Promise<void>,
): Promise<MemberEndpoints> {
  const self = config.id;
  const own = config.members.get(self);
  assert(own !== undefined, "a complete config has an entry for its own member");
  const transport = await bindOrUndo(
    "peers",
    own.host,
    own.peerPort,
    () =>
      listenPeers({
        ...security,
        self,
        host: own.host,
        port: own.peerPort,
        members: peerAddresses(config),
        logger,
      }),
    undo,
  );
  const clients = await bindOrUndo(
    "clients",
    own.host,
    own.clientPort,
    () => listenClients({ ...security, self, host: own.host, port: own.clientPort, logger }),
    async () => {
      await transport.close();
      await undo();
    },
  );
  return {
    transport,
    clients,
    peerEndpoint: `${transport.address.host}:${transport.address.port}`,
    clientEndpoint: `${clients.address.host}:${clients.address.port}`,
    closeClients: () => clients.close(),
  };
}

/** Binds a port; on failure, undoes the earlier steps and names the port in the error. */
async function bindOrUndo<T>(
  what: string,
  host: string,
  port: number,
  bind: () => Promise<T>,
  undo: () => Promise<void>,
): Promise<T> {
  try {
    return await bind();
  } catch (error) {
    await undo();
    throw describeBindError(error, `cannot listen for ${what} on ${host}:${port}`);
  }
}

/** A bind error keeps its system code (`EADDRINUSE`) and gains the port it was about. */
function describeBindError(error: unknown, context: string): unknown {
  if (ZabError.isInstance(error) || !(error instanceof Error)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const reasons: Readonly<Record<string, string>> = {
    EADDRINUSE: "the address is already in use (is another member running?)",
    EACCES: "permission denied",
    EADDRNOTAVAIL: "the address is not one of this host's",
  };
  const described = new Error(`${context}: ${(code !== undefined && reasons[code]) || error.message}`, {
    cause: error,
  });
  return Object.assign(described, { code });
}

function peerAddresses(config: ServeConfig): Map<ServerId, MemberAddress> {
  return new Map(
    [...config.members].map(([id, member]) => [id, { host: member.host, port: member.peerPort }]),
  );
}

function idsWithRole(config: ServeConfig, role: "voter" | "observer"): ServerId[] {
  return [...config.members].filter(([, member]) => member.role === role).map(([id]) => id);
}

/** The optional member settings that were given, so that absent ones keep the member's defaults. */
function definedSettings(config: ServeConfig): {
  tickMs?: number;
  sessionTimeoutMinMs?: number;
  sessionTimeoutMaxMs?: number;
} {
  const { tickMs, sessionTimeoutMinMs, sessionTimeoutMaxMs } = config;
  return {
    ...(tickMs === undefined ? {} : { tickMs }),
    ...(sessionTimeoutMinMs === undefined ? {} : { sessionTimeoutMinMs }),
    ...(sessionTimeoutMaxMs === undefined ? {} : { sessionTimeoutMaxMs }),
  };
}
