/**
 * The binary encoding of the client protocol: connect handshake, requests, replies and watch
 * events between a client and the member serving it.
 *
 * Operation codes are ZooKeeper's `ZooDefs.OpCode` numbers (create is 1, getData is 4, multi is
 * 14, …); closeSession's -11 is written as its 8-bit two's complement, 245. Create modes, watch
 * modes, watcher types and event types keep ZooKeeper's numbers too. Replies name the operation
 * they answer, so they decode without a table of pending requests, and error codes travel as a
 * fixed byte per {@link ZabErrorCode} that never changes once assigned. Path strings are checked
 * only for UTF-8 and length here; their syntax is the data tree's business. The status exchange
 * (a status request as the first frame, answered by one status response) shares the client
 * port but not a session's decoder: its answer has a decoder of its own. The byte layout of each
 * message is described in `docs/architecture/wire-format.md`.
 *
 * @module
 */
import { assertNever } from "../assert.js";
import type { ZabErrorCode } from "../errors.js";
import type {
  AddWatchMode,
  CheckOp,
  CheckResult,
  ClientOp,
  ClientToMemberMessage,
  CreateMode,
  MemberToClientMessage,
  MultiItemOp,
  MultiItemOutcome,
  OpError,
  OpName,
  OpResult,
  Stat,
  StatusResponse,
  WatchEventType,
  WatcherType,
} from "../protocol/client-messages.js";
import type { Epoch, ServerId, SessionId } from "../protocol/ids.js";
import type { Phase, Role } from "../protocol/ready.js";
import type { Zxid } from "../protocol/zxid.js";
import { decodeFrame, encodeFrame, type FrameDecodeOptions } from "./frame.js";
import type { FrameReader } from "./frame-reader.js";
import type { FrameSink } from "./frame-writer.js";
import { type IntegerRange, SERVER_ID_RANGE } from "./wire-domains.js";
import { wireEnum } from "./wire-enum.js";

/**
 * The size of a session password, in bytes (ZooKeeper's is 16 too).
 *
 * @since 0.1.0
 */
export const SESSION_PASSWORD_BYTES = 16;

// Frame types of the client protocol sit apart from the peer types (1 to 23), so a frame sent to
// the wrong port is an unknown type rather than a plausible message.
const CLIENT_TO_MEMBER_TYPES = wireEnum<ClientToMemberMessage["kind"]>({
  connectRequest: 100,
  request: 102,
  statusRequest: 105,
});
const MEMBER_TO_CLIENT_TYPES = wireEnum<MemberToClientMessage["kind"]>({
  connectResponse: 101,
  reply: 103,
  watchEvent: 104,
});
// A table of its own: a status response never appears on a session's channel, so a session's
// decoder does not know its type, and this one knows nothing else.
const STATUS_RESPONSE_TYPES = wireEnum<StatusResponse["kind"]>({ statusResponse: 106 });

// The order of ZooKeeper's ServerState, as the peer protocol's election state.
const ROLES = wireEnum<Role>({ looking: 0, following: 1, leading: 2, observing: 3 });
// ZAB's phases in the order a member goes through them.
const PHASES = wireEnum<Phase>({ election: 0, discovery: 1, synchronization: 2, broadcast: 3 });

// A status response's leader and epoch are 0 while unknown: no member has id 0, and an
// established epoch is at least 1 (a leader proposes one above every accepted epoch, all ≥ 0).
const LEADER_RANGE: IntegerRange = { min: 0, max: SERVER_ID_RANGE.max };
const ESTABLISHED_EPOCH_RANGE: IntegerRange = { min: 1, max: 0xffff_ffff };

const OP_CODES = wireEnum<OpName>({
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getChildren: 8,
  sync: 9,
  ping: 11,
  check: 13,
  multi: 14,
  removeWatches: 18,
  addWatch: 106,
  closeSession: 245,
});

/**
 * The status byte of a reply: 0 for success, else the error. These numbers are part of the wire
 * format: append new codes, never renumber. `Record<ZabErrorCode, …>` makes a new error code
 * without a number a compile error.
 */
const STATUS_CODES = wireEnum<"ok" | ZabErrorCode>({
  ok: 0,
  NoNode: 1,
  NodeExists: 2,
  BadVersion: 3,
  NotEmpty: 4,
  NoChildrenForEphemerals: 5,
  SessionExpired: 6,
  SessionMoved: 7,
  ConnectionLoss: 8,
  Unavailable: 9,
  Throttled: 10,
  Invalid: 11,
  Timeout: 12,
  Aborted: 13,
  Closed: 14,
  BadFrame: 15,
  Corrupt: 16,
  Locked: 17,
  StorageFailed: 18,
  RolledBack: 19,
  WatchOverflow: 20,
});

const CREATE_MODES = wireEnum<CreateMode>({
  persistent: 0,
  ephemeral: 1,
  persistentSequential: 2,
  ephemeralSequential: 3,
  container: 4,
  persistentWithTtl: 5,
  persistentSequentialWithTtl: 6,
});

const ADD_WATCH_MODES = wireEnum<AddWatchMode>({ persistent: 0, persistentRecursive: 1 });

const WATCHER_TYPES = wireEnum<WatcherType>({
  children: 1,
  data: 2,
  any: 3,
  persistent: 4,
  persistentRecursive: 5,
});

const WATCH_EVENT_TYPES = wireEnum<WatchEventType>({
  nodeCreated: 1,
  nodeDeleted: 2,
  nodeDataChanged: 3,
  nodeChildrenChanged: 4,
});

// Lower bounds on encoded sizes, for the count checks of arrays: an op code and a path length
// prefix; an op code and a status; a string's length prefix.
const MULTI_ITEM_OP_BYTES_MIN = 5;
const MULTI_ITEM_OUTCOME_BYTES_MIN = 2;
const STRING_BYTES_MIN = 4;

/**
 * Encodes a message from a client to a member as one frame.
 *
 * @param message - A {@link ConnectRequest}, a {@link StatusRequest} or a {@link ClientRequest}.
 * @returns A new buffer holding exactly the frame.
 * @throws {@link ZabError} with code `"Invalid"` when a field is outside its wire domain: an
 *   `xid` or version outside int32, a password that is not 16 bytes, a string with a lone
 *   surrogate, a non-integer number.
 * @example
 * ```ts
 * import { encodeClientToMember } from "@zab/core";
 * const frame = encodeClientToMember({ kind: "request", xid: 1, op: "getData", path: "/a", watch: false });
 * ```
 * @since 0.1.0
 */
export function encodeClientToMember(message: ClientToMemberMessage): Uint8Array {
  return encodeFrame(CLIENT_TO_MEMBER_TYPES, message.kind, (sink) => writeClientToMember(sink, message));
}

/**
 * Decodes one frame from a client.
 *
 * @remarks
 * Strict like {@link decodePeerMessage}: the size is checked against `frameBytesMax` first, then
 * the version, the type, every length, enum code and boolean, and no byte may follow the
 * message. A `check` outside a multi, or a `multi` or read inside one, is rejected. Byte fields
 * are copies of the frame's bytes.
 * @param frame - One whole frame.
 * @param options - The frame size limit.
 * @returns The message.
 * @throws {@link ZabError} with code `"BadFrame"` for any frame that is not exactly one valid
 *   client message; nothing else is thrown.
 * @since 0.1.0
 */
export function decodeClientToMember(frame: Uint8Array, options?: FrameDecodeOptions): ClientToMemberMessage {
  return decodeFrame(frame, "client frame", CLIENT_TO_MEMBER_TYPES, options, readClientToMember);
}

/**
 * Encodes a message from a member to a client as one frame.
 *
 * @param message - A {@link ConnectResponse}, a {@link ClientReply} or a {@link WatchEvent}.
 * @returns A new buffer holding exactly the frame.
 * @throws {@link ZabError} with code `"Invalid"` when a field is outside its wire domain, as for
 *   {@link encodeClientToMember}, or the server id is not from 1 to 2^31 - 1.
 * @since 0.1.0
 */
export function encodeMemberToClient(message: MemberToClientMessage): Uint8Array {
  return encodeFrame(MEMBER_TO_CLIENT_TYPES, message.kind, (sink) => writeMemberToClient(sink, message));
}

/**
 * Decodes one frame from a member.
 *
 * @remarks
 * Strict like {@link decodeClientToMember}. A reply carries its operation's name and decodes on
 * its own; matching it to the pending request with the same `xid`, and checking the two agree,
 * is the client's job.
 * @param frame - One whole frame.
 * @param options - The frame size limit.
 * @returns The message.
 * @throws {@link ZabError} with code `"BadFrame"` for any frame that is not exactly one valid
 *   member-to-client message; nothing else is thrown.
 * @since 0.1.0
 */
export function decodeMemberToClient(frame: Uint8Array, options?: FrameDecodeOptions): MemberToClientMessage {
  return decodeFrame(frame, "client frame", MEMBER_TO_CLIENT_TYPES, options, readMemberToClient);
}

/**
 * Encodes a member's answer to a {@link StatusRequest} as one frame.
 *
 * @param message - The member's status.
 * @returns A new buffer holding exactly the frame.
 * @throws {@link ZabError} with code `"Invalid"` when a field is outside its wire domain: a server
 *   id (or leader) that is not from 1 to 2^31 - 1, an epoch of 0 (unknown is `undefined`), a count
 *   that is not a safe non-negative integer.
 * @since 0.1.0
 */
export function encodeStatusResponse(message: StatusResponse): Uint8Array {
  return encodeFrame(STATUS_RESPONSE_TYPES, message.kind, (sink) => writeStatusResponse(sink, message));
}

/**
 * Decodes the one frame a member sends on a channel opened with a {@link StatusRequest}.
 *
 * @remarks
 * Strict like {@link decodeMemberToClient}, and it accepts a status response only: a member that
 * answered a status request with anything else is broken or is not a member.
 * @param frame - One whole frame.
 * @param options - The frame size limit.
 * @returns The member's status.
 * @throws {@link ZabError} with code `"BadFrame"` for any frame that is not exactly one valid
 *   status response; nothing else is thrown.
 * @since 0.1.0
 */
export function decodeStatusResponse(frame: Uint8Array, options?: FrameDecodeOptions): StatusResponse {
  return decodeFrame(frame, "status frame", STATUS_RESPONSE_TYPES, options, readStatusResponse);
}

function writeClientToMember(sink: FrameSink, message: ClientToMemberMessage): void {
  switch (message.kind) {
    case "connectRequest":
      sink.u32("protocolVersion", message.protocolVersion);
      sink.u64("lastZxidSeen", message.lastZxidSeen);
      sink.u32("sessionTimeoutMs", message.sessionTimeoutMs);
      sink.u64("sessionId", message.sessionId);
      sink.fixedBytes("sessionPassword", message.sessionPassword, SESSION_PASSWORD_BYTES);
      return;
    case "statusRequest":
      return;
    case "request":
      sink.i32("xid", message.xid);
      writeOp(sink, message);
      return;
    default:
      assertNever(message);
  }
}

// Object literals evaluate their properties in source order, so each literal in the read*
// functions below reads its fields in exactly the order the matching write* function wrote them.
function readClientToMember(reader: FrameReader, kind: ClientToMemberMessage["kind"]): ClientToMemberMessage {
  switch (kind) {
    case "connectRequest":
      return {
        kind,
        protocolVersion: reader.u32("protocolVersion"),
        lastZxidSeen: reader.u64("lastZxidSeen") as Zxid,
        sessionTimeoutMs: reader.u32("sessionTimeoutMs"),
        sessionId: reader.u64("sessionId") as SessionId,
        sessionPassword: reader.fixedBytes("sessionPassword", SESSION_PASSWORD_BYTES),
      };
    case "statusRequest":
      return { kind };
    case "request": {
      const xid = reader.i32("xid");
      return { kind, xid, ...readOpFields(reader, readClientOpName(reader)) };
    }
    default:
      return assertNever(kind);
  }
}

function writeMemberToClient(sink: FrameSink, message: MemberToClientMessage): void {
  switch (message.kind) {
    case "connectResponse":
      sink.u32("sessionTimeoutMs", message.sessionTimeoutMs);
      sink.u64("sessionId", message.sessionId);
      sink.fixedBytes("sessionPassword", message.sessionPassword, SESSION_PASSWORD_BYTES);
      sink.u32("serverId", message.serverId, SERVER_ID_RANGE);
      return;
    case "reply":
      sink.i32("xid", message.xid);
      sink.u64("zxid", message.zxid);
      writeOutcome(sink, message);
      return;
    case "watchEvent":
      sink.enum("type", WATCH_EVENT_TYPES, message.type);
      sink.string("path", message.path);
      sink.u64("zxid", message.zxid);
      return;
    default:
      assertNever(message);
  }
}

function readMemberToClient(reader: FrameReader, kind: MemberToClientMessage["kind"]): MemberToClientMessage {
  switch (kind) {
    case "connectResponse":
      return {
        kind,
        sessionTimeoutMs: reader.u32("sessionTimeoutMs"),
        sessionId: reader.u64("sessionId") as SessionId,
        sessionPassword: reader.fixedBytes("sessionPassword", SESSION_PASSWORD_BYTES),
        serverId: reader.u32("serverId", SERVER_ID_RANGE) as ServerId,
      };
    case "reply": {
      const xid = reader.i32("xid");
      const zxid = reader.u64("zxid") as Zxid;
      return { kind, xid, zxid, ...readOutcome(reader, readClientOpName(reader)) };
    }
    case "watchEvent":
      return {
        kind,
        type: reader.enum("type", WATCH_EVENT_TYPES),
        path: reader.string("path"),
        zxid: reader.u64("zxid") as Zxid,
      };
    default:
      return assertNever(kind);
  }
}

function writeStatusResponse(sink: FrameSink, message: StatusResponse): void {
  sink.u32("serverId", message.serverId, SERVER_ID_RANGE);
  sink.enum("role", ROLES, message.role);
  sink.enum("phase", PHASES, message.phase);
  if (message.leader === undefined) sink.u32("leader", 0);
  else sink.u32("leader", message.leader, SERVER_ID_RANGE);
  if (message.epoch === undefined) sink.u32("epoch", 0);
  else sink.u32("epoch", message.epoch, ESTABLISHED_EPOCH_RANGE);
  sink.u64("lastLoggedZxid", message.lastLoggedZxid);
  sink.u64("committedZxid", message.committedZxid);
  sink.u64("appliedZxid", message.appliedZxid);
  sink.safeInteger("sessions", message.sessions);
  sink.safeInteger("connections", message.connections);
  sink.safeInteger("watches", message.watches);
  sink.u64("digest", message.digest);
}

function readStatusResponse(reader: FrameReader, kind: StatusResponse["kind"]): StatusResponse {
  const serverId = reader.u32("serverId", SERVER_ID_RANGE) as ServerId;
  const role = reader.enum("role", ROLES);
  const phase = reader.enum("phase", PHASES);
  const leader = reader.u32("leader", LEADER_RANGE);
  const epoch = reader.u32("epoch");
  return {
    kind,
    serverId,
    role,
    phase,
    leader: leader === 0 ? undefined : (leader as ServerId),
    epoch: epoch === 0 ? undefined : (epoch as Epoch),
    lastLoggedZxid: reader.u64("lastLoggedZxid") as Zxid,
    committedZxid: reader.u64("committedZxid") as Zxid,
    appliedZxid: reader.u64("appliedZxid") as Zxid,
    sessions: reader.safeInteger("sessions"),
    connections: reader.safeInteger("connections"),
    watches: reader.safeInteger("watches"),
    digest: reader.u64("digest"),
  };
}

/** Reads an op code that may stand on its own in a request or reply: anything but `check`. */
function readClientOpName(reader: FrameReader): ClientOp["op"] {
  const name = reader.enum("op", OP_CODES);
  if (name === "check") reader.fail("op", "check is only valid inside multi", { justRead: 1 });
  return name;
}

/** Reads an op code allowed inside a multi; refusing `multi` here also bounds the nesting. */
function readMultiItemOpName(reader: FrameReader): MultiItemOp["op"] {
  const name = reader.enum("op", OP_CODES);
  switch (name) {
    case "create":
    case "delete":
    case "setData":
    case "check":
      return name;
    default:
      return reader.fail("op", `${name} is not allowed inside multi`, { justRead: 1 });
  }
}

function writeOp(sink: FrameSink, op: ClientOp | CheckOp): void {
  sink.enum("op", OP_CODES, op.op);
  writeOpFields(sink, op);
}

/**
 * Writes the fields of an operation, without its op code.
 *
 * @remarks
 * Shared with the data tree's transaction codec, which carries create, delete, setData and multi
 * operations with exactly the fields a request has, behind op codes of its own.
 * @param sink - Where the fields go.
 * @param op - The operation.
 * @throws {@link ZabError} with code `"Invalid"` when a field is outside its wire domain.
 * @since 0.1.0
 * @internal
 */
export function writeOpFields(sink: FrameSink, op: ClientOp | CheckOp): void {
  switch (op.op) {
    case "create":
      sink.string("path", op.path);
      sink.bytes("data", op.data);
      sink.enum("mode", CREATE_MODES, op.mode);
      sink.safeInteger("ttlMs", op.ttlMs);
      return;
    case "delete":
    case "check":
      sink.string("path", op.path);
      sink.i32("version", op.version);
      return;
    case "exists":
    case "getData":
    case "getChildren":
      sink.string("path", op.path);
      sink.bool("watch", op.watch);
      return;
    case "setData":
      sink.string("path", op.path);
      sink.bytes("data", op.data);
      sink.i32("version", op.version);
      return;
    case "sync":
      sink.string("path", op.path);
      return;
    case "multi":
      sink.array("ops", op.ops, writeOp);
      return;
    case "ping":
    case "closeSession":
      return;
    case "addWatch":
      sink.string("path", op.path);
      sink.enum("mode", ADD_WATCH_MODES, op.mode);
      sink.u64("fromZxid", op.fromZxid);
      return;
    case "removeWatches":
      sink.string("path", op.path);
      sink.enum("watcherType", WATCHER_TYPES, op.watcherType);
      return;
    default:
      assertNever(op);
  }
}

/**
 * Reads the fields of an operation whose op code the caller already read, the inverse of
 * {@link writeOpFields}.
 *
 * @remarks
 * The overload carries what the caller already checked about `name` into the result type.
 * @param reader - Positioned at the first field.
 * @param name - The operation the fields belong to.
 * @returns The operation.
 * @throws {@link ZabError} with code `"BadFrame"` when a field does not decode.
 * @since 0.1.0
 * @internal
 */
export function readOpFields<Name extends OpName>(
  reader: FrameReader,
  name: Name,
): Extract<ClientOp | CheckOp, { readonly op: Name }>;
export function readOpFields(reader: FrameReader, name: OpName): ClientOp | CheckOp {
  switch (name) {
    case "create":
      return {
        op: name,
        path: reader.string("path"),
        data: reader.bytes("data"),
        mode: reader.enum("mode", CREATE_MODES),
        ttlMs: reader.safeInteger("ttlMs"),
      };
    case "delete":
    case "check":
      return { op: name, path: reader.string("path"), version: reader.i32("version") };
    case "exists":
    case "getData":
    case "getChildren":
      return { op: name, path: reader.string("path"), watch: reader.bool("watch") };
    case "setData":
      return {
        op: name,
        path: reader.string("path"),
        data: reader.bytes("data"),
        version: reader.i32("version"),
      };
    case "sync":
      return { op: name, path: reader.string("path") };
    case "multi":
      return {
        op: name,
        ops: reader.array("ops", MULTI_ITEM_OP_BYTES_MIN, (item) =>
          readOpFields(item, readMultiItemOpName(item)),
        ),
      };
    case "ping":
    case "closeSession":
      return { op: name };
    case "addWatch":
      return {
        op: name,
        path: reader.string("path"),
        mode: reader.enum("mode", ADD_WATCH_MODES),
        fromZxid: reader.u64("fromZxid") as Zxid,
      };
    case "removeWatches":
      return {
        op: name,
        path: reader.string("path"),
        watcherType: reader.enum("watcherType", WATCHER_TYPES),
      };
    default:
      return assertNever(name);
  }
}

/** Writes the op code, the status byte and, on success, the result. */
function writeOutcome(sink: FrameSink, outcome: OpResult | CheckResult | OpError<OpName>): void {
  if (outcome.op === "error") {
    sink.enum("op", OP_CODES, outcome.failedOp);
    sink.enum("status", STATUS_CODES, outcome.code);
    return;
  }
  sink.enum("op", OP_CODES, outcome.op);
  sink.enum("status", STATUS_CODES, "ok");
  switch (outcome.op) {
    case "create":
      sink.string("path", outcome.path);
      writeStat(sink, outcome.stat);
      return;
    case "exists":
    case "setData":
      writeStat(sink, outcome.stat);
      return;
    case "getData":
      sink.bytes("data", outcome.data);
      writeStat(sink, outcome.stat);
      return;
    case "getChildren":
      sink.array("children", outcome.children, (element, child) => element.string("children[]", child));
      writeStat(sink, outcome.stat);
      return;
    case "sync":
      sink.string("path", outcome.path);
      return;
    case "multi":
      sink.array("results", outcome.results, writeOutcome);
      return;
    case "delete":
    case "check":
    case "ping":
    case "closeSession":
    case "addWatch":
    case "removeWatches":
      return;
    default:
      assertNever(outcome);
  }
}

function readOutcome(reader: FrameReader, name: ClientOp["op"]): OpResult | OpError;
function readOutcome(reader: FrameReader, name: MultiItemOp["op"]): MultiItemOutcome;
function readOutcome(reader: FrameReader, name: OpName): OpResult | CheckResult | OpError<OpName> {
  const status = reader.enum("status", STATUS_CODES);
  if (status !== "ok") return { op: "error", failedOp: name, code: status };
  switch (name) {
    case "create":
      return { op: name, path: reader.string("path"), stat: readStat(reader) };
    case "exists":
    case "setData":
      return { op: name, stat: readStat(reader) };
    case "getData":
      return { op: name, data: reader.bytes("data"), stat: readStat(reader) };
    case "getChildren":
      return {
        op: name,
        children: reader.array("children", STRING_BYTES_MIN, (element) => element.string("children[]")),
        stat: readStat(reader),
      };
    case "sync":
      return { op: name, path: reader.string("path") };
    case "multi":
      return {
        op: name,
        results: reader.array("results", MULTI_ITEM_OUTCOME_BYTES_MIN, (item) =>
          readOutcome(item, readMultiItemOpName(item)),
        ),
      };
    case "delete":
    case "check":
    case "ping":
    case "closeSession":
    case "addWatch":
    case "removeWatches":
      return { op: name };
    default:
      return assertNever(name);
  }
}

function writeStat(sink: FrameSink, stat: Stat): void {
  sink.u64("stat.czxid", stat.czxid);
  sink.u64("stat.mzxid", stat.mzxid);
  sink.u64("stat.pzxid", stat.pzxid);
  sink.safeInteger("stat.ctime", stat.ctime);
  sink.safeInteger("stat.mtime", stat.mtime);
  sink.i32("stat.version", stat.version);
  sink.i32("stat.cversion", stat.cversion);
  sink.u64("stat.ephemeralOwner", stat.ephemeralOwner);
  sink.u32("stat.dataLength", stat.dataLength);
  sink.u32("stat.numChildren", stat.numChildren);
}

function readStat(reader: FrameReader): Stat {
  return {
    czxid: reader.u64("stat.czxid") as Zxid,
    mzxid: reader.u64("stat.mzxid") as Zxid,
    pzxid: reader.u64("stat.pzxid") as Zxid,
    ctime: reader.safeInteger("stat.ctime"),
    mtime: reader.safeInteger("stat.mtime"),
    version: reader.i32("stat.version"),
    cversion: reader.i32("stat.cversion"),
    ephemeralOwner: reader.u64("stat.ephemeralOwner") as SessionId,
    dataLength: reader.u32("stat.dataLength"),
    numChildren: reader.u32("stat.numChildren"),
  };
}
