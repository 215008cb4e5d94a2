// Goal: the handshake's messages decode to exactly what was encoded and nothing else decodes, and
// a proof is bound to every field of its transcript, so it cannot be replayed on another
// connection, for another identity, by the other side, or in the other role. Method: round trips;
// every single-byte corruption and truncation of each message; a proof recomputed with one field
// changed at a time.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  decodeChallenge,
  decodeHello,
  decodeProof,
  decodeResult,
  encodeChallenge,
  encodeHello,
  encodeProof,
  encodeResult,
  HANDSHAKE_BYTES_MAX,
  NONCE_BYTES,
} from "../src/handshake-messages.js";
import { computeProof, type Transcript, verifyProof } from "../src/handshake-proof.js";

const nonce = () => randomBytes(NONCE_BYTES);

describe("handshake messages", () => {
  const hello = { role: "peer", dialerId: 3, acceptorId: 1, nonce: nonce() } as const;
  const challenge = { acceptorId: 1, nonce: nonce() };
  const encoded = [
    { name: "HELLO", bytes: encodeHello(hello), decode: decodeHello },
    { name: "CHALLENGE", bytes: encodeChallenge(challenge), decode: decodeChallenge },
    { name: "PROOF", bytes: encodeProof(randomBytes(32)), decode: decodeProof },
    {
      name: "RESULT",
      bytes: encodeResult({ outcome: "callBack", proof: randomBytes(32) }),
      decode: decodeResult,
    },
  ];

  it("round-trip", () => {
    expect(decodeHello(encodeHello(hello))).toEqual({ ...hello, nonce: new Uint8Array(hello.nonce) });
    expect(decodeChallenge(encodeChallenge(challenge))).toEqual({
      acceptorId: 1,
      nonce: new Uint8Array(challenge.nonce),
    });
    const proof = randomBytes(32);
    expect(decodeProof(encodeProof(proof))).toEqual(new Uint8Array(proof));
    expect(decodeProof(encodeProof(new Uint8Array(0)))).toHaveLength(0);
    for (const outcome of ["accepted", "callBack", "notListening", "refused"] as const) {
      expect(decodeResult(encodeResult({ outcome, proof: new Uint8Array(0) }))).toEqual({
        outcome,
        proof: new Uint8Array(0),
      });
    }
    expect(decodeResult(encodeResult({ outcome: "accepted", proof })).proof).toEqual(new Uint8Array(proof));
  });

  it("fit the handshake limit", () => {
    for (const { bytes } of encoded) expect(bytes.byteLength).toBeLessThanOrEqual(HANDSHAKE_BYTES_MAX);
  });

  it("refuse truncations, trailing bytes and corrupted headers", () => {
    for (const { name, bytes, decode } of encoded) {
      for (let length = 0; length < bytes.byteLength; length += 1) {
        expect(() => decode(bytes.subarray(0, length)), `${name} cut to ${length}`).toThrow(/malformed/);
      }
      expect(() => decode(Buffer.concat([bytes, new Uint8Array(1)])), `${name} + 1`).toThrow(/malformed/);
      // Magic, version and type: any change is refused.
      for (let index = 0; index < 6; index += 1) {
        const corrupt = Uint8Array.from(bytes);
        corrupt[index] = (corrupt[index] ?? 0) ^ 0x40;
        expect(() => decode(corrupt), `${name} byte ${index}`).toThrow(/malformed/);
      }
    }
  });

  it("refuse one message in place of another", () => {
    for (const a of encoded) {
      for (const b of encoded) {
        if (a !== b) expect(() => b.decode(a.bytes)).toThrow(/malformed/);
      }
    }
  });

  it("refuse garbage that is not a zab handshake", () => {
    expect(() => decodeHello(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"))).toThrow(/malformed/);
  });
});

describe("handshake proofs", () => {
  const key = new TextEncoder().encode("s3cret");
  const transcript: Transcript = {
    role: "peer",
    dialerId: 2,
    acceptorId: 1,
    dialerNonce: nonce(),
    acceptorNonce: nonce(),
  };

  it("verify with the same key and transcript", () => {
    expect(verifyProof(key, "dialer", transcript, computeProof(key, "dialer", transcript))).toBe(true);
    expect(verifyProof(key, "acceptor", transcript, computeProof(key, "acceptor", transcript))).toBe(true);
  });

  it("fail for another key, side, role, id or nonce", () => {
    const proof = computeProof(key, "dialer", transcript);
    expect(verifyProof(new TextEncoder().encode("s3cre7"), "dialer", transcript, proof)).toBe(false);
    expect(verifyProof(key, "acceptor", transcript, proof)).toBe(false);
    expect(verifyProof(key, "dialer", { ...transcript, role: "client" }, proof)).toBe(false);
    expect(verifyProof(key, "dialer", { ...transcript, dialerId: 3 }, proof)).toBe(false);
    expect(verifyProof(key, "dialer", { ...transcript, acceptorId: 3 }, proof)).toBe(false);
    expect(verifyProof(key, "dialer", { ...transcript, dialerNonce: nonce() }, proof)).toBe(false);
    expect(verifyProof(key, "dialer", { ...transcript, acceptorNonce: nonce() }, proof)).toBe(false);
    expect(verifyProof(key, "dialer", transcript, proof.subarray(0, 16))).toBe(false);
    expect(verifyProof(key, "dialer", transcript, new Uint8Array(0))).toBe(false);
  });
});
