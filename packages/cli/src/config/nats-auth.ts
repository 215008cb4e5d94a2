/**
 * The NATS credentials and TLS settings, checked the same way whether they come from the config
 * file's `"nats"` object or from `--nats-*` flags; only the names in the messages differ.
 *
 * @module
 */
import { ZabError } from "@zab/core";
import type { NatsAuthSetting, NatsTlsSetting } from "./serve-settings.js";

/**
 * The credential and TLS values as given (paths already absolute), any of them absent.
 *
 * @since 0.1.0
 * @internal
 */
export interface NatsAuthInput {
  readonly creds?: string | undefined;
  readonly nkeySeed?: string | undefined;
  readonly token?: string | undefined;
  readonly user?: string | undefined;
  readonly pass?: string | undefined;
  readonly tlsCa?: string | undefined;
  readonly tlsCert?: string | undefined;
  readonly tlsKey?: string | undefined;
}

/**
 * What each value is called where it came from (`--nats-token` or `nats.token`), for messages.
 *
 * @since 0.1.0
 * @internal
 */
export type NatsAuthNames = { readonly [Field in keyof NatsAuthInput]-?: string };

/**
 * Checks the credentials: at most one kind, a user with its password.
 *
 * @param input - The values.
 * @param names - Their names, for messages.
 * @returns The credentials, or `undefined` when none were given.
 * @throws {@link ZabError} with code `"Invalid"` for two kinds, half of user/password, or an
 *   empty value.
 * @since 0.1.0
 * @internal
 */
export function natsAuthFrom(input: NatsAuthInput, names: NatsAuthNames): NatsAuthSetting | undefined {
  const given = (["creds", "nkeySeed", "token", "user", "pass"] as const).filter(
    (field) => input[field] !== undefined,
  );
  for (const field of given) {
    if (input[field] === "") throw new ZabError("Invalid", `${names[field]} must not be empty`);
  }
  const kinds = new Set(given.map((field) => (field === "pass" ? "user" : field)));
  if (kinds.size > 1) {
    const listed = [...kinds].map((field) =>
      field === "user" ? `${names.user}/${names.pass}` : names[field],
    );
    throw new ZabError("Invalid", `give one kind of NATS credentials, not ${listed.join(" and ")}`);
  }
  const { creds, nkeySeed, token, user, pass } = input;
  if (creds !== undefined) return { kind: "creds", path: creds };
  if (nkeySeed !== undefined) return { kind: "nkeySeed", path: nkeySeed };
  if (token !== undefined) return { kind: "token", token };
  if (user === undefined && pass === undefined) return undefined;
  if (user === undefined || pass === undefined) {
    throw new ZabError("Invalid", `${names.user} and ${names.pass} go together: give both`);
  }
  return { kind: "userPass", user, pass };
}

/**
 * Checks the TLS settings: a certificate with its key.
 *
 * @param input - The values.
 * @param names - Their names, for messages.
 * @returns The settings, or `undefined` when none were given.
 * @throws {@link ZabError} with code `"Invalid"` for a certificate without its key or the reverse.
 * @since 0.1.0
 * @internal
 */
export function natsTlsFrom(input: NatsAuthInput, names: NatsAuthNames): NatsTlsSetting | undefined {
  const { tlsCa: ca, tlsCert: cert, tlsKey: key } = input;
  if (ca === undefined && cert === undefined && key === undefined) return undefined;
  if ((cert === undefined) !== (key === undefined)) {
    throw new ZabError("Invalid", `${names.tlsCert} and ${names.tlsKey} go together: give both`);
  }
  return { ca, cert, key };
}
