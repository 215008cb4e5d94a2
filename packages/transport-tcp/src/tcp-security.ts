/**
 * How endpoints prove who they are: mutual TLS, a shared secret, or (explicitly) nothing.
 *
 * @module
 */
import { X509Certificate } from "node:crypto";
import { createSecureContext } from "node:tls";
import { type Logger, type ServerId, ZabError } from "@zab/core";
import { memberIdFromCertificate } from "./member-certificate.js";

/**
 * Certificates for mutual TLS.
 *
 * @remarks
 * Both ends present a certificate and both require the other's, verified against `ca`. A member's
 * certificate must name it (see {@link memberCertificateName}); the id a peer claims is checked
 * against its certificate, and a dialer checks that the member it reached holds the certificate
 * of the member it meant to reach. Host names are not checked: the member id is the identity.
 * @since 0.1.0
 */
export interface TcpTlsOptions {
  /** This endpoint's certificate chain, PEM. */
  readonly cert: string | Buffer;
  /** The private key of `cert`, PEM. */
  readonly key: string | Buffer;
  /** The certificate authorities that sign the ensemble's certificates, PEM. Only these are trusted. */
  readonly ca: string | Buffer | readonly (string | Buffer)[];
  /**
   * Maps a verified certificate to the member it belongs to, or `undefined` for none. Default
   * {@link memberIdFromCertificate} (`zab-member-<id>` in the CN or a DNS SAN).
   */
  readonly memberIdOf?: (certificate: X509Certificate) => ServerId | undefined;
}

/**
 * The choice of authentication every endpoint takes: exactly one of `secret`, `tls` or
 * `insecure: true`.
 *
 * @remarks
 * - `tls`: mutual TLS; members are identified by their certificates; traffic is encrypted.
 * - `secret`: a challenge–response handshake proves both ends know the secret (HMAC-SHA256 over
 *   both nonces, both ids and a protocol label); a process without it cannot connect. Traffic
 *   after the handshake is neither encrypted nor authenticated frame by frame, so this guards
 *   against strangers on the network, not against an attacker on the path. Every holder of the
 *   secret is trusted alike: it could claim any member id. Use a long random secret (32 random
 *   bytes, say), and a different one for clients if clients must not be able to join as members.
 * - `insecure: true`: no authentication at all; anything that reaches the port can join. For
 *   tests and trusted loopback only; a warning is logged once per endpoint.
 * @since 0.1.0
 */
export interface TcpSecurityOptions {
  /** A shared secret; a string is used as its UTF-8 bytes. Not empty. */
  readonly secret?: string | Uint8Array;
  /** Certificates for mutual TLS. */
  readonly tls?: TcpTlsOptions;
  /** Set to `true` to run without authentication or encryption. */
  readonly insecure?: boolean;
}

/**
 * The authentication an endpoint runs, checked and prepared.
 *
 * @since 0.1.0
 * @internal
 */
export type Security =
  | { readonly kind: "secret"; readonly key: Uint8Array }
  | {
      readonly kind: "tls";
      /** Node's TLS options for this endpoint's certificate, key and trusted CAs. */
      readonly credentials: {
        readonly cert: string | Buffer;
        readonly key: string | Buffer;
        readonly ca: string | Buffer | (string | Buffer)[];
      };
      readonly memberIdOf: (certificate: X509Certificate) => ServerId | undefined;
    }
  | { readonly kind: "insecure" };

/**
 * Checks the authentication options and prepares them.
 *
 * @param options - The endpoint's options.
 * @param logger - Where the warning about `insecure` goes.
 * @param endpoint - What the endpoint is, for that warning ("peer listener of member 1").
 * @returns The prepared security.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` unless exactly one of `secret`, `tls` and
 *   `insecure: true` is given, or when the secret is empty or the certificates do not load.
 * @since 0.1.0
 * @internal
 */
export function resolveSecurity(options: TcpSecurityOptions, logger: Logger, endpoint: string): Security {
  const given = [options.secret !== undefined, options.tls !== undefined, options.insecure === true];
  if (given.filter(Boolean).length !== 1) {
    throw new ZabError(
      "Invalid",
      "give exactly one of `secret`, `tls` or `insecure: true`: zab never runs unauthenticated by default",
    );
  }
  if (options.secret !== undefined) {
    const key =
      typeof options.secret === "string" ? new TextEncoder().encode(options.secret) : options.secret;
    if (key.byteLength === 0) throw new ZabError("Invalid", "the secret must not be empty");
    return { kind: "secret", key: Uint8Array.from(key) };
  }
  if (options.tls !== undefined) {
    const { cert, key, ca, memberIdOf } = options.tls;
    // Copied: Node's option type wants a mutable array.
    const credentials = { cert, key, ca: typeof ca === "string" || Buffer.isBuffer(ca) ? ca : [...ca] };
    try {
      // Loaded once here only to fail at start, not at the first connection. (A tls.Server
      // ignores a `secureContext` option, so the options themselves are what gets passed on.)
      createSecureContext(credentials);
    } catch (error) {
      throw new ZabError("Invalid", `the TLS certificate, key or CA does not load: ${String(error)}`, {
        cause: error,
      });
    }
    return { kind: "tls", credentials, memberIdOf: memberIdOf ?? memberIdFromCertificate };
  }
  logger.warn(
    { endpoint },
    `${endpoint} runs without authentication or encryption (insecure: true): any process that can reach it is trusted`,
  );
  return { kind: "insecure" };
}

/**
 * Checks that this member's own certificate names it, so a misconfigured member fails at start
 * rather than being refused by every peer.
 *
 * @param security - The prepared security.
 * @param self - This member's id.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` when the certificate names another member or none.
 * @since 0.1.0
 * @internal
 */
export function checkOwnCertificate(security: Security, self: ServerId): void {
  if (security.kind !== "tls") return;
  let owner: ServerId | undefined;
  try {
    owner = security.memberIdOf(new X509Certificate(security.credentials.cert));
  } catch (error) {
    throw new ZabError("Invalid", `the TLS certificate does not parse: ${String(error)}`, { cause: error });
  }
  if (owner !== self) {
    throw new ZabError(
      "Invalid",
      `the TLS certificate of member ${self} names ${owner === undefined ? "no member" : `member ${owner}`}`,
    );
  }
}
