/**
 * Which ensemble a client command talks to, and how it authenticates: from the config file that
 * `serve` uses (`--config`), or from `--members` and an authentication flag.
 *
 * @module
 */
import { type ServerId, ZabError } from "@zab/core";
import type { MemberAddress, TcpSecurityOptions } from "@zab/transport-tcp";
import { membersFromList } from "../args/members-flag.js";
import { SECURITY_OPTIONS, type SecurityFlagValues, securityFromFlags } from "../args/security-flags.js";
import { readConfigFile } from "./config-file.js";
import { loadSecurity } from "./load-security.js";

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
} as const;

/**
 * The usage lines of {@link ENSEMBLE_OPTIONS}, shared by the help of every command that takes them.
 *
 * @since 0.1.0
 * @internal
 */
export const ENSEMBLE_USAGE = `  --config FILE                 the ensemble's config file, as for serve
  --members [ID=]HOST:PORT,...  or the members' client ports (ids default to 1, 2, 3, ... in order)
  --secret S | --secret-file F | --tls-cert F --tls-key F --tls-ca F | --insecure
                                how to authenticate (overrides the config file's)`;

/**
 * The values of {@link ENSEMBLE_OPTIONS} as parsed.
 *
 * @since 0.1.0
 * @internal
 */
export interface EnsembleFlagValues extends SecurityFlagValues {
  readonly config?: string | undefined;
  readonly members?: string | undefined;
}

/**
 * An ensemble as a client reaches it.
 *
 * @since 0.1.0
 * @internal
 */
export interface EnsembleTarget {
  /** Each member's client address, by id, in id order. */
  readonly members: ReadonlyMap<ServerId, MemberAddress>;
  /** How to authenticate, for `tcpClientDialer`. */
  readonly security: TcpSecurityOptions;
}

/** The two ways to name an ensemble, for the messages below. */
const ENSEMBLE_HINT =
  "give --config FILE, or --members HOST:PORT,... with --secret, --secret-file, --tls-* or --insecure";

/**
 * Reads the ensemble flags.
 *
 * @remarks
 * With `--config`, the file's members and security are used; an authentication flag overrides the
 * file's security (a client with its own certificate, say).
 * @param values - The parsed flags.
 * @returns The ensemble.
 * @throws {@link ZabError} with code `"Invalid"` when neither or both of `--config` and
 *   `--members` are given, without a way to authenticate, or for a bad file or flag.
 * @since 0.1.0
 * @internal
 */
export async function ensembleTarget(values: EnsembleFlagValues): Promise<EnsembleTarget> {
  const flagged = securityFromFlags(values);
  if (values.config !== undefined && values.members !== undefined) {
    throw new ZabError("Invalid", `--config and --members both name the ensemble: ${ENSEMBLE_HINT}`);
  }
  if (values.config !== undefined) {
    const settings = await readConfigFile(values.config);
    if (settings.members === undefined)
      throw new ZabError("Invalid", `${values.config}: "members" is missing`);
    const security = flagged ?? settings.security;
    if (security === undefined) {
      throw new ZabError(
        "Invalid",
        `${values.config}: "security" is missing, and no authentication flag was given`,
      );
    }
    const members = new Map(
      [...settings.members].map(
        ([id, member]) => [id, { host: member.host, port: member.clientPort }] as const,
      ),
    );
    return { members: sortedById(members), security: await loadSecurity(security) };
  }
  if (values.members === undefined) throw new ZabError("Invalid", `which ensemble? ${ENSEMBLE_HINT}`);
  const members = membersFromList(values.members);
  if (flagged === undefined) throw new ZabError("Invalid", `how to authenticate? ${ENSEMBLE_HINT}`);
  return { members: sortedById(members), security: await loadSecurity(flagged) };
}

function sortedById<T>(map: ReadonlyMap<ServerId, T>): ReadonlyMap<ServerId, T> {
  return new Map([...map].sort(([a], [b]) => a - b));
}
