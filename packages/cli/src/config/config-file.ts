/**
 * The `zab` config file: one JSON document that describes the ensemble (every member's addresses
 * and role, how they authenticate) and, for `serve`, the member a process runs. The same file
 * serves every member and every client command; `--id` and `--data-dir` pick the member on each
 * host. The format is documented with a full example in the package README.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { type ServerId, serverId, ZabError } from "@zab/core";
import { choiceField, integerField, invalid, objectField, recordField, stringField } from "./json-fields.js";
import { type NatsAuthInput, type NatsAuthNames, natsAuthFrom, natsTlsFrom } from "./nats-auth.js";
import type {
  MemberEntry,
  NatsSetting,
  SecuritySetting,
  ServeSettings,
  TransportKind,
} from "./serve-settings.js";

/** The largest config file read: a config is a few kilobytes, anything bigger is a wrong path. */
const CONFIG_BYTES_MAX = 1024 * 1024;

/** The transports `zab serve` runs over. */
const TRANSPORTS = ["tcp", "nats"] as const;

const TOP_LEVEL_FIELDS = [
  "id",
  "transport",
  "nats",
  "members",
  "dataDir",
  "security",
  "tickMs",
  "sessionTimeoutMinMs",
  "sessionTimeoutMaxMs",
  "logFormat",
  "logLevel",
] as const;

const SERVER_ID_BOUNDS = { min: 1, max: 0x7fff_ffff } as const;
const PORT_BOUNDS = { min: 1, max: 65_535 } as const;
/** Durations in milliseconds: positive, and within a 32-bit timer's reach. */
const MILLISECONDS_BOUNDS = { min: 1, max: 0x7fff_ffff } as const;

/**
 * Reads and checks a config file.
 *
 * @param path - The file, relative to the working directory or absolute.
 * @returns The settings it gives; relative paths inside it are resolved against its directory.
 * @throws {@link ZabError} with code `"Invalid"` when the file cannot be read, is not JSON, or
 *   has a bad field; the message starts with the file's path.
 * @since 0.1.0
 * @internal
 */
export async function readConfigFile(path: string): Promise<ServeSettings> {
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.byteLength > CONFIG_BYTES_MAX) throw new Error(`larger than ${CONFIG_BYTES_MAX} bytes`);
    text = bytes.toString("utf8");
  } catch (error) {
    throw new ZabError("Invalid", `cannot read the config file ${path}: ${reason(error)}`, { cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ZabError("Invalid", `${path} is not valid JSON: ${reason(error)}`, { cause: error });
  }
  try {
    return parseConfigDocument(document, dirname(resolve(path)));
  } catch (error) {
    if (!ZabError.isInstance(error)) throw error;
    throw new ZabError("Invalid", `${path}: ${error.message}`, { cause: error });
  }
}

/**
 * Checks a parsed config document.
 *
 * @param document - The parsed JSON.
 * @param baseDir - The directory relative paths are resolved against.
 * @returns The settings it gives.
 * @throws {@link ZabError} with code `"Invalid"` naming the first bad field.
 * @since 0.1.0
 * @internal
 */
export function parseConfigDocument(document: unknown, baseDir: string): ServeSettings {
  const config = objectField(document, "the config", TOP_LEVEL_FIELDS);
  const transport = optional(config.transport, (value) => choiceField(value, "transport", TRANSPORTS));
  return {
    id: optional(config.id, (value) => serverId(integerField(value, "id", SERVER_ID_BOUNDS))),
    transport,
    nats: optional(config.nats, (value) => parseNats(value, baseDir)),
    members: optional(config.members, (value) => parseMembers(value, transport ?? "tcp")),
    dataDir: optional(config.dataDir, (value) => resolve(baseDir, stringField(value, "dataDir"))),
    security: optional(config.security, (value) => parseSecurity(value, baseDir)),
    tickMs: optional(config.tickMs, (value) => integerField(value, "tickMs", MILLISECONDS_BOUNDS)),
    sessionTimeoutMinMs: optional(config.sessionTimeoutMinMs, (value) =>
      integerField(value, "sessionTimeoutMinMs", MILLISECONDS_BOUNDS),
    ),
    sessionTimeoutMaxMs: optional(config.sessionTimeoutMaxMs, (value) =>
      integerField(value, "sessionTimeoutMaxMs", MILLISECONDS_BOUNDS),
    ),
    logFormat: optional(config.logFormat, (value) => choiceField(value, "logFormat", ["text", "json"])),
    logLevel: optional(config.logLevel, (value) =>
      choiceField(value, "logLevel", ["debug", "info", "warn", "error"]),
    ),
  };
}

/** The config file's names of the NATS credential and TLS fields, for messages. */
const NATS_AUTH_NAMES: NatsAuthNames = {
  creds: "nats.creds",
  nkeySeed: "nats.nkeySeed",
  token: "nats.token",
  user: "nats.user",
  pass: "nats.pass",
  tlsCa: "nats.tls.ca",
  tlsCert: "nats.tls.cert",
  tlsKey: "nats.tls.key",
};

function parseNats(value: unknown, baseDir: string): Partial<NatsSetting> {
  const nats = objectField(value, "nats", [
    "servers",
    "cluster",
    "creds",
    "nkeySeed",
    "token",
    "user",
    "pass",
    "tls",
  ]);
  const servers =
    nats.servers === undefined
      ? undefined
      : Array.isArray(nats.servers)
        ? nats.servers.map((server, index) => stringField(server, `nats.servers[${index}]`))
        : [stringField(nats.servers, "nats.servers")];
  const tls: Partial<Record<"ca" | "cert" | "key", unknown>> =
    nats.tls === undefined ? {} : objectField(nats.tls, "nats.tls", ["ca", "cert", "key"]);
  const text = (field: unknown, name: string): string | undefined =>
    field === undefined ? undefined : stringField(field, name);
  const file = (field: unknown, name: string): string | undefined => {
    const path = text(field, name);
    return path === undefined ? undefined : resolve(baseDir, path);
  };
  const input: NatsAuthInput = {
    creds: file(nats.creds, NATS_AUTH_NAMES.creds),
    nkeySeed: file(nats.nkeySeed, NATS_AUTH_NAMES.nkeySeed),
    token: text(nats.token, NATS_AUTH_NAMES.token),
    user: text(nats.user, NATS_AUTH_NAMES.user),
    pass: text(nats.pass, NATS_AUTH_NAMES.pass),
    tlsCa: file(tls.ca, NATS_AUTH_NAMES.tlsCa),
    tlsCert: file(tls.cert, NATS_AUTH_NAMES.tlsCert),
    tlsKey: file(tls.key, NATS_AUTH_NAMES.tlsKey),
  };
  if (nats.tls !== undefined && Object.keys(tls).length === 0) {
    throw new ZabError("Invalid", "nats.tls must name at least one of ca, cert and key");
  }
  return {
    ...(servers === undefined ? {} : { servers }),
    ...(nats.cluster === undefined ? {} : { cluster: stringField(nats.cluster, "nats.cluster") }),
    auth: natsAuthFrom(input, NATS_AUTH_NAMES),
    tls: natsTlsFrom(input, NATS_AUTH_NAMES),
  };
}

function parseMembers(value: unknown, transport: TransportKind): ReadonlyMap<ServerId, MemberEntry> {
  const object = recordField(value, "members");
  const members = new Map<ServerId, MemberEntry>();
  for (const [key, entry] of Object.entries(object)) {
    if (!/^[1-9]\d*$/.test(key) || Number(key) > SERVER_ID_BOUNDS.max) {
      throw new ZabError(
        "Invalid",
        `members: "${key}" is not a member id (an integer from 1 to ${SERVER_ID_BOUNDS.max})`,
      );
    }
    members.set(
      serverId(Number(key)),
      transport === "nats" ? parseNatsMember(entry, `members.${key}`) : parseMember(entry, `members.${key}`),
    );
  }
  if (members.size === 0) throw new ZabError("Invalid", "members must name at least one member");
  return members;
}

function parseMember(value: unknown, field: string): MemberEntry {
  const member = objectField(value, field, ["host", "peerPort", "clientPort", "role"]);
  return {
    host: stringField(member.host, `${field}.host`),
    peerPort: integerField(member.peerPort, `${field}.peerPort`, PORT_BOUNDS),
    clientPort: integerField(member.clientPort, `${field}.clientPort`, PORT_BOUNDS),
    role:
      member.role === undefined ? "voter" : choiceField(member.role, `${field}.role`, ["voter", "observer"]),
  };
}

/** Over NATS a member has no address: only its role. */
function parseNatsMember(value: unknown, field: string): MemberEntry {
  const member = objectField(value, field, ["role"]);
  return {
    host: "",
    peerPort: 0,
    clientPort: 0,
    role:
      member.role === undefined ? "voter" : choiceField(member.role, `${field}.role`, ["voter", "observer"]),
  };
}

function parseSecurity(value: unknown, baseDir: string): SecuritySetting {
  const security = objectField(value, "security", ["secret", "secretFile", "tls", "insecure"]);
  const given = Object.keys(security);
  if (given.length !== 1) {
    throw new ZabError(
      "Invalid",
      `security must have exactly one of "secret", "secretFile", "tls" or "insecure", got ${given.length === 0 ? "none" : given.map((key) => `"${key}"`).join(", ")}`,
    );
  }
  if (security.secret !== undefined) {
    return { kind: "secret", secret: stringField(security.secret, "security.secret") };
  }
  if (security.secretFile !== undefined) {
    return {
      kind: "secretFile",
      path: resolve(baseDir, stringField(security.secretFile, "security.secretFile")),
    };
  }
  if (security.tls !== undefined) {
    const tls = objectField(security.tls, "security.tls", ["cert", "key", "ca"]);
    const file = (name: "cert" | "key" | "ca") =>
      resolve(baseDir, stringField(tls[name], `security.tls.${name}`));
    return { kind: "tls", cert: file("cert"), key: file("key"), ca: file("ca") };
  }
  if (security.insecure !== true) throw invalid("security.insecure", "must be true", security.insecure);
  return { kind: "insecure" };
}

/** Parses a field only when it is present. */
function optional<T>(value: unknown, parse: (value: unknown) => T): T | undefined {
  return value === undefined ? undefined : parse(value);
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
