// Goal: the envelope every zab message travels in over NATS round-trips every field, and nothing
// but an authentic, unaltered envelope of this cluster is accepted: flipping any byte, cutting
// any tail, appending bytes, a wrong secret or another cluster's name is refused; authentic bytes
// that do not add up are refused as malformed, never half-read; the sender's own limits are
// asserted. Method: the pure encode/decode functions, exhaustively over every byte of real
// envelopes; authentic-but-malformed envelopes are re-signed here following the documented MAC
// layout (a paired check of the format written in envelope.ts).
import { createHmac } from "node:crypto";
import { AssertionError } from "@zab/core";
import { describe, expect, it } from "vitest";
import {
  CHANNEL_ID_BYTES,
  decodeEnvelope,
  type EndpointRole,
  type Envelope,
  type EnvelopeKey,
  type EnvelopeKind,
  encodeEnvelope,
  envelopeOverheadBytes,
  MAC_BYTES,
} from "../src/envelope.js";

const key: EnvelopeKey = { secret: new TextEncoder().encode("a cluster secret"), cluster: "demo" };
const kinds: readonly EnvelopeKind[] = ["open", "accept", "confirm", "data", "ack", "ping", "close", "reset"];
const roles: readonly EndpointRole[] = ["peer", "client"];

function channelId(seed: number): Uint8Array {
  return Uint8Array.from({ length: CHANNEL_ID_BYTES }, (_, index) => (seed * 31 + index * 7) & 0xff);
}

function envelope(overrides: Partial<Envelope> = {}): Envelope {
  return {
    kind: "data",
    role: "peer",
    flags: 3,
    channelId: channelId(1),
    seq: 2 ** 40 + 5,
    from: "1",
    to: "23",
    body: Uint8Array.from([9, 8, 7, 6, 5]),
    ...overrides,
  };
}

/** Re-signs altered bytes as an authentic sender would (the layout documented in envelope.ts). */
function resign(bytes: Uint8Array, signing: EnvelopeKey = key): Uint8Array {
  const signed = Uint8Array.from(bytes);
  const macAt = signed.byteLength - MAC_BYTES;
  const cluster = new TextEncoder().encode(signing.cluster);
  const hmac = createHmac("sha256", signing.secret);
  hmac.update("zab-nats/1\0");
  hmac.update(Uint8Array.of(cluster.byteLength));
  hmac.update(cluster);
  hmac.update(signed.subarray(0, macAt));
  signed.set(hmac.digest(), macAt);
  return signed;
}

function expectSame(decoded: ReturnType<typeof decodeEnvelope>, sent: Envelope): void {
  if (typeof decoded === "string") throw new Error(`refused as ${decoded}`);
  expect({ ...decoded, channelId: [...decoded.channelId], body: [...decoded.body] }).toEqual({
    ...sent,
    channelId: [...sent.channelId],
    body: [...sent.body],
  });
}

describe("round trip", () => {
  it.each(kinds.flatMap((kind) => roles.map((role) => [kind, role] as const)))(
    "%s from a %s keeps every field",
    (kind, role) => {
      const sent = envelope({
        kind,
        role,
        flags: kind === "data" ? 1 : 0,
        channelId: channelId(kind.length),
      });
      expectSame(decodeEnvelope(key, encodeEnvelope(key, sent)), sent);
    },
  );

  it("keeps the extremes: seq 0 and the largest safe integer, empty and long bodies, UTF-8 names", () => {
    for (const sent of [
      envelope({ seq: 0, body: new Uint8Array(0) }),
      envelope({ seq: Number.MAX_SAFE_INTEGER, body: new Uint8Array(70_000).fill(0xab) }),
      envelope({ from: "ü".repeat(32), to: "a".repeat(64) }),
      envelope({ from: "", to: "" }),
    ]) {
      expectSame(decodeEnvelope(key, encodeEnvelope(key, sent)), sent);
    }
  });

  it("authenticates exactly as HMAC-SHA256 does, for secrets shorter and longer than a block", () => {
    for (const length of [1, 32, 64, 65, 200]) {
      const signing: EnvelopeKey = { secret: new Uint8Array(length).fill(length), cluster: "demo" };
      const bytes = encodeEnvelope(signing, envelope());
      // Re-signed with node's own createHmac: the same bytes, and they decode under the key.
      expect([...resign(bytes, signing)]).toEqual([...bytes]);
      expectSame(decodeEnvelope(signing, bytes), envelope());
    }
  });

  it("reports its overhead exactly: encoded length minus body", () => {
    const sent = envelope({ from: "client-abc", to: "7" });
    const bytes = encodeEnvelope(key, sent);
    expect(envelopeOverheadBytes("client-abc", "7")).toBe(bytes.byteLength - sent.body.byteLength);
  });

  it("decodes a body that is a view of a larger buffer (as NATS hands messages over)", () => {
    const sent = envelope();
    const bytes = encodeEnvelope(key, sent);
    const larger = new Uint8Array(bytes.byteLength + 20);
    larger.set(bytes, 10);
    expectSame(decodeEnvelope(key, larger.subarray(10, 10 + bytes.byteLength)), sent);
  });
});

describe("forgery and alteration", () => {
  const bytes = encodeEnvelope(key, envelope());

  it("refuses the envelope when any one byte is flipped, MAC included", () => {
    for (let index = 0; index < bytes.byteLength; index += 1) {
      for (const bit of [0x01, 0x80]) {
        const altered = Uint8Array.from(bytes);
        altered[index] = (altered[index] ?? 0) ^ bit;
        // The version byte is checked before the MAC (nothing else is): any other flip is forged.
        expect(decodeEnvelope(key, altered), `byte ${index} ^ ${bit}`).toBe(
          index === 0 ? "malformed" : "forged",
        );
      }
    }
  });

  it("refuses another secret and another cluster, even one whose name extends this one's", () => {
    expect(decodeEnvelope({ ...key, secret: new TextEncoder().encode("another secret") }, bytes)).toBe(
      "forged",
    );
    for (const cluster of ["other", "dem", "demo2", "demoo"]) {
      expect(decodeEnvelope({ ...key, cluster }, bytes), cluster).toBe("forged");
    }
  });

  it("refuses every truncation and every extension", () => {
    for (let length = 0; length < bytes.byteLength; length += 1) {
      const refusal = decodeEnvelope(key, bytes.subarray(0, length));
      expect(["malformed", "forged"], `length ${length}`).toContain(refusal);
    }
    for (const extra of [1, 32, 1000]) {
      const longer = new Uint8Array(bytes.byteLength + extra);
      longer.set(bytes);
      expect(decodeEnvelope(key, longer)).toBe("forged");
    }
  });

  it("refuses anything shorter than a header, a MAC and two name lengths as malformed, before any MAC", () => {
    const minimum = envelopeOverheadBytes("", "");
    expect(decodeEnvelope(key, new Uint8Array(minimum - 1))).toBe("malformed");
    expect(decodeEnvelope(key, new Uint8Array(0))).toBe("malformed");
  });
});

describe("authentic but malformed", () => {
  const bytes = encodeEnvelope(key, envelope({ from: "1", to: "2", body: new Uint8Array(4) }));
  const fromLengthAt = 44;

  it.each<[string, number, number]>([
    ["an unknown kind", 1, 8],
    ["an unknown role", 2, 2],
    ["a sender name running past the MAC", fromLengthAt, 250],
    ["a target name running past the MAC", fromLengthAt + 2, 250],
    ["a sender name that is not UTF-8", fromLengthAt + 1, 0xff],
  ])("refuses %s", (_, index, value) => {
    const altered = Uint8Array.from(bytes);
    altered[index] = value;
    expect(decodeEnvelope(key, resign(altered))).toBe("malformed");
  });

  it("refuses a seq above the largest safe integer", () => {
    const altered = Uint8Array.from(bytes);
    altered.fill(0xff, 36, 44);
    expect(decodeEnvelope(key, resign(altered))).toBe("malformed");
  });

  it("accepts the unaltered bytes re-signed the same way (the re-signing matches the format)", () => {
    expect(typeof decodeEnvelope(key, resign(bytes))).toBe("object");
  });
});

describe("the sender's own limits", () => {
  it.each<[string, Partial<Envelope>]>([
    ["a sender name over 64 bytes", { from: "x".repeat(65) }],
    ["a target name over 64 bytes", { to: "é".repeat(33) }],
    ["a channel id of the wrong length", { channelId: new Uint8Array(16) }],
    ["a negative seq", { seq: -1 }],
    ["a seq that is not an integer", { seq: 1.5 }],
    ["a seq above the largest safe integer", { seq: 2 ** 53 }],
  ])("asserts against %s", (_, overrides) => {
    expect(() => encodeEnvelope(key, envelope(overrides))).toThrow(AssertionError);
  });
});
