// Goal: a certificate names a member only through an exact `zab-member-<id>` CN or DNS SAN, and
// only if all its names agree on one id (one credential, one member). Method: certificates made
// by openssl with every combination that matters, read back with memberIdFromCertificate.
import { X509Certificate } from "node:crypto";
import { serverId } from "@zab/core";
import { afterAll, describe, expect, it } from "vitest";
import { memberCertificateName, memberIdFromCertificate } from "../src/index.js";
import { createPki } from "./helpers/certificates.js";

const pki = createPki();
afterAll(() => pki.dispose());

const idOf = (commonName: string, dnsNames: readonly string[]) =>
  memberIdFromCertificate(new X509Certificate(pki.named(commonName, dnsNames).cert));

describe("memberIdFromCertificate", () => {
  it("reads the id from the CN, a DNS SAN, or both when they agree", () => {
    expect(idOf("zab-member-7", [])).toBe(7);
    expect(idOf("someone", ["zab-member-7"])).toBe(7);
    expect(idOf("zab-member-7", ["zab-member-7", "host.example"])).toBe(7);
    expect(memberIdFromCertificate(new X509Certificate(pki.member(3).cert))).toBe(3);
  });

  it("finds no member in a certificate naming none, two, or a look-alike", () => {
    expect(idOf("zab-client", ["client.example"])).toBeUndefined();
    expect(idOf("zab-member-1", ["zab-member-2"])).toBeUndefined();
    expect(idOf("x", ["zab-member-1", "zab-member-2"])).toBeUndefined();
    expect(idOf("zab-member-*", [])).toBeUndefined();
    expect(idOf("x", ["*.zab-member-1"])).toBeUndefined();
    expect(idOf("zab-member-01", [])).toBeUndefined();
    expect(idOf("zab-member-0", [])).toBeUndefined();
    expect(idOf("zab-member-4294967296", [])).toBeUndefined();
    expect(idOf("x-zab-member-1", [])).toBeUndefined();
  });

  it("matches the name members are told to use", () => {
    expect(memberCertificateName(serverId(12))).toBe("zab-member-12");
  });
});
