// Goal: pin the wire format byte for byte, so that an accidental change to a type code, a field
// order, a width or an enum number fails a test instead of silently splitting members (or
// clients) of different builds. A deliberate change edits these vectors, bumps
// PROTOCOL_VERSION and updates docs/architecture/wire-format.md in the same commit.
//
// Method: golden vectors written by hand from docs/architecture/wire-format.md, one for every
// peer message kind and several for each client-protocol direction; each must encode to exactly
// its bytes and decode back to exactly its message. "|" separates fields for the reader.

import { describe, expect, it } from "vitest";
import {
  decodeClientToMember,
  decodeMemberToClient,
  decodeStatusResponse,
  encodeClientToMember,
  encodeMemberToClient,
  encodeStatusResponse,
} from "../../../src/codec/client-codec.js";
import { PROTOCOL_VERSION } from "../../../src/codec/frame.js";
import { decodePeerMessage, encodePeerMessage } from "../../../src/codec/peer-codec.js";
import type {
  ClientToMemberMessage,
  MemberToClientMessage,
  Stat,
  StatusResponse,
} from "../../../src/protocol/client-messages.js";
import { electionRound, epoch, serverId, sessionId } from "../../../src/protocol/ids.js";
import type { PeerMessage } from "../../../src/protocol/messages.js";
import { ZXID_ZERO, zxidFromBigInt } from "../../../src/protocol/zxid.js";
import { fromHex, peerMessageArbitraries, toHex } from "./arbitraries.js";

const z17 = zxidFromBigInt(0x0000_0001_0000_0007n);
const z25 = zxidFromBigInt(0x0000_0002_0000_0005n);
const z31 = zxidFromBigInt(0x0000_0003_0000_0001n);
const session = sessionId(0x1122_3344_5566_7788n);

const peerVectors: readonly (readonly [PeerMessage, string])[] = [
  [
    {
      kind: "notification",
      leader: serverId(3),
      zxid: z17,
      peerEpoch: epoch(1),
      round: electionRound(9n),
      state: "looking",
    },
    "01 17 | 00000003 | 0000000100000007 | 00000001 | 0000000000000009 | 00",
  ],
  [
    { kind: "followerInfo", role: "observer", acceptedEpoch: epoch(2), lastZxid: z25 },
    "01 0b | 01 | 00000002 | 0000000200000005",
  ],
  [{ kind: "leaderInfo", newEpoch: epoch(0xffff_ffff) }, "01 11 | ffffffff"],
  [{ kind: "ackEpoch", currentEpoch: epoch(2), lastZxid: z25 }, "01 12 | 00000002 | 0000000200000005"],
  [{ kind: "diff", lastZxid: z31 }, "01 0d | 0000000300000001"],
  [{ kind: "trunc", truncZxid: z25 }, "01 0e | 0000000200000005"],
  [{ kind: "snap", zxid: z31, snapshotBytes: 1024 * 1024 }, "01 0f | 0000000300000001 | 0000000000100000"],
  [{ kind: "snapChunk", data: Uint8Array.of(0xde, 0xad), last: true }, "01 15 | 00000002 dead | 01"],
  [{ kind: "newLeader", epoch: epoch(3) }, "01 0a | 00000003"],
  [{ kind: "ackNewLeader", epoch: epoch(3) }, "01 14 | 00000003"],
  [{ kind: "upToDate" }, "01 0c"],
  [
    { kind: "proposal", txn: { zxid: z31, payload: Uint8Array.of(1, 2, 3) } },
    "01 02 | 0000000300000001 | 00000003 010203",
  ],
  [{ kind: "ack", zxid: z31 }, "01 03 | 0000000300000001"],
  [{ kind: "commit", zxid: z31 }, "01 04 | 0000000300000001"],
  [
    { kind: "inform", txn: { zxid: z31, payload: Uint8Array.of(1, 2, 3) } },
    "01 08 | 0000000300000001 | 00000003 010203",
  ],
  [
    { kind: "ping", lastZxid: z31, touchedSessions: [sessionId(1n), sessionId((1n << 64n) - 1n)] },
    "01 05 | 0000000300000001 | 00000002 | 0000000000000001 | ffffffffffffffff | 00",
  ],
  [
    {
      kind: "ping",
      lastZxid: z31,
      touchedSessions: [],
      digest: { zxid: z25, digest: 0x8000_0000_0000_00ffn },
    },
    "01 05 | 0000000300000001 | 00000000 | 01 | 0000000200000005 | 80000000000000ff",
  ],
  [
    { kind: "request", requestId: 42n, payload: Uint8Array.of(0xff) },
    "01 01 | 000000000000002a | 00000001 ff",
  ],
  [{ kind: "revalidate", sessionId: session, timeoutMs: 30_000 }, "01 06 | 1122334455667788 | 00007530"],
  [{ kind: "revalidateReply", sessionId: session, valid: false }, "01 16 | 1122334455667788 | 00"],
];

const toMemberVectors: readonly (readonly [ClientToMemberMessage, string])[] = [
  [
    {
      kind: "connectRequest",
      protocolVersion: 1,
      lastZxidSeen: z17,
      sessionTimeoutMs: 30_000,
      sessionId: sessionId(0n),
      sessionPassword: new Uint8Array(16),
    },
    "01 64 | 00000001 | 0000000100000007 | 00007530 | 0000000000000000 | 00000000000000000000000000000000",
  ],
  [
    { kind: "request", xid: 1, op: "getData", path: "/a", watch: true },
    "01 66 | 00000001 | 04 | 00000002 2f61 | 01",
  ],
  [
    {
      kind: "request",
      xid: -1,
      op: "multi",
      ops: [
        { op: "create", path: "/é", data: new Uint8Array(0), mode: "ephemeralSequential", ttlMs: 0 },
        { op: "check", path: "/", version: -1 },
      ],
    },
    "01 66 | ffffffff | 0e | 00000002 | 01 00000003 2fc3a9 00000000 03 0000000000000000 | 0d 00000001 2f ffffffff",
  ],
  [
    {
      kind: "request",
      xid: 7,
      op: "create",
      path: "/t",
      data: Uint8Array.of(0),
      mode: "persistentSequentialWithTtl",
      ttlMs: 60_000,
    },
    "01 66 | 00000007 | 01 | 00000002 2f74 | 00000001 00 | 06 | 000000000000ea60",
  ],
  [{ kind: "request", xid: 2, op: "closeSession" }, "01 66 | 00000002 | f5"],
  [
    { kind: "request", xid: 3, op: "addWatch", path: "/", mode: "persistentRecursive", fromZxid: ZXID_ZERO },
    "01 66 | 00000003 | 6a | 00000001 2f | 01 | 0000000000000000",
  ],
  [
    { kind: "request", xid: 5, op: "addWatch", path: "/w", mode: "persistent", fromZxid: z25 },
    "01 66 | 00000005 | 6a | 00000002 2f77 | 00 | 0000000200000005",
  ],
  [
    { kind: "request", xid: 4, op: "removeWatches", path: "/", watcherType: "any" },
    "01 66 | 00000004 | 12 | 00000001 2f | 03",
  ],
  [{ kind: "statusRequest" }, "01 69"],
];

const stat: Stat = {
  czxid: zxidFromBigInt(0x0000_0001_0000_0001n),
  mzxid: z17,
  pzxid: zxidFromBigInt(0x0000_0001_0000_0001n),
  ctime: 1_700_000_000_000,
  mtime: 1_700_000_000_001,
  version: 1,
  cversion: 0,
  ephemeralOwner: sessionId(0n),
  dataLength: 2,
  numChildren: 0,
};

const statHex =
  "0000000100000001 0000000100000007 0000000100000001 | 0000018bcfe56800 0000018bcfe56801 | 00000001 00000000 | 0000000000000000 | 00000002 00000000";

const toClientVectors: readonly (readonly [MemberToClientMessage, string])[] = [
  [
    {
      kind: "connectResponse",
      sessionTimeoutMs: 30_000,
      sessionId: session,
      sessionPassword: Uint8Array.from({ length: 16 }, (_, index) => index),
      serverId: serverId(2),
    },
    "01 65 | 00007530 | 1122334455667788 | 000102030405060708090a0b0c0d0e0f | 00000002",
  ],
  [
    { kind: "reply", xid: 1, zxid: z17, op: "getData", data: Uint8Array.of(0x68, 0x69), stat },
    `01 67 | 00000001 | 0000000100000007 | 04 00 | 00000002 6869 | ${statHex}`,
  ],
  [
    { kind: "reply", xid: 3, zxid: z17, op: "error", failedOp: "delete", code: "NotEmpty" },
    "01 67 | 00000003 | 0000000100000007 | 02 04",
  ],
  [
    {
      kind: "reply",
      xid: -1,
      zxid: z17,
      op: "multi",
      results: [{ op: "delete" }, { op: "error", failedOp: "check", code: "BadVersion" }],
    },
    "01 67 | ffffffff | 0000000100000007 | 0e 00 | 00000002 | 02 00 | 0d 03",
  ],
  [
    { kind: "reply", xid: 5, zxid: z31, op: "error", failedOp: "addWatch", code: "WatchOverflow" },
    "01 67 | 00000005 | 0000000300000001 | 6a 14",
  ],
  [
    { kind: "watchEvent", type: "nodeChildrenChanged", path: "/a", zxid: z17 },
    "01 68 | 04 | 00000002 2f61 | 0000000100000007",
  ],
];

const statusVectors: readonly (readonly [StatusResponse, string])[] = [
  [
    {
      kind: "statusResponse",
      serverId: serverId(1),
      role: "leading",
      phase: "broadcast",
      leader: serverId(1),
      epoch: epoch(2),
      lastLoggedZxid: z25,
      committedZxid: z25,
      appliedZxid: zxidFromBigInt(0x0000_0002_0000_0004n),
      sessions: 3,
      connections: 1,
      watches: 2,
      digest: 0x0123_4567_89ab_cdefn,
    },
    "01 6a | 00000001 | 02 | 03 | 00000001 | 00000002 | 0000000200000005 | 0000000200000005 | 0000000200000004 | 0000000000000003 | 0000000000000001 | 0000000000000002 | 0123456789abcdef",
  ],
  [
    {
      kind: "statusResponse",
      serverId: serverId(3),
      role: "looking",
      phase: "election",
      leader: undefined,
      epoch: undefined,
      lastLoggedZxid: z17,
      committedZxid: z17,
      appliedZxid: z17,
      sessions: 0,
      connections: 0,
      watches: 0,
      digest: 0n,
    },
    "01 6a | 00000003 | 00 | 00 | 00000000 | 00000000 | 0000000100000007 | 0000000100000007 | 0000000100000007 | 0000000000000000 | 0000000000000000 | 0000000000000000 | 0000000000000000",
  ],
];

function label(message: { readonly kind: string; readonly op?: string }): string {
  return message.op === undefined ? message.kind : `${message.kind} ${message.op}`;
}

describe("wire format golden vectors", () => {
  it("speaks protocol version 1", () => {
    expect(PROTOCOL_VERSION).toBe(1);
  });

  it.each(peerVectors.map(([message, hex]) => [label(message), message, hex] as const))(
    "peer %s",
    (_, message, hex) => {
      expect(toHex(encodePeerMessage(message))).toBe(toHex(fromHex(hex)));
      expect(decodePeerMessage(fromHex(hex))).toStrictEqual(message);
    },
  );

  it("covers every peer message kind", () => {
    const kinds = new Set(peerVectors.map(([message]) => message.kind));
    expect([...kinds].sort()).toStrictEqual(Object.keys(peerMessageArbitraries({ large: false })).sort());
  });

  it.each(toMemberVectors.map(([message, hex]) => [label(message), message, hex] as const))(
    "client to member %s",
    (_, message, hex) => {
      expect(toHex(encodeClientToMember(message))).toBe(toHex(fromHex(hex)));
      expect(decodeClientToMember(fromHex(hex))).toStrictEqual(message);
    },
  );

  it.each(toClientVectors.map(([message, hex]) => [label(message), message, hex] as const))(
    "member to client %s",
    (_, message, hex) => {
      expect(toHex(encodeMemberToClient(message))).toBe(toHex(fromHex(hex)));
      expect(decodeMemberToClient(fromHex(hex))).toStrictEqual(message);
    },
  );

  it.each(statusVectors.map(([message, hex]) => [message.role, message, hex] as const))(
    "status response of a %s member",
    (_, message, hex) => {
      expect(toHex(encodeStatusResponse(message))).toBe(toHex(fromHex(hex)));
      expect(decodeStatusResponse(fromHex(hex))).toStrictEqual(message);
    },
  );
});
