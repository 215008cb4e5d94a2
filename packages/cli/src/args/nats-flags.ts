/**
 * The NATS flags `serve` and every client command take: `--transport`, `--nats`, `--cluster`, and
 * the credentials and TLS passed through to the NATS client (`--nats-creds`, `--nats-token`,
 * `--nats-user`/`--nats-pass`, `--nats-nkey-seed`, `--nats-tls-ca`/`--nats-tls-cert`/`--nats-tls-key`).
 *
 * @module
 */
import { resolve } from "node:path";
import { choiceField } from "../config/json-fields.js";
import { type NatsAuthNames, natsAuthFrom, natsTlsFrom } from "../config/nats-auth.js";
import type { ServeSettings, TransportKind } from "../config/serve-settings.js";

/**
 * The flags, in `parseArgs` form.
 *
 * @since 0.1.0
 * @internal
 */
export const NATS_OPTIONS = {
  transport: { type: "string" },
  nats: { type: "string" },
  cluster: { type: "string" },
  "nats-creds": { type: "string" },
  "nats-nkey-seed": { type: "string" },
  "nats-token": { type: "string" },
  "nats-user": { type: "string" },
  "nats-pass": { type: "string" },
  "nats-tls-ca": { type: "string" },
  "nats-tls-cert": { type: "string" },
  "nats-tls-key": { type: "string" },
} as const;

/**
 * The usage lines of {@link NATS_OPTIONS}, shared by the help of every command that takes them.
 *
 * @since 0.1.0
 * @internal
 */
export const NATS_USAGE = `  --transport tcp|nats          how members and clients talk (default tcp)
  --nats URL[,URL]              the NATS server(s), for --transport nats
  --cluster NAME                the cluster's name: NATS subjects zab.NAME.*, for --transport nats
  --nats-creds F | --nats-nkey-seed F | --nats-token T | --nats-user U --nats-pass P
                                how to authenticate to the NATS server (not to the ensemble)
  --nats-tls-ca F [--nats-tls-cert F --nats-tls-key F]
                                TLS to the NATS server: its CA, and a client certificate`;

/**
 * The values of {@link NATS_OPTIONS} as parsed.
 *
 * @since 0.1.0
 * @internal
 */
export interface NatsFlagValues {
  readonly transport?: string | undefined;
  readonly nats?: string | undefined;
  readonly cluster?: string | undefined;
  readonly "nats-creds"?: string | undefined;
  readonly "nats-nkey-seed"?: string | undefined;
  readonly "nats-token"?: string | undefined;
  readonly "nats-user"?: string | undefined;
  readonly "nats-pass"?: string | undefined;
  readonly "nats-tls-ca"?: string | undefined;
  readonly "nats-tls-cert"?: string | undefined;
  readonly "nats-tls-key"?: string | undefined;
}

const FLAG_NAMES: NatsAuthNames = {
  creds: "--nats-creds",
  nkeySeed: "--nats-nkey-seed",
  token: "--nats-token",
  user: "--nats-user",
  pass: "--nats-pass",
  tlsCa: "--nats-tls-ca",
  tlsCert: "--nats-tls-cert",
  tlsKey: "--nats-tls-key",
};

/**
 * Reads the NATS flags.
 *
 * @param values - The parsed flags.
 * @returns The transport and NATS settings they give (fields absent when not given); file paths
 *   are resolved against the working directory.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` for an unknown transport, two kinds of
 *   NATS credentials, or half of a pair.
 * @since 0.1.0
 * @internal
 */
export function natsFromFlags(values: NatsFlagValues): Required<Pick<ServeSettings, "transport" | "nats">> {
  // An empty path stays empty, so that it is refused as empty rather than read as the directory.
  const file = (path: string | undefined) => (path === undefined || path === "" ? path : resolve(path));
  const input = {
    creds: file(values["nats-creds"]),
    nkeySeed: file(values["nats-nkey-seed"]),
    token: values["nats-token"],
    user: values["nats-user"],
    pass: values["nats-pass"],
    tlsCa: file(values["nats-tls-ca"]),
    tlsCert: file(values["nats-tls-cert"]),
    tlsKey: file(values["nats-tls-key"]),
  };
  const transport: TransportKind | undefined =
    values.transport === undefined
      ? undefined
      : choiceField(values.transport, "--transport", ["tcp", "nats"]);
  return {
    transport,
    nats: {
      servers: values.nats?.split(",").map((url) => url.trim()),
      cluster: values.cluster,
      auth: natsAuthFrom(input, FLAG_NAMES),
      tls: natsTlsFrom(input, FLAG_NAMES),
    },
  };
}
