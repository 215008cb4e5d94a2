/**
 * The settings of an ensemble member as `zab` reads them from a config file and flags, and the
 * checks that make a complete {@link ServeConfig} of them.
 *
 * @module
 */
import { type ServerId, ZabError } from "@zab/core";

/**
 * Whether a member votes or only observes.
 *
 * @since 0.1.0
 * @internal
 */
export type MemberRole = "voter" | "observer";

/**
 * One member of the ensemble: where it listens for the other members and for clients. Over NATS
 * a member has no address: `host` is empty and both ports are 0.
 *
 * @since 0.1.0
 * @internal
 */
export interface MemberEntry {
  /** Host name or IP address; the member listens on it and the others dial it. */
  readonly host: string;
  /** The port for the other members. */
  readonly peerPort: number;
  /** The port for clients. */
  readonly clientPort: number;
  /** Voters elect the leader and form quorums; observers only follow. */
  readonly role: MemberRole;
}

/**
 * How members and clients authenticate, before any file is read: exactly one kind.
 *
 * @remarks
 * Paths are absolute (a config file's relative paths are resolved against its directory).
 * @since 0.1.0
 * @internal
 */
export type SecuritySetting =
  | { readonly kind: "secret"; readonly secret: string }
  | { readonly kind: "secretFile"; readonly path: string }
  | { readonly kind: "tls"; readonly cert: string; readonly key: string; readonly ca: string }
  | { readonly kind: "insecure" };

/**
 * The transport members and clients talk over.
 *
 * @since 0.1.0
 * @internal
 */
export type TransportKind = "tcp" | "nats";

/**
 * Where the NATS transport finds NATS, and the cluster's subjects.
 *
 * @since 0.1.0
 * @internal
 */
export interface NatsSetting {
  /** The NATS server URL(s). */
  readonly servers: readonly string[];
  /** The cluster name: subjects live under `zab.<cluster>.`. */
  readonly cluster: string;
  /** How to authenticate to the NATS server; none when absent. */
  readonly auth?: NatsAuthSetting | undefined;
  /** TLS to the NATS server, beyond what a `tls://` URL implies. */
  readonly tls?: NatsTlsSetting | undefined;
}

/**
 * How an endpoint authenticates to the NATS server (not to the ensemble: that is the cluster
 * secret's job), before any file is read: exactly one kind. Paths are absolute.
 *
 * @since 0.1.0
 * @internal
 */
export type NatsAuthSetting =
  | { readonly kind: "creds"; readonly path: string }
  | { readonly kind: "nkeySeed"; readonly path: string }
  | { readonly kind: "token"; readonly token: string }
  | { readonly kind: "userPass"; readonly user: string; readonly pass: string };

/**
 * TLS to the NATS server: a CA to verify it with, and/or a client certificate and key. Paths are
 * absolute.
 *
 * @since 0.1.0
 * @internal
 */
export interface NatsTlsSetting {
  /** The CA file the server's certificate is checked against (default: the system's). */
  readonly ca?: string | undefined;
  /** The client certificate file; goes with `key`. */
  readonly cert?: string | undefined;
  /** The client key file; goes with `cert`. */
  readonly key?: string | undefined;
}

/**
 * How `serve` writes its log lines.
 *
 * @since 0.1.0
 * @internal
 */
export type LogFormat = "text" | "json";

/**
 * The least severe log level written.
 *
 * @since 0.1.0
 * @internal
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * Settings from one source (a config file, or flags), each checked on its own; any may be
 * missing until the sources are combined.
 *
 * @since 0.1.0
 * @internal
 */
export interface ServeSettings {
  /** The member this process runs. */
  readonly id?: ServerId | undefined;
  /** The transport; default `tcp`. */
  readonly transport?: TransportKind | undefined;
  /** NATS servers and cluster name (the NATS transport). */
  readonly nats?: { readonly [Field in keyof NatsSetting]?: NatsSetting[Field] | undefined } | undefined;
  /** Every member of the ensemble, this one included. */
  readonly members?: ReadonlyMap<ServerId, MemberEntry> | undefined;
  /** The data directory (absolute). */
  readonly dataDir?: string | undefined;
  /** Authentication of members and clients. */
  readonly security?: SecuritySetting | undefined;
  /** Milliseconds per protocol tick. */
  readonly tickMs?: number | undefined;
  /** The shortest session timeout granted. */
  readonly sessionTimeoutMinMs?: number | undefined;
  /** The longest session timeout granted. */
  readonly sessionTimeoutMaxMs?: number | undefined;
  /** Readable lines or JSON. */
  readonly logFormat?: LogFormat | undefined;
  /** The least severe level written. */
  readonly logLevel?: LogLevel | undefined;
  /** The loopback port of the admin HTTP endpoint (0: any free port); off when absent. */
  readonly adminPort?: number | undefined;
}

/**
 * Everything `zab serve` needs, checked.
 *
 * @since 0.1.0
 * @internal
 */
export interface ServeConfig {
  /** The member this process runs; one of `members`. */
  readonly id: ServerId;
  /** The transport. */
  readonly transport: TransportKind;
  /** NATS servers and cluster name; set exactly when `transport` is `nats`. */
  readonly nats: NatsSetting | undefined;
  /** Every member of the ensemble, with at least one voter. */
  readonly members: ReadonlyMap<ServerId, MemberEntry>;
  /** The data directory (absolute). */
  readonly dataDir: string;
  /** Authentication of members and clients. */
  readonly security: SecuritySetting;
  /** Milliseconds per protocol tick; the member's default when absent. */
  readonly tickMs: number | undefined;
  /** The shortest session timeout granted; the member's default when absent. */
  readonly sessionTimeoutMinMs: number | undefined;
  /** The longest session timeout granted; the member's default when absent. */
  readonly sessionTimeoutMaxMs: number | undefined;
  /** Readable lines (default) or JSON. */
  readonly logFormat: LogFormat;
  /** Default `info`. */
  readonly logLevel: LogLevel;
  /** The loopback port of the admin HTTP endpoint (0: any free port); off when absent. */
  readonly adminPort: number | undefined;
}

/**
 * Combines settings, later sources winning field by field, and checks the result is complete and
 * consistent.
 *
 * @param sources - From weakest to strongest: the config file, then flags.
 * @returns The configuration.
 * @throws {@link ZabError} with code `"Invalid"` naming what is missing or inconsistent.
 * @since 0.1.0
 * @internal
 */
export function completeServeConfig(...sources: readonly ServeSettings[]): ServeConfig {
  const merged: ServeSettings = Object.assign({}, ...sources.map(definedFields));
  const transport = merged.transport ?? "tcp";
  // The NATS settings merge field by field too: a file may name the cluster, a flag the servers.
  const natsParts = mergeNatsSettings(...sources.map((source) => source.nats));
  const { id, members, dataDir, security } = merged;
  if (id === undefined) throw missing("which member this process runs is not set", "id", "--id");
  if (members === undefined) throw missing("the ensemble's members are not set", "members", "--member");
  if (dataDir === undefined) throw missing("the data directory is not set", "dataDir", "--data-dir");
  if (security === undefined) {
    throw missing(
      "how members authenticate is not set",
      "security",
      "--secret, --secret-file, --tls-* or --insecure",
    );
  }
  if (!members.has(id)) {
    throw new ZabError(
      "Invalid",
      `member ${id} is not among the members (${[...members.keys()].join(", ")})`,
    );
  }
  if (transport === "tcp") refuseNatsSettings(natsParts);
  const nats = transport === "nats" ? completeNats(natsParts, security) : undefined;
  if (transport === "tcp") checkAddresses(members);
  if ([...members.values()].every((member) => member.role !== "voter")) {
    throw new ZabError("Invalid", "the members include no voter: at least one member must vote");
  }
  const { sessionTimeoutMinMs: min, sessionTimeoutMaxMs: max } = merged;
  if (min !== undefined && max !== undefined && min > max) {
    throw new ZabError("Invalid", `sessionTimeoutMinMs (${min}) is above sessionTimeoutMaxMs (${max})`);
  }
  return {
    id,
    transport,
    nats,
    members,
    dataDir,
    security,
    tickMs: merged.tickMs,
    sessionTimeoutMinMs: min,
    sessionTimeoutMaxMs: max,
    logFormat: merged.logFormat ?? "text",
    logLevel: merged.logLevel ?? "info",
    adminPort: merged.adminPort,
  };
}

/**
 * Checks the NATS settings are complete: servers and a cluster name, and the cluster secret as
 * what authenticates members and clients.
 *
 * @param parts - The NATS settings, merged from every source.
 * @param security - The authentication setting.
 * @returns The settings.
 * @throws {@link ZabError} with code `"Invalid"` naming what is missing, or for authentication
 *   other than a secret.
 * @since 0.1.0
 * @internal
 */
export function completeNats(
  parts: { readonly [Field in keyof NatsSetting]?: NatsSetting[Field] | undefined },
  security: SecuritySetting,
): NatsSetting {
  if (parts.servers === undefined || parts.servers.length === 0) {
    throw missing("the NATS servers are not set", "nats.servers", "--nats URL");
  }
  if (parts.cluster === undefined)
    throw missing("the cluster name is not set", "nats.cluster", "--cluster NAME");
  if (security.kind !== "secret" && security.kind !== "secretFile") {
    throw new ZabError(
      "Invalid",
      "the NATS transport authenticates every message with the cluster secret: give --secret or --secret-file (security.secret or security.secretFile)",
    );
  }
  return { servers: parts.servers, cluster: parts.cluster, auth: parts.auth, tls: parts.tls };
}

/** What each NATS setting is called in messages, whichever source it came from. */
const NATS_SETTING_NAMES: { readonly [Field in keyof NatsSetting]-?: string } = {
  servers: "servers",
  cluster: "cluster",
  auth: "credentials",
  tls: "TLS",
};

/**
 * Refuses NATS settings given for the TCP transport: they would be ignored, and a user who gave
 * them meant the members to run over NATS.
 *
 * @param parts - The NATS settings, merged from every source.
 * @throws {@link ZabError} with code `"Invalid"` when any is given.
 * @since 0.1.0
 * @internal
 */
export function refuseNatsSettings(
  parts: {
    readonly [Field in keyof NatsSetting]?: NatsSetting[Field] | undefined;
  },
): void {
  const given = Object.keys(definedFields(parts));
  if (given.length > 0) {
    throw new ZabError(
      "Invalid",
      `NATS settings (${given.map((field) => NATS_SETTING_NAMES[field as keyof NatsSetting]).join(", ")}) are given but the transport is tcp: give "transport": "nats" or --transport nats`,
    );
  }
}

/**
 * Merges NATS settings from several sources field by field, later sources winning: a file may
 * name the cluster, a flag the servers. Credentials and TLS are each one field: a flag's token
 * replaces the file's creds file rather than joining it.
 *
 * @param sources - From weakest to strongest.
 * @returns The merged parts, any of them still missing.
 * @since 0.1.0
 * @internal
 */
export function mergeNatsSettings(...sources: readonly (ServeSettings["nats"] | undefined)[]): {
  readonly [Field in keyof NatsSetting]?: NatsSetting[Field] | undefined;
} {
  return Object.assign({}, ...sources.map((source) => definedFields(source ?? {})));
}

/**
 * Over TCP every member needs an address, and no two listeners may share one (the second
 * member could never start).
 */
function checkAddresses(members: ReadonlyMap<ServerId, MemberEntry>): void {
  const owners = new Map<string, string>();
  for (const [id, member] of members) {
    if (member.host === "" || member.peerPort === 0 || member.clientPort === 0) {
      throw new ZabError(
        "Invalid",
        `member ${id} has no address: over TCP give ID=HOST:PEER_PORT:CLIENT_PORT (or use the NATS transport)`,
      );
    }
    for (const [port, name] of [
      [member.peerPort, "peer"],
      [member.clientPort, "client"],
    ] as const) {
      const address = `${member.host}:${port}`;
      const owner = owners.get(address);
      if (owner !== undefined) {
        throw new ZabError("Invalid", `${owner} and member ${id}'s ${name} port are both ${address}`);
      }
      owners.set(address, `member ${id}'s ${name} port`);
    }
  }
}

function missing(problem: string, field: string, flag: string): ZabError {
  return new ZabError("Invalid", `${problem}: give "${field}" in the config file, or ${flag}`);
}

/** The fields whose value is defined, so that an absent flag does not erase the file's value. */
function definedFields<T extends object>(settings: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(settings).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
