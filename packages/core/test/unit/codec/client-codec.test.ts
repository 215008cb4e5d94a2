// Goal: every client-protocol message — connect handshake, a request for every operation, a reply
// for every operation's result and for every error code, watch events, the status exchange — survives encode →
// decode unchanged, and the decoders refuse what the protocol forbids even when the frame is
// well formed: a `check` outside a multi, a `multi` or a read inside one, unknown op, status,
// mode and event codes, server id 0, a short session password, invalid UTF-8 in a path, and
// lengths or counts that exceed the frame.
//
// Method: fast-check round-trip properties, one per message kind and one per operation (the
// lists come from records typed over the unions, so none can be skipped); then example frames
// built from a valid encoding with one byte range patched, each expected to fail with
// ZabError "BadFrame" naming the field; then the encoder's refusals (ZabError "Invalid").

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeClientToMember,
  decodeMemberToClient,
  decodeStatusResponse,
  encodeClientToMember,
  encodeMemberToClient,
  encodeStatusResponse,
} from "../../../src/codec/client-codec.js";
import { ZabError } from "../../../src/errors.js";
import type {
  ClientOp,
  ClientReply,
  ClientRequest,
  ClientToMemberMessage,
  MemberToClientMessage,
  OpResult,
  Stat,
  StatusResponse,
} from "../../../src/protocol/client-messages.js";
import { epoch, serverId, sessionId } from "../../../src/protocol/ids.js";
import { type Zxid, zxid } from "../../../src/protocol/zxid.js";
import {
  clientToMemberArbitraries,
  ERROR_CODES,
  expectBadFrame,
  fromHex,
  memberToClientArbitraries,
  opArbitraries,
  resultArbitraries,
  statusResponseArbitrary,
  u32Arbitrary,
  zxidArbitrary,
} from "./arbitraries.js";

const toMember = clientToMemberArbitraries({ large: true });
const toClient = memberToClientArbitraries({ large: true });
const ops = opArbitraries({ large: false });
const results = resultArbitraries({ large: false });

function patched(frame: Uint8Array, offset: number, hex: string): Uint8Array {
  const copy = frame.slice();
  copy.set(fromHex(hex), offset);
  return copy;
}

function roundTripToMember(message: ClientToMemberMessage): void {
  expect(decodeClientToMember(encodeClientToMember(message))).toStrictEqual(message);
}

function roundTripToClient(message: MemberToClientMessage): void {
  expect(decodeMemberToClient(encodeMemberToClient(message))).toStrictEqual(message);
}

const z = zxid(epoch(1), 7);

const stat: Stat = {
  czxid: z,
  mzxid: z,
  pzxid: z,
  ctime: 0,
  mtime: 0,
  version: 0,
  cversion: 0,
  ephemeralOwner: sessionId(0n),
  dataLength: 0,
  numChildren: 1,
};

describe("client codec round trip", () => {
  it.each(Object.keys(toMember) as ClientToMemberMessage["kind"][])("client to member, %s", (kind) => {
    fc.assert(fc.property(toMember[kind], roundTripToMember));
  });

  it.each(Object.keys(toClient) as MemberToClientMessage["kind"][])("member to client, %s", (kind) => {
    fc.assert(fc.property(toClient[kind], roundTripToClient));
  });

  const standalone = (Object.keys(ops) as (keyof typeof ops)[]).filter((op) => op !== "check");

  it.each(standalone)("a %s request", (op) => {
    const request = fc
      .tuple(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), ops[op])
      .map(([xid, clientOp]): ClientRequest => ({ kind: "request", xid, ...(clientOp as ClientOp) }));
    fc.assert(fc.property(request, roundTripToMember));
  });

  it.each(standalone)("a %s reply, successful or failed with any error code", (op) => {
    const outcome = fc.oneof(
      results[op].map((result) => result as OpResult),
      fc
        .constantFrom(...ERROR_CODES)
        .map((code) => ({ op: "error" as const, failedOp: op as ClientOp["op"], code })),
    );
    const reply = fc
      .tuple(fc.integer({ min: -1, max: 100 }), zxidArbitrary, outcome)
      .map(([xid, zxidValue, result]): ClientReply => ({ kind: "reply", xid, zxid: zxidValue, ...result }));
    fc.assert(fc.property(reply, roundTripToClient));
  });

  it("returns data and passwords as copies, not views into the frame", () => {
    const frame = encodeMemberToClient({
      kind: "connectResponse",
      sessionTimeoutMs: 1,
      sessionId: sessionId(1n),
      sessionPassword: new Uint8Array(16).fill(9),
      serverId: serverId(1),
    });
    const decoded = decodeMemberToClient(frame);
    frame.fill(0);
    expect(decoded.kind === "connectResponse" && decoded.sessionPassword).toStrictEqual(
      new Uint8Array(16).fill(9),
    );
  });

  it("carries the session timeout and protocol version as full unsigned 32-bit values", () => {
    fc.assert(
      fc.property(u32Arbitrary, u32Arbitrary, (protocolVersion, sessionTimeoutMs) => {
        roundTripToMember({
          kind: "connectRequest",
          protocolVersion,
          lastZxidSeen: z,
          sessionTimeoutMs,
          sessionId: sessionId(0n),
          sessionPassword: new Uint8Array(16),
        });
      }),
    );
  });
});

describe("client decoders reject what the protocol forbids", () => {
  // getData request: 01 66 | xid@2 | op@6 | path length@7 | "/a"@11 | watch@13
  const getData = encodeClientToMember({ kind: "request", xid: 1, op: "getData", path: "/a", watch: true });
  // multi request: 01 66 | xid@2 | op 0e@6 | count@7 | item op@11 | path length@12 | "/"@16 | version@17
  const multi = encodeClientToMember({
    kind: "request",
    xid: 1,
    op: "multi",
    ops: [{ op: "check", path: "/", version: -1 }],
  });

  it("rejects a check outside a multi", () => {
    expect(expectBadFrame(() => decodeClientToMember(patched(getData, 6, "0d")))).toBe(
      "request: op at byte 6: check is only valid inside multi",
    );
  });

  it("rejects a multi or a read inside a multi, which also bounds nesting", () => {
    expect(expectBadFrame(() => decodeClientToMember(patched(multi, 11, "0e")))).toBe(
      "request: op at byte 11: multi is not allowed inside multi",
    );
    expect(expectBadFrame(() => decodeClientToMember(patched(multi, 11, "04")))).toBe(
      "request: op at byte 11: getData is not allowed inside multi",
    );
  });

  it("rejects unknown op codes, booleans other than 0/1 and modes out of range", () => {
    expect(expectBadFrame(() => decodeClientToMember(patched(getData, 6, "07")))).toContain(
      "op at byte 6: unknown code 7",
    );
    expect(expectBadFrame(() => decodeClientToMember(patched(getData, 13, "02")))).toContain(
      "watch at byte 13",
    );
    const create = encodeClientToMember({
      kind: "request",
      xid: 1,
      op: "create",
      path: "/",
      data: new Uint8Array(0),
      mode: "container",
      ttlMs: 0,
    });
    // create: … op@6 | path@7..11 | data length@12 | mode@16 | ttlMs@17
    expect(expectBadFrame(() => decodeClientToMember(patched(create, 16, "07")))).toContain(
      "mode at byte 16",
    );
    expect(expectBadFrame(() => decodeClientToMember(patched(create, 17, "0020000000000000")))).toContain(
      "ttlMs at byte 17",
    );
    const watch = encodeClientToMember({
      kind: "request",
      xid: 1,
      op: "removeWatches",
      path: "/",
      watcherType: "any",
    });
    for (const code of ["00", "06"]) {
      expect(expectBadFrame(() => decodeClientToMember(patched(watch, 12, code)))).toContain(
        "watcherType at byte 12",
      );
    }
  });

  it("rejects lying path lengths and a multi count of 2^32 - 1 at once", () => {
    for (const length of ["7fffffff", "ffffffff", "00000004"]) {
      expect(expectBadFrame(() => decodeClientToMember(patched(getData, 7, length)))).toMatch(
        /^request: path at byte 7: length \d+ exceeds the 3 bytes remaining$/,
      );
    }
    expect(expectBadFrame(() => decodeClientToMember(patched(multi, 7, "ffffffff")))).toContain(
      "ops at byte 7: count 4294967295 needs at least 21474836475 bytes",
    );
  });

  it("rejects a path that is not valid UTF-8", () => {
    expect(expectBadFrame(() => decodeClientToMember(patched(getData, 11, "c0af")))).toBe(
      "request: path at byte 11: not valid UTF-8",
    );
  });

  it("rejects an addWatch without its fromZxid, the layout before resumable watches", () => {
    // addWatch: … op 6a@6 | path@7..11 | mode@12 | fromZxid@13..20
    const addWatch = encodeClientToMember({
      kind: "request",
      xid: 1,
      op: "addWatch",
      path: "/",
      mode: "persistent",
      fromZxid: z,
    });
    expect(
      expectBadFrame(() => decodeClientToMember(addWatch.subarray(0, addWatch.byteLength - 8))),
    ).toContain("fromZxid at byte 13: needs 8 bytes, 0 remain");
  });

  it("rejects a truncated session password", () => {
    const connect = encodeClientToMember({
      kind: "connectRequest",
      protocolVersion: 1,
      lastZxidSeen: z,
      sessionTimeoutMs: 30_000,
      sessionId: sessionId(0n),
      sessionPassword: new Uint8Array(16),
    });
    expect(expectBadFrame(() => decodeClientToMember(connect.subarray(0, connect.byteLength - 1)))).toContain(
      "sessionPassword at byte 26: needs 16 bytes, 15 remain",
    );
  });

  // Replies: 01 67 | xid@2 | zxid@6 | op@14 | status@15 | body@16
  const reply = encodeMemberToClient({
    kind: "reply",
    xid: 1,
    zxid: z,
    op: "error",
    failedOp: "getData",
    code: "NoNode",
  });

  it("rejects unknown status codes and a check answered outside a multi", () => {
    expect(expectBadFrame(() => decodeMemberToClient(patched(reply, 15, "ff")))).toBe(
      "reply: status at byte 15: unknown code 255",
    );
    expect(expectBadFrame(() => decodeMemberToClient(patched(reply, 14, "0d")))).toBe(
      "reply: op at byte 14: check is only valid inside multi",
    );
  });

  it("rejects a multi result holding an operation a multi cannot hold", () => {
    const multiReply = encodeMemberToClient({
      kind: "reply",
      xid: 1,
      zxid: z,
      op: "multi",
      results: [{ op: "delete" }],
    });
    // … op 0e@14 | status@15 | count@16 | item op@20 | item status@21
    expect(expectBadFrame(() => decodeMemberToClient(patched(multiReply, 20, "09")))).toBe(
      "reply: op at byte 20: sync is not allowed inside multi",
    );
    expect(expectBadFrame(() => decodeMemberToClient(patched(multiReply, 16, "ffffffff")))).toContain(
      "results at byte 16: count 4294967295",
    );
  });

  it("rejects a children count of 2^32 - 1 without reading the children", () => {
    const children = encodeMemberToClient({
      kind: "reply",
      xid: 1,
      zxid: z,
      op: "getChildren",
      children: ["a"],
      stat,
    });
    expect(expectBadFrame(() => decodeMemberToClient(patched(children, 16, "ffffffff")))).toContain(
      "children at byte 16: count 4294967295 needs at least 17179869180 bytes, 69 remain",
    );
  });

  it("rejects server id 0 in a connect response and unknown watch event types", () => {
    const response = encodeMemberToClient({
      kind: "connectResponse",
      sessionTimeoutMs: 1,
      sessionId: sessionId(1n),
      sessionPassword: new Uint8Array(16),
      serverId: serverId(1),
    });
    expect(expectBadFrame(() => decodeMemberToClient(patched(response, 30, "00000000")))).toBe(
      "connectResponse: serverId at byte 30: 0 is outside 1..2147483647",
    );
    const event = encodeMemberToClient({ kind: "watchEvent", type: "nodeCreated", path: "/", zxid: z });
    for (const code of ["00", "05"]) {
      expect(expectBadFrame(() => decodeMemberToClient(patched(event, 2, code)))).toContain("type at byte 2");
    }
  });

  it("rejects each direction's frames on the other direction's decoder", () => {
    expect(expectBadFrame(() => decodeMemberToClient(getData))).toBe(
      "client frame: type at byte 1: unknown code 102",
    );
    expect(expectBadFrame(() => decodeClientToMember(reply))).toBe(
      "client frame: type at byte 1: unknown code 103",
    );
  });
});

describe("client encoders refuse values outside the wire format", () => {
  const invalid: [string, ClientToMemberMessage | MemberToClientMessage][] = [
    [
      "sessionPassword",
      {
        kind: "connectRequest",
        protocolVersion: 1,
        lastZxidSeen: z,
        sessionTimeoutMs: 1,
        sessionId: sessionId(0n),
        sessionPassword: new Uint8Array(15),
      },
    ],
    ["xid", { kind: "request", xid: 2 ** 31, op: "ping" }],
    [
      "mode",
      { kind: "request", xid: 1, op: "addWatch", path: "/", mode: "constructor" as never, fromZxid: z },
    ],
    [
      "fromZxid",
      { kind: "request", xid: 1, op: "addWatch", path: "/", mode: "persistent", fromZxid: -1n as Zxid },
    ],
    ["version", { kind: "request", xid: 1, op: "delete", path: "/a", version: -(2 ** 31) - 1 }],
    ["path", { kind: "request", xid: 1, op: "sync", path: "/a\uD800" }],
    [
      "ttlMs",
      {
        kind: "request",
        xid: 1,
        op: "create",
        path: "/a",
        data: new Uint8Array(0),
        mode: "persistentWithTtl",
        ttlMs: -1,
      },
    ],
    [
      "serverId",
      {
        kind: "connectResponse",
        sessionTimeoutMs: 1,
        sessionId: sessionId(1n),
        sessionPassword: new Uint8Array(16),
        serverId: 0 as never,
      },
    ],
    ["path", { kind: "reply", xid: 1, zxid: z, op: "sync", path: "\uDFFF" }],
    ["children[]", { kind: "reply", xid: 1, zxid: z, op: "getChildren", children: ["a", "\uDFFF"], stat }],
  ];
  it.each(invalid)("%s", (field, message) => {
    try {
      if (message.kind === "connectRequest" || message.kind === "request" || message.kind === "statusRequest")
        encodeClientToMember(message);
      else encodeMemberToClient(message);
      expect.fail("encoded an invalid message");
    } catch (error) {
      expect(ZabError.isInstance(error, "Invalid"), String(error)).toBe(true);
      expect((error as ZabError).message).toContain(`cannot encode ${field}`);
    }
  });
});

describe("the status exchange", () => {
  const status: StatusResponse = {
    kind: "statusResponse",
    serverId: serverId(2),
    role: "following",
    phase: "broadcast",
    leader: serverId(1),
    epoch: epoch(3),
    lastLoggedZxid: z,
    committedZxid: z,
    appliedZxid: z,
    sessions: 4,
    connections: 2,
    watches: 9,
    digest: 0xfeed_beefn,
  };
  // 01 6a | serverId@2 | role@6 | phase@7 | leader@8 | epoch@12 | zxids@16 | counts@40 | digest@64
  const frame = encodeStatusResponse(status);

  it("round-trips every status response, unknown leader and epoch included", () => {
    fc.assert(
      fc.property(statusResponseArbitrary, (message) => {
        expect(decodeStatusResponse(encodeStatusResponse(message))).toStrictEqual(message);
      }),
    );
  });

  it("carries an unknown leader and epoch as 0", () => {
    const looking = {
      ...status,
      role: "looking",
      phase: "election",
      leader: undefined,
      epoch: undefined,
    } as const;
    const encoded = encodeStatusResponse(looking);
    expect(Array.from(encoded.subarray(8, 16))).toStrictEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(decodeStatusResponse(encoded)).toStrictEqual(looking);
  });

  it("keeps status responses off a session's channel, and session frames off a status channel", () => {
    expect(expectBadFrame(() => decodeMemberToClient(frame))).toBe(
      "client frame: type at byte 1: unknown code 106",
    );
    const connectResponse = encodeMemberToClient({
      kind: "connectResponse",
      sessionTimeoutMs: 1,
      sessionId: sessionId(1n),
      sessionPassword: new Uint8Array(16),
      serverId: serverId(1),
    });
    expect(expectBadFrame(() => decodeStatusResponse(connectResponse))).toBe(
      "status frame: type at byte 1: unknown code 101",
    );
    expect(expectBadFrame(() => decodeStatusResponse(encodeClientToMember({ kind: "statusRequest" })))).toBe(
      "status frame: type at byte 1: unknown code 105",
    );
  });

  it("rejects a server id of 0, a leader above 2^31 - 1, and unknown roles and phases", () => {
    expect(expectBadFrame(() => decodeStatusResponse(patched(frame, 2, "00000000")))).toBe(
      "statusResponse: serverId at byte 2: 0 is outside 1..2147483647",
    );
    expect(expectBadFrame(() => decodeStatusResponse(patched(frame, 8, "80000000")))).toBe(
      "statusResponse: leader at byte 8: 2147483648 is outside 0..2147483647",
    );
    expect(expectBadFrame(() => decodeStatusResponse(patched(frame, 6, "04")))).toContain("role at byte 6");
    expect(expectBadFrame(() => decodeStatusResponse(patched(frame, 7, "04")))).toContain("phase at byte 7");
  });

  it("refuses to encode an epoch of 0, which would read back as unknown, and counts that are not safe integers", () => {
    const refusals: [string, StatusResponse][] = [
      ["epoch", { ...status, epoch: epoch(0) }],
      ["leader", { ...status, leader: 0 as never }],
      ["sessions", { ...status, sessions: -1 }],
      ["watches", { ...status, watches: 2 ** 53 }],
    ];
    for (const [field, message] of refusals) {
      try {
        encodeStatusResponse(message);
        expect.fail(`encoded a status response with a bad ${field}`);
      } catch (error) {
        expect(ZabError.isInstance(error, "Invalid"), String(error)).toBe(true);
        expect((error as ZabError).message).toContain(`cannot encode ${field}`);
      }
    }
  });
});
