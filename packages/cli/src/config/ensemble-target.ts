/**
 * Which ensemble a client command talks to, how it authenticates, and over which transport: from
 * the config file that `serve` uses (`--config`), or from flags (`--members` and an
 * authentication flag; over NATS also `--transport nats --nats URL --cluster NAME`).
 *
 * @module
 */
import { type ClientDialer, type ServerId, ZabError } from "@zab/core";
import { natsClientDialer } from "@zab/transport-nats";
import { type MemberAddress, tcpClientDialer } from "@zab/transport-tcp";
import { memberIdsFromList, membersFromList } from "../args/members-flag.js";
import { NATS_OPTIONS, NATS_USAGE, type NatsFlagValues, natsFromFlags } from "../args/nats-flags.js";
import { SECURITY_OPTIONS, type SecurityFlagValues, securityFromFlags } from "../args/security-flags.js";
import { readConfigFile } from "./config-file.js";
import { loadNatsConnection } from "./load-nats-connection.js";
import { loadSecurity } from "./load-security.js";
import {
  completeNats,
  mergeNatsSettings,
  type NatsSetting,
  refuseNatsSettings,
  type SecuritySetting,
  type ServeSettings,
} from "./serve-settings.js";

/**
 * The flags that name an ensemble, in `parseArgs` form.
 *
 * @since 0.1.0
 * @internal
 */
export const ENSEMBLE_OPTIONS = {
  config: { type: "string" },
  members: { type: "string" },
  ...SECURITY_OPTIONS,
  ...NATS_OPTIONS,
} as const;

/**
 * The usage lines of {@link ENSEMBLE_OPTIONS}, shared by the help of every command that takes them.
 *
 * @since 0.1.0
 * @internal
 */
export const ENSEMBLE_USAGE = `  --config FILE                 the ensemble's config file, as for serve
  --members [ID=]HOST:PORT,...  or the members' client ports (ids default to 1, 2, 3, ... in order);
                                over NATS just the member ids: --members 1,2,3
  --secret S | --secret-file F | --tls-cert F --tls-key F --tls-ca F | --insecure
                                how to authenticate (overrides the config file's)
${NATS_USAGE}`;

/**
 * The values of {@link ENSEMBLE_OPTIONS} as parsed.
 *
 * @since 0.1.0
 * @internal
 */
export interface EnsembleFlagValues extends SecurityFlagValues, NatsFlagValues {
  readonly config?: string | undefined;
  readonly members?: string | undefined;
}

/**
 * A client dialer of an {@link EnsembleTarget}, whichever its transport.
 *
 * @since 0.1.0
 * @internal
 */
export interface EnsembleDialer extends ClientDialer, AsyncDisposable {}

/**
 * An ensemble as a client reaches it.
 *
 * @since 0.1.0
 * @internal
 */
export interface EnsembleTarget {
  /** The members, in id order. */
  readonly ids: readonly ServerId[];
  /** Where each member serves clients: `host:port`, or its NATS subject. */
  readonly endpoints: ReadonlyMap<ServerId, string>;
  /** What a client connects to, for "connecting to …". */
  readonly description: string;
  /**
   * A new dialer for the members: `tcpClientDialer` or `natsClientDialer`.
   *
   * @returns It; the caller disposes of it.
   */
  dialer(): EnsembleDialer;
}

/** The two ways to name an ensemble, for the messages below. */
const ENSEMBLE_HINT =
  "give --config FILE, or --members HOST:PORT,... with --secret, --secret-file, --tls-* or --insecure";

/**
 * Reads the ensemble flags.
 *
 * @remarks
 * With `--config`, the file's members, transport, NATS settings and security are used; flags
 * override them (an authentication flag the file's security, a NATS flag its NATS field).
 * @param values - The parsed flags.
 * @returns The ensemble.
 * @throws {@link ZabError} with code `"Invalid"` when neither or both of `--config` and
 *   `--members` are given, without a way to authenticate, or for a bad file or flag.
 * @since 0.1.0
 * @internal
 */
export async function ensembleTarget(values: EnsembleFlagValues): Promise<EnsembleTarget> {
  const flagged = securityFromFlags(values);
  const natsFlags = natsFromFlags(values);
  if (values.config !== undefined && values.members !== undefined) {
    throw new ZabError("Invalid", `--config and --members both name the ensemble: ${ENSEMBLE_HINT}`);
  }
  const file: ServeSettings = values.config === undefined ? {} : await readConfigFile(values.config);
  const transport = natsFlags.transport ?? file.transport ?? "tcp";
  const natsParts = mergeNatsSettings(file.nats, natsFlags.nats);
  if (transport === "tcp") refuseNatsSettings(natsParts);
  if (values.config !== undefined) {
    const where = values.config;
    if (file.members === undefined) throw new ZabError("Invalid", `${where}: "members" is missing`);
    const security = flagged ?? file.security;
    if (security === undefined) {
      throw new ZabError("Invalid", `${where}: "security" is missing, and no authentication flag was given`);
    }
    if (transport === "nats")
      return natsTarget([...file.members.keys()], completeNats(natsParts, security), security);
    const members = new Map(
      [...file.members].map(([id, member]) => [id, { host: member.host, port: member.clientPort }] as const),
    );
    return tcpTarget(members, await loadSecurity(security));
  }
  if (values.members === undefined) {
    throw new ZabError(
      "Invalid",
      transport === "nats"
        ? "which members? over NATS give --members ID,ID,... (the member ids)"
        : `which ensemble? ${ENSEMBLE_HINT}`,
    );
  }
  if (flagged === undefined) throw new ZabError("Invalid", `how to authenticate? ${ENSEMBLE_HINT}`);
  if (transport === "nats") {
    return natsTarget(memberIdsFromList(values.members), completeNats(natsParts, flagged), flagged);
  }
  return tcpTarget(membersFromList(values.members), await loadSecurity(flagged));
}

function tcpTarget(
  members: ReadonlyMap<ServerId, MemberAddress>,
  security: Awaited<ReturnType<typeof loadSecurity>>,
): EnsembleTarget {
  const sorted = new Map([...members].sort(([a], [b]) => a - b));
  const endpoints = new Map([...sorted].map(([id, { host, port }]) => [id, `${host}:${port}`] as const));
  return {
    ids: [...sorted.keys()],
    endpoints,
    description: [...endpoints.values()].join(", "),
    dialer: () => tcpClientDialer({ members: sorted, ...security }),
  };
}

async function natsTarget(
  ids: readonly ServerId[],
  nats: NatsSetting,
  security: SecuritySetting,
): Promise<EnsembleTarget> {
  const { secret } = await loadSecurity(security);
  // completeNats accepts only a secret or a secret file, which load as a secret.
  if (secret === undefined) throw new ZabError("Invalid", "the NATS transport needs the cluster secret");
  const connection = await loadNatsConnection(nats);
  const sorted = [...ids].sort((a, b) => a - b);
  return {
    ids: sorted,
    // The subject each member serves clients on, as `serve` prints it in its ready line.
    endpoints: new Map(sorted.map((id) => [id, `nats zab.${nats.cluster}.client.${id}`] as const)),
    description: `cluster ${nats.cluster} over NATS at ${nats.servers.join(", ")}`,
    dialer: () => natsClientDialer({ servers: nats.servers, cluster: nats.cluster, secret, connection }),
  };
}
