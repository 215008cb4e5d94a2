/**
 * Turns the NATS credentials and TLS settings into the NATS client's connection options, reading
 * the files they name.
 *
 * @module
 */
import { type NatsConnectionOptions, natsCredentials } from "@zab/transport-nats";
import { readSecurityFile } from "./load-security.js";
import type { NatsSetting } from "./serve-settings.js";

/**
 * Loads what the NATS settings name.
 *
 * @param setting - The complete NATS settings.
 * @returns Options for the NATS endpoints' `connection`.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` naming a file that cannot be read or is
 *   empty.
 * @since 0.1.0
 * @internal
 */
export async function loadNatsConnection(setting: NatsSetting): Promise<NatsConnectionOptions> {
  const { auth, tls } = setting;
  const credentials =
    auth === undefined
      ? {}
      : auth.kind === "creds"
        ? natsCredentials({ creds: await readSecurityFile(auth.path, "NATS creds") })
        : auth.kind === "nkeySeed"
          ? natsCredentials({ nkeySeed: await readSecurityFile(auth.path, "NATS NKey seed") })
          : auth.kind === "token"
            ? natsCredentials({ token: auth.token })
            : natsCredentials({ user: auth.user, pass: auth.pass });
  if (tls === undefined) return credentials;
  const [ca, cert, key] = await Promise.all([
    tls.ca === undefined ? undefined : readSecurityFile(tls.ca, "NATS TLS CA"),
    tls.cert === undefined ? undefined : readSecurityFile(tls.cert, "NATS TLS certificate"),
    tls.key === undefined ? undefined : readSecurityFile(tls.key, "NATS TLS key"),
  ]);
  return {
    ...credentials,
    tls: {
      ...(ca === undefined ? {} : { ca: ca.toString("utf8") }),
      ...(cert === undefined ? {} : { cert: cert.toString("utf8") }),
      ...(key === undefined ? {} : { key: key.toString("utf8") }),
    },
  };
}
