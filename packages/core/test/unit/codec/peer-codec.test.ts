// Goal: every peer message survives encode → decode unchanged, exactly (bigint zxids up to
// 2^64 - 1, epochs up to 2^32 - 1, empty and 1 MiB payloads), and the peer decoder rejects the
// values outside each field's domain that a well-framed but hostile frame can carry: server id 0,
// unknown states and roles, booleans other than 0/1, sizes past 2^53, lying lengths and counts.
//
// Method: one fast-check round-trip property per message kind (the kinds come from a record typed
// over PeerMessage["kind"], so none can be skipped), then example frames built from a valid
// encoding with one field patched, each expected to fail with ZabError "BadFrame" naming the
// field. The encoder's own refusals (ZabError "Invalid") are checked the same way.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodePeerMessage, encodePeerMessage } from "../../../src/codec/peer-codec.js";
import { ZabError } from "../../../src/errors.js";
import { electionRound, epoch, serverId, sessionId } from "../../../src/protocol/ids.js";
import type { PeerMessage } from "../../../src/protocol/messages.js";
import { zxid, zxidFromBigInt } from "../../../src/protocol/zxid.js";
import { expectBadFrame, fromHex, peerMessageArbitraries } from "./arbitraries.js";

const arbitraries = peerMessageArbitraries({ large: true });

/** A copy of `frame` with the bytes at `offset` replaced by `hex`. */
function patched(frame: Uint8Array, offset: number, hex: string): Uint8Array {
  const copy = frame.slice();
  copy.set(fromHex(hex), offset);
  return copy;
}

const notification: PeerMessage = {
  kind: "notification",
  leader: serverId(3),
  zxid: zxid(epoch(1), 7),
  peerEpoch: epoch(1),
  round: electionRound(9n),
  state: "looking",
};

describe("peer codec round trip", () => {
  it.each(Object.keys(arbitraries) as PeerMessage["kind"][])("%s: decode(encode(m)) equals m", (kind) => {
    fc.assert(
      fc.property(arbitraries[kind], (message) => {
        expect(decodePeerMessage(encodePeerMessage(message))).toStrictEqual(message);
      }),
    );
  });

  it("keeps zxids exact at the extremes, beyond where a float would round", () => {
    for (const value of [0n, (1n << 53n) + 1n, (0xffff_ffffn << 32n) | 0xffff_fffen, (1n << 64n) - 1n]) {
      const message: PeerMessage = { kind: "commit", zxid: zxidFromBigInt(value) };
      const decoded = decodePeerMessage(encodePeerMessage(message));
      expect(decoded.kind === "commit" && decoded.zxid).toBe(value);
    }
    const maxEpoch: PeerMessage = { kind: "leaderInfo", newEpoch: epoch(0xffff_ffff) };
    expect(decodePeerMessage(encodePeerMessage(maxEpoch))).toStrictEqual(maxEpoch);
  });

  it("returns payloads that are copies, not views into the frame", () => {
    const frame = encodePeerMessage({
      kind: "proposal",
      txn: { zxid: zxid(epoch(1), 1), payload: Uint8Array.of(1, 2) },
    });
    const decoded = decodePeerMessage(frame);
    if (decoded.kind !== "proposal") return expect.fail("expected a proposal");
    expect(decoded.txn.payload.buffer).not.toBe(frame.buffer);
    frame.fill(0);
    expect(decoded.txn.payload).toStrictEqual(Uint8Array.of(1, 2));
  });

  it("copies the message's bytes into the frame, so the message may be reused", () => {
    const data = Uint8Array.of(7, 7);
    const frame = encodePeerMessage({ kind: "snapChunk", data, last: false });
    data.fill(0);
    expect(decodePeerMessage(frame)).toStrictEqual({
      kind: "snapChunk",
      data: Uint8Array.of(7, 7),
      last: false,
    });
  });
});

describe("peer decoder rejects out-of-domain fields", () => {
  // notification: 01 17 | leader@2 | zxid@6 | peerEpoch@14 | round@18 | state@26
  const frame = encodePeerMessage(notification);

  it("rejects server id 0 and ids above 2^31 - 1", () => {
    for (const leader of ["00000000", "80000000", "ffffffff"]) {
      expect(expectBadFrame(() => decodePeerMessage(patched(frame, 2, leader)))).toMatch(
        /^notification: leader at byte 2: \d+ is outside 1\.\.2147483647$/,
      );
    }
  });

  it("rejects unknown peer states and learner roles", () => {
    expect(expectBadFrame(() => decodePeerMessage(patched(frame, 26, "04")))).toBe(
      "notification: state at byte 26: unknown code 4",
    );
    const info = encodePeerMessage({
      kind: "followerInfo",
      role: "follower",
      acceptedEpoch: epoch(1),
      lastZxid: zxid(epoch(1), 1),
    });
    expect(expectBadFrame(() => decodePeerMessage(patched(info, 2, "02")))).toContain(
      "role at byte 2: unknown code 2",
    );
  });

  it("rejects booleans other than 0 and 1", () => {
    const chunk = encodePeerMessage({ kind: "snapChunk", data: new Uint8Array(0), last: true });
    expect(expectBadFrame(() => decodePeerMessage(patched(chunk, 6, "02")))).toContain("last at byte 6");
    const reply = encodePeerMessage({ kind: "revalidateReply", sessionId: sessionId(5n), valid: false });
    expect(expectBadFrame(() => decodePeerMessage(patched(reply, 10, "ff")))).toContain("valid at byte 10");
  });

  it("rejects a ping whose digest flag is not 0 or 1, or that promises a digest it lacks", () => {
    // ping: 01 05 | lastZxid@2 | touchedSessions count@10 | hasDigest@14 | digest.zxid@15 | digest@23
    const bare = encodePeerMessage({ kind: "ping", lastZxid: zxid(epoch(1), 1), touchedSessions: [] });
    expect(bare.byteLength).toBe(15);
    expect(expectBadFrame(() => decodePeerMessage(patched(bare, 14, "02")))).toBe(
      "ping: hasDigest at byte 14: a boolean must be 0 or 1, got 2",
    );
    expect(expectBadFrame(() => decodePeerMessage(patched(bare, 14, "01")))).toContain(
      "digest.zxid at byte 15",
    );
    const withDigest = encodePeerMessage({
      kind: "ping",
      lastZxid: zxid(epoch(1), 1),
      touchedSessions: [],
      digest: { zxid: zxid(epoch(1), 1), digest: 5n },
    });
    expect(withDigest.byteLength).toBe(31);
    expect(expectBadFrame(() => decodePeerMessage(withDigest.subarray(0, 30)))).toContain(
      "digest.digest at byte 23",
    );
    // A digest flagged absent but present anyway is bytes after the message.
    expect(expectBadFrame(() => decodePeerMessage(patched(withDigest, 14, "00")))).toContain("ping");
  });

  it("rejects a snapshot size that a number cannot hold exactly", () => {
    const snap = encodePeerMessage({ kind: "snap", zxid: zxid(epoch(1), 1), snapshotBytes: 10 });
    expect(expectBadFrame(() => decodePeerMessage(patched(snap, 10, "0020000000000000")))).toContain(
      "snapshotBytes at byte 10",
    );
  });

  it("rejects byte lengths of 2^31 - 1 and 2^32 - 1 in a small frame at once", () => {
    const chunk = encodePeerMessage({ kind: "snapChunk", data: Uint8Array.of(1, 2, 3), last: true });
    for (const length of ["7fffffff", "ffffffff", "00000005"]) {
      expect(expectBadFrame(() => decodePeerMessage(patched(chunk, 2, length)))).toMatch(
        /^snapChunk: data at byte 2: length \d+ exceeds the 4 bytes remaining$/,
      );
    }
    const request = encodePeerMessage({ kind: "request", requestId: 1n, payload: Uint8Array.of(1) });
    expect(expectBadFrame(() => decodePeerMessage(patched(request, 10, "ffffffff")))).toContain(
      "payload at byte 10",
    );
  });

  it("rejects a session count of 2^32 - 1 without reading or allocating the sessions", () => {
    const ping = encodePeerMessage({
      kind: "ping",
      lastZxid: zxid(epoch(1), 1),
      touchedSessions: [sessionId(1n)],
    });
    expect(expectBadFrame(() => decodePeerMessage(patched(ping, 10, "ffffffff")))).toBe(
      "ping: touchedSessions at byte 10: count 4294967295 needs at least 34359738360 bytes, 9 remain",
    );
  });
});

describe("peer encoder refuses values outside the wire format", () => {
  const invalid: [string, PeerMessage][] = [
    ["leader", { ...notification, leader: 0 as never }],
    ["state", { ...notification, state: "bogus" as never }],
    ["type", { kind: "toString" } as never],
    ["requestId", { kind: "request", requestId: -1n, payload: new Uint8Array(0) }],
    ["requestId", { kind: "request", requestId: 1n << 64n, payload: new Uint8Array(0) }],
    ["snapshotBytes", { kind: "snap", zxid: zxid(epoch(1), 1), snapshotBytes: 2 ** 53 }],
    ["timeoutMs", { kind: "revalidate", sessionId: sessionId(1n), timeoutMs: -1 }],
    ["timeoutMs", { kind: "revalidate", sessionId: sessionId(1n), timeoutMs: 0.5 }],
    [
      "digest.digest",
      {
        kind: "ping",
        lastZxid: zxid(epoch(1), 1),
        touchedSessions: [],
        digest: { zxid: zxid(epoch(1), 1), digest: 1n << 64n },
      },
    ],
  ];
  it.each(invalid)("%s", (field, message) => {
    try {
      encodePeerMessage(message);
      expect.fail("encoded an invalid message");
    } catch (error) {
      expect(ZabError.isInstance(error, "Invalid")).toBe(true);
      expect((error as ZabError).message).toContain(`cannot encode ${field}`);
    }
  });
});
