/**
 * The authentication flags every command that talks to an ensemble takes: `--secret`,
 * `--secret-file`, `--tls-cert`/`--tls-key`/`--tls-ca` or `--insecure`, exactly one kind.
 *
 * @module
 */
import { resolve } from "node:path";
import { ZabError } from "@zab/core";
import type { SecuritySetting } from "../config/serve-settings.js";

/**
 * The flags, in `parseArgs` form.
 *
 * @since 0.1.0
 * @internal
 */
export const SECURITY_OPTIONS = {
  secret: { type: "string" },
  "secret-file": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "tls-ca": { type: "string" },
  insecure: { type: "boolean" },
} as const;

/**
 * The values of {@link SECURITY_OPTIONS} as parsed.
 *
 * @since 0.1.0
 * @internal
 */
export interface SecurityFlagValues {
  readonly secret?: string | undefined;
  readonly "secret-file"?: string | undefined;
  readonly "tls-cert"?: string | undefined;
  readonly "tls-key"?: string | undefined;
  readonly "tls-ca"?: string | undefined;
  readonly insecure?: boolean | undefined;
}

/**
 * Reads the authentication flags.
 *
 * @param values - The parsed flags.
 * @returns The setting, or `undefined` when no flag of the group was given.
 * @throws {@link ZabError} with code `"Invalid"` when two kinds are given, or TLS flags are given
 *   without the other two.
 * @since 0.1.0
 * @internal
 */
export function securityFromFlags(values: SecurityFlagValues): SecuritySetting | undefined {
  const tls = [values["tls-cert"], values["tls-key"], values["tls-ca"]];
  const kinds = [
    values.secret !== undefined ? "--secret" : undefined,
    values["secret-file"] !== undefined ? "--secret-file" : undefined,
    tls.some((file) => file !== undefined) ? "--tls-*" : undefined,
    values.insecure === true ? "--insecure" : undefined,
  ].filter((kind) => kind !== undefined);
  if (kinds.length > 1) {
    throw new ZabError("Invalid", `give one way to authenticate, not ${kinds.join(" and ")}`);
  }
  if (values.secret !== undefined) {
    if (values.secret.length === 0) throw new ZabError("Invalid", "--secret must not be empty");
    return { kind: "secret", secret: values.secret };
  }
  if (values["secret-file"] !== undefined)
    return { kind: "secretFile", path: resolve(values["secret-file"]) };
  const [cert, key, ca] = tls;
  if (cert !== undefined || key !== undefined || ca !== undefined) {
    if (cert === undefined || key === undefined || ca === undefined) {
      throw new ZabError("Invalid", "--tls-cert, --tls-key and --tls-ca go together: give all three");
    }
    return { kind: "tls", cert: resolve(cert), key: resolve(key), ca: resolve(ca) };
  }
  return values.insecure === true ? { kind: "insecure" } : undefined;
}
