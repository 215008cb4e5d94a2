/**
 * NATS credentials from their usual forms (a `.creds` file's contents, an NKey seed, a token, a
 * user and password) as the connection options the NATS client takes, so an application need not
 * import the NATS client itself to authenticate to its server.
 *
 * @module
 */
import { credsAuthenticator, nkeyAuthenticator } from "@nats-io/transport-node";
import { ZabError } from "@zab/core";
import type { NatsConnectionOptions } from "./nats-options.js";

/**
 * One way to authenticate to the NATS server: at most one kind.
 *
 * @remarks
 * These admit an endpoint to the NATS server (and its subject permissions); the cluster secret,
 * not these, is what admits it to the ensemble.
 * @since 0.1.0
 */
export interface NatsCredentials {
  /** The contents of a `.creds` file (a user JWT and its NKey seed), as `nsc` writes it. */
  readonly creds?: Uint8Array | undefined;
  /** An NKey seed (`SU…`), as bytes or text; surrounding whitespace is ignored. */
  readonly nkeySeed?: Uint8Array | string | undefined;
  /** A token, as the server's `authorization { token }` expects. */
  readonly token?: string | undefined;
  /** A user name; goes with {@link NatsCredentials.pass}. */
  readonly user?: string | undefined;
  /** The user's password; goes with {@link NatsCredentials.user}. */
  readonly pass?: string | undefined;
}

/**
 * Turns credentials into NATS connection options.
 *
 * @param credentials - At most one kind: `creds`, `nkeySeed`, `token`, or `user` with `pass`.
 * @returns The options to spread into an endpoint's `connection` option (empty for none).
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` for two kinds at once, a user without a
 *   password or the reverse, or an empty value.
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises";
 * import { natsClientDialer, natsCredentials } from "@zab/transport-nats";
 *
 * const dialer = natsClientDialer({
 *   servers: "tls://nats.example:4222",
 *   cluster: "prod",
 *   secret: process.env.ZAB_SECRET ?? "",
 *   connection: { ...natsCredentials({ creds: await readFile("zab.creds") }), tls: {} },
 * });
 * ```
 * @since 0.1.0
 */
export function natsCredentials(
  credentials: NatsCredentials,
): Pick<NatsConnectionOptions, "authenticator" | "token" | "user" | "pass"> {
  const { creds, nkeySeed, token, user, pass } = credentials;
  const kinds = [
    creds !== undefined ? "creds" : undefined,
    nkeySeed !== undefined ? "nkeySeed" : undefined,
    token !== undefined ? "token" : undefined,
    user !== undefined || pass !== undefined ? "user/pass" : undefined,
  ].filter((kind) => kind !== undefined);
  if (kinds.length > 1) {
    throw new ZabError("Invalid", `give one kind of NATS credentials, not ${kinds.join(" and ")}`);
  }
  if (creds !== undefined) {
    if (creds.byteLength === 0) throw new ZabError("Invalid", "the NATS creds are empty");
    return { authenticator: credsAuthenticator(Uint8Array.from(creds)) };
  }
  if (nkeySeed !== undefined) {
    const text = (typeof nkeySeed === "string" ? nkeySeed : new TextDecoder().decode(nkeySeed)).trim();
    if (text.length === 0) throw new ZabError("Invalid", "the NATS NKey seed is empty");
    return { authenticator: nkeyAuthenticator(new TextEncoder().encode(text)) };
  }
  if (token !== undefined) {
    if (token.length === 0) throw new ZabError("Invalid", "the NATS token is empty");
    return { token };
  }
  if (user !== undefined || pass !== undefined) {
    if (user === undefined || pass === undefined || user.length === 0) {
      throw new ZabError("Invalid", "a NATS user and its password go together: give both");
    }
    return { user, pass };
  }
  return {};
}
