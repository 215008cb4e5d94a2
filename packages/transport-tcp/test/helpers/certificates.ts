/**
 * A throwaway certificate authority for the TLS tests, made with the `openssl` command line in a
 * temp directory: member certificates named `zab-member-<id>`, a client certificate, and the
 * wrong ones (another CA's, one naming two members, one naming none).
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A certificate and its private key, PEM. */
export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

/** The test PKI. */
export interface TestPki {
  /** The trusted CA's certificate. */
  readonly ca: string;
  /** A member's certificate (CN and DNS SAN `zab-member-<id>`), signed by the CA. */
  member(id: number): KeyPair;
  /** A certificate with the given subject CN and DNS SANs, signed by the CA. */
  named(commonName: string, dnsNames: readonly string[]): KeyPair;
  /** A certificate for `zab-member-<id>` signed by another CA. */
  untrusted(id: number): KeyPair;
  /** Removes the temp directory. */
  dispose(): void;
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-subj",
    `/CN=${name}`,
    "-days",
    "2",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

function makeLeaf(
  dir: string,
  ca: string,
  file: string,
  commonName: string,
  dnsNames: readonly string[],
): KeyPair {
  openssl(dir, [
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${file}.key`,
    "-out",
    `${file}.csr`,
    "-subj",
    `/CN=${commonName}`,
  ]);
  const extensions = [
    "basicConstraints=CA:FALSE",
    "keyUsage=critical,digitalSignature",
    "extendedKeyUsage=serverAuth,clientAuth",
  ];
  if (dnsNames.length > 0)
    extensions.push(`subjectAltName=${dnsNames.map((name) => `DNS:${name}`).join(",")}`);
  writeFileSync(join(dir, `${file}.ext`), `${extensions.join("\n")}\n`);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${file}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-out",
    `${file}.crt`,
    "-days",
    "2",
    "-extfile",
    `${file}.ext`,
  ]);
  return {
    cert: readFileSync(join(dir, `${file}.crt`), "utf8"),
    key: readFileSync(join(dir, `${file}.key`), "utf8"),
  };
}

/** Creates the CA (and another, untrusted one) in a fresh temp directory. */
export function createPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "zab-tls-"));
  makeCa(dir, "ca");
  makeCa(dir, "rogue-ca");
  let counter = 0;
  const cache = new Map<string, KeyPair>();
  const cached = (key: string, make: () => KeyPair): KeyPair => {
    let pair = cache.get(key);
    if (pair === undefined) {
      pair = make();
      cache.set(key, pair);
    }
    return pair;
  };
  return {
    ca: readFileSync(join(dir, "ca.crt"), "utf8"),
    member: (id) =>
      cached(`member-${id}`, () =>
        makeLeaf(dir, "ca", `member-${id}`, `zab-member-${id}`, [`zab-member-${id}`]),
      ),
    named: (commonName, dnsNames) => {
      counter += 1;
      return makeLeaf(dir, "ca", `named-${counter}`, commonName, dnsNames);
    },
    untrusted: (id) =>
      cached(`untrusted-${id}`, () =>
        makeLeaf(dir, "rogue-ca", `untrusted-${id}`, `zab-member-${id}`, [`zab-member-${id}`]),
      ),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
