/**
 * How a certificate names a member: `zab-member-<id>` as its subject's common name or as a DNS
 * subject alternative name.
 *
 * @module
 */
import type { X509Certificate } from "node:crypto";
import { type ServerId, serverId } from "@zab/core";

const MEMBER_NAME = /^zab-member-([1-9][0-9]{0,9})$/;

/**
 * The name a member's certificate carries: `zab-member-<id>`.
 *
 * @remarks
 * Put it in the certificate's subject common name (`CN=zab-member-1`) or in a DNS subject
 * alternative name (`DNS:zab-member-1`), or both. Give clients certificates with other names, so
 * that a client certificate cannot pass for a member.
 * @param id - The member.
 * @returns The name, such as `"zab-member-1"`.
 * @example
 * ```ts
 * import { serverId } from "@zab/core";
 * import { memberCertificateName } from "@zab/transport-tcp";
 *
 * // openssl req -subj "/CN=zab-member-1" ...
 * memberCertificateName(serverId(1)); // "zab-member-1"
 * ```
 * @since 0.1.0
 */
export function memberCertificateName(id: ServerId): string {
  return `zab-member-${id}`;
}

/**
 * The member a certificate belongs to, read from its names; the default of
 * {@link TcpTlsOptions.memberIdOf}.
 *
 * @remarks
 * Looks at every subject common name and every DNS subject alternative name, and keeps the ones
 * of the exact form `zab-member-<id>` (wildcards never match). A certificate names a member only
 * if all of those agree on one id: a certificate naming two members belongs to neither, so one
 * credential is bound to exactly one member id.
 * @param certificate - The certificate the other end presented (already verified against the CA).
 * @returns The member's id, or `undefined` when the certificate names no single member.
 * @example
 * ```ts
 * import { X509Certificate } from "node:crypto";
 * import { readFileSync } from "node:fs";
 * import { memberIdFromCertificate } from "@zab/transport-tcp";
 *
 * memberIdFromCertificate(new X509Certificate(readFileSync("member-1.crt"))); // 1
 * ```
 * @since 0.1.0
 */
export function memberIdFromCertificate(certificate: X509Certificate): ServerId | undefined {
  const names: string[] = [];
  // Node prints the subject one attribute per line, and the alternative names comma-separated;
  // a value with separators inside is printed quoted, so it cannot smuggle in a name of its own.
  for (const line of certificate.subject.split("\n")) {
    if (line.startsWith("CN=")) names.push(line.slice("CN=".length));
  }
  for (const entry of (certificate.subjectAltName ?? "").split(", ")) {
    if (entry.startsWith("DNS:")) names.push(entry.slice("DNS:".length));
  }
  const ids = new Set<number>();
  for (const name of names) {
    const match = MEMBER_NAME.exec(name);
    if (match?.[1] !== undefined) ids.add(Number(match[1]));
  }
  if (ids.size !== 1) return undefined;
  const [id] = ids;
  if (id === undefined || id > 0x7fff_ffff) return undefined;
  return serverId(id);
}
