// Shared fast-check arbitraries and helpers for the codec tests.
//
// Every message kind and every operation has its own arbitrary, kept in records typed over the
// kind unions, so adding a kind to messages.ts without an arbitrary here is a compile error and
// the "every kind" tests cannot silently skip one. Numeric fields lean on their boundaries (0,
// 2^32 - 1, 2^64 - 1, int32 min/max) and strings on non-ASCII text, because that is where a
// codec breaks.

import fc from "fast-check";
import { expect } from "vitest";
import { SESSION_PASSWORD_BYTES } from "../../../src/codec/client-codec.js";
import { ZabError, type ZabErrorCode } from "../../../src/errors.js";
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
  OpResult,
  Stat,
  StatusResponse,
  WatchEventType,
  WatcherType,
} from "../../../src/protocol/client-messages.js";
import {
  type ElectionRound,
  type Epoch,
  electionRound,
  epoch,
  type ServerId,
  type SessionId,
  serverId,
  sessionId,
} from "../../../src/protocol/ids.js";
import type { LearnerRole, PeerMessage, PeerState, Txn } from "../../../src/protocol/messages.js";
import type { Phase, Role } from "../../../src/protocol/ready.js";
import { type Zxid, zxidFromBigInt } from "../../../src/protocol/zxid.js";

const UINT64_MAX = (1n << 64n) - 1n;

// Vitest compares typed arrays element by element through its generic deep equality, which
// takes seconds for a 1 MiB payload; comparing them as bytes keeps the large-payload round trips
// fast. Arrays of different classes are left to vitest. Registered here because every codec
// test imports this module.
expect.addEqualityTesters([
  (a: unknown, b: unknown) =>
    a instanceof Uint8Array && b instanceof Uint8Array && a.constructor === b.constructor
      ? Buffer.compare(a, b) === 0
      : undefined,
]);

/** Options shared by the message arbitraries. */
export interface ArbitraryOptions {
  /**
   * Whether byte fields sometimes hold a large payload (up to 1 MiB + 64). Off for tests that
   * do work per byte of the frame, such as trying every prefix.
   */
  readonly large: boolean;
}

/**
 * `fc.record` that always builds plain objects: by default fast-check sometimes uses a null
 * prototype, which `toStrictEqual` tells apart from the decoder's object literals.
 */
function record<T>(model: { [Key in keyof T]: fc.Arbitrary<T[Key]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true });
}

/** Picks boundary values often and anything in range otherwise. */
function withBoundaries<T>(boundaries: readonly T[], any: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof(fc.constantFrom(...boundaries), any);
}

export const u64Arbitrary: fc.Arbitrary<bigint> = withBoundaries(
  [0n, 1n, 0xffff_ffffn, 1n << 32n, (1n << 53n) + 1n, (1n << 63n) - 1n, 1n << 63n, UINT64_MAX],
  fc.bigInt({ min: 0n, max: UINT64_MAX }),
);

export const zxidArbitrary: fc.Arbitrary<Zxid> = u64Arbitrary.map(zxidFromBigInt);
export const sessionIdArbitrary: fc.Arbitrary<SessionId> = u64Arbitrary.map(sessionId);
const roundArbitrary: fc.Arbitrary<ElectionRound> = u64Arbitrary.map(electionRound);

export const u32Arbitrary: fc.Arbitrary<number> = withBoundaries(
  [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff],
  fc.integer({ min: 0, max: 0xffff_ffff }),
);

const epochArbitrary: fc.Arbitrary<Epoch> = u32Arbitrary.map(epoch);

export const serverIdArbitrary: fc.Arbitrary<ServerId> = withBoundaries(
  [1, 2, 0x7fff_ffff],
  fc.integer({ min: 1, max: 0x7fff_ffff }),
).map(serverId);

const int32Arbitrary: fc.Arbitrary<number> = withBoundaries(
  [-1, 0, 1, -0x8000_0000, 0x7fff_ffff],
  fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
);

const safeIntegerArbitrary: fc.Arbitrary<number> = withBoundaries(
  [0, 1, 0xffff_ffff, 2 ** 32, Number.MAX_SAFE_INTEGER],
  fc.maxSafeNat(),
);

/** Byte fields: mostly small, sometimes empty, and (when asked) sometimes up to 1 MiB + 64. */
export function bytesArbitrary(options: ArbitraryOptions): fc.Arbitrary<Uint8Array> {
  const small = fc.uint8Array({ maxLength: 64 });
  if (!options.large) return fc.oneof(fc.constant(new Uint8Array(0)), small);
  const large = fc
    .record({
      length: fc.integer({ min: 64 * 1024, max: 1024 * 1024 + 64 }),
      seed: fc.integer({ min: 0, max: 255 }),
    })
    .map(({ length, seed }) => Uint8Array.from({ length }, (_, index) => (index * 31 + seed) & 0xff));
  return fc.oneof(
    { arbitrary: small, weight: 8 },
    { arbitrary: fc.constant(new Uint8Array(0)), weight: 1 },
    { arbitrary: large, weight: 1 },
  );
}

/**
 * Paths and names: not checked for syntax by the codec, so any well-formed string, with a bias
 * to non-ASCII text, astral characters, NUL and a leading U+FEFF (which a lax UTF-8 decoder
 * would strip as a byte-order mark).
 */
export const textArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("", "/", "/zookeeper/quota", "/café/日本語/🦄", "\u0000", "\uFEFF/bom", "/a\u{10FFFF}"),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
);

function pick<T>(values: readonly T[]): fc.Arbitrary<T> {
  return fc.constantFrom(...values);
}

/** Lists the keys of a record that must name every member of a union. */
function every<Name extends string>(names: Record<Name, true>): readonly Name[] {
  return Object.keys(names) as Name[];
}

export const ERROR_CODES = every<ZabErrorCode>({
  NoNode: true,
  NodeExists: true,
  BadVersion: true,
  NotEmpty: true,
  NoChildrenForEphemerals: true,
  SessionExpired: true,
  SessionMoved: true,
  ConnectionLoss: true,
  Unavailable: true,
  Throttled: true,
  Invalid: true,
  Timeout: true,
  Aborted: true,
  Closed: true,
  BadFrame: true,
  Corrupt: true,
  Locked: true,
  StorageFailed: true,
  RolledBack: true,
  WatchOverflow: true,
});

const PEER_STATES = every<PeerState>({ looking: true, following: true, leading: true, observing: true });
const ROLES = every<Role>({ looking: true, following: true, leading: true, observing: true });
const PHASES = every<Phase>({ election: true, discovery: true, synchronization: true, broadcast: true });
const LEARNER_ROLES = every<LearnerRole>({ follower: true, observer: true });
const CREATE_MODES = every<CreateMode>({
  persistent: true,
  ephemeral: true,
  persistentSequential: true,
  ephemeralSequential: true,
  container: true,
  persistentWithTtl: true,
  persistentSequentialWithTtl: true,
});
const ADD_WATCH_MODES = every<AddWatchMode>({ persistent: true, persistentRecursive: true });
const WATCHER_TYPES = every<WatcherType>({
  children: true,
  data: true,
  any: true,
  persistent: true,
  persistentRecursive: true,
});
const WATCH_EVENT_TYPES = every<WatchEventType>({
  nodeCreated: true,
  nodeDeleted: true,
  nodeDataChanged: true,
  nodeChildrenChanged: true,
});

type ArbitraryPerKind<Union extends { readonly kind: string }> = {
  readonly [Kind in Union["kind"]]: fc.Arbitrary<Extract<Union, { readonly kind: Kind }>>;
};

type ArbitraryPerOp<Union extends { readonly op: string }> = {
  readonly [Op in Union["op"]]: fc.Arbitrary<Extract<Union, { readonly op: Op }>>;
};

/** One arbitrary per peer message kind. */
export function peerMessageArbitraries(options: ArbitraryOptions): ArbitraryPerKind<PeerMessage> {
  const txn: fc.Arbitrary<Txn> = record({ zxid: zxidArbitrary, payload: bytesArbitrary(options) });
  return {
    notification: record({
      kind: fc.constant("notification"),
      leader: serverIdArbitrary,
      zxid: zxidArbitrary,
      peerEpoch: epochArbitrary,
      round: roundArbitrary,
      state: pick(PEER_STATES),
    }),
    followerInfo: record({
      kind: fc.constant("followerInfo"),
      role: pick(LEARNER_ROLES),
      acceptedEpoch: epochArbitrary,
      lastZxid: zxidArbitrary,
    }),
    leaderInfo: record({ kind: fc.constant("leaderInfo"), newEpoch: epochArbitrary }),
    ackEpoch: record({
      kind: fc.constant("ackEpoch"),
      currentEpoch: epochArbitrary,
      lastZxid: zxidArbitrary,
    }),
    diff: record({ kind: fc.constant("diff"), lastZxid: zxidArbitrary }),
    trunc: record({ kind: fc.constant("trunc"), truncZxid: zxidArbitrary }),
    snap: record({ kind: fc.constant("snap"), zxid: zxidArbitrary, snapshotBytes: safeIntegerArbitrary }),
    snapChunk: record({ kind: fc.constant("snapChunk"), data: bytesArbitrary(options), last: fc.boolean() }),
    newLeader: record({ kind: fc.constant("newLeader"), epoch: epochArbitrary }),
    ackNewLeader: record({ kind: fc.constant("ackNewLeader"), epoch: epochArbitrary }),
    upToDate: record({ kind: fc.constant("upToDate") }),
    proposal: record({ kind: fc.constant("proposal"), txn }),
    ack: record({ kind: fc.constant("ack"), zxid: zxidArbitrary }),
    commit: record({ kind: fc.constant("commit"), zxid: zxidArbitrary }),
    inform: record({ kind: fc.constant("inform"), txn }),
    ping: fc.oneof(
      record({
        kind: fc.constant("ping"),
        lastZxid: zxidArbitrary,
        touchedSessions: fc.array(sessionIdArbitrary, { maxLength: 20 }),
      }),
      record({
        kind: fc.constant("ping"),
        lastZxid: zxidArbitrary,
        touchedSessions: fc.array(sessionIdArbitrary, { maxLength: 20 }),
        digest: record({ zxid: zxidArbitrary, digest: u64Arbitrary }),
      }),
    ),
    request: record({
      kind: fc.constant("request"),
      requestId: u64Arbitrary,
      payload: bytesArbitrary(options),
    }),
    revalidate: record({
      kind: fc.constant("revalidate"),
      sessionId: sessionIdArbitrary,
      timeoutMs: u32Arbitrary,
    }),
    revalidateReply: record({
      kind: fc.constant("revalidateReply"),
      sessionId: sessionIdArbitrary,
      valid: fc.boolean(),
    }),
  };
}

/** Any peer message, every kind equally likely. */
export function peerMessageArbitrary(options: ArbitraryOptions): fc.Arbitrary<PeerMessage> {
  return fc.oneof(...Object.values<fc.Arbitrary<PeerMessage>>(peerMessageArbitraries(options)));
}

const statArbitrary: fc.Arbitrary<Stat> = record({
  czxid: zxidArbitrary,
  mzxid: zxidArbitrary,
  pzxid: zxidArbitrary,
  ctime: safeIntegerArbitrary,
  mtime: safeIntegerArbitrary,
  version: int32Arbitrary,
  cversion: int32Arbitrary,
  ephemeralOwner: sessionIdArbitrary,
  dataLength: u32Arbitrary,
  numChildren: u32Arbitrary,
});

/** One arbitrary per operation, `check` included. */
export function opArbitraries(options: ArbitraryOptions): ArbitraryPerOp<ClientOp | CheckOp> {
  const create = record({
    op: fc.constant("create"),
    path: textArbitrary,
    data: bytesArbitrary(options),
    mode: pick(CREATE_MODES),
    ttlMs: safeIntegerArbitrary,
  });
  const remove = record({ op: fc.constant("delete"), path: textArbitrary, version: int32Arbitrary });
  const setData = record({
    op: fc.constant("setData"),
    path: textArbitrary,
    data: bytesArbitrary(options),
    version: int32Arbitrary,
  });
  const check = record({ op: fc.constant("check"), path: textArbitrary, version: int32Arbitrary });
  const multiItem: fc.Arbitrary<MultiItemOp> = fc.oneof(create, remove, setData, check);
  return {
    create,
    delete: remove,
    exists: record({ op: fc.constant("exists"), path: textArbitrary, watch: fc.boolean() }),
    getData: record({ op: fc.constant("getData"), path: textArbitrary, watch: fc.boolean() }),
    setData,
    getChildren: record({ op: fc.constant("getChildren"), path: textArbitrary, watch: fc.boolean() }),
    sync: record({ op: fc.constant("sync"), path: textArbitrary }),
    check,
    multi: record({ op: fc.constant("multi"), ops: fc.array(multiItem, { maxLength: 6 }) }),
    ping: record({ op: fc.constant("ping") }),
    closeSession: record({ op: fc.constant("closeSession") }),
    addWatch: record({
      op: fc.constant("addWatch"),
      path: textArbitrary,
      mode: pick(ADD_WATCH_MODES),
      fromZxid: zxidArbitrary,
    }),
    removeWatches: record({
      op: fc.constant("removeWatches"),
      path: textArbitrary,
      watcherType: pick(WATCHER_TYPES),
    }),
  };
}

/** One arbitrary per operation's successful result, `check` included. */
export function resultArbitraries(options: ArbitraryOptions): ArbitraryPerOp<OpResult | CheckResult> {
  const create = record({ op: fc.constant("create"), path: textArbitrary, stat: statArbitrary });
  const remove = record({ op: fc.constant("delete") });
  const setData = record({ op: fc.constant("setData"), stat: statArbitrary });
  const check = record({ op: fc.constant("check") });
  const itemError: fc.Arbitrary<OpError<MultiItemOp["op"]>> = record({
    op: fc.constant("error"),
    failedOp: fc.constantFrom("create", "delete", "setData", "check"),
    code: pick(ERROR_CODES),
  });
  const item: fc.Arbitrary<MultiItemOutcome> = fc.oneof(create, remove, setData, check, itemError);
  return {
    create,
    delete: remove,
    exists: record({ op: fc.constant("exists"), stat: statArbitrary }),
    getData: record({ op: fc.constant("getData"), data: bytesArbitrary(options), stat: statArbitrary }),
    setData,
    getChildren: record({
      op: fc.constant("getChildren"),
      children: fc.array(textArbitrary, { maxLength: 20 }),
      stat: statArbitrary,
    }),
    sync: record({ op: fc.constant("sync"), path: textArbitrary }),
    check,
    multi: record({ op: fc.constant("multi"), results: fc.array(item, { maxLength: 6 }) }),
    ping: record({ op: fc.constant("ping") }),
    closeSession: record({ op: fc.constant("closeSession") }),
    addWatch: record({ op: fc.constant("addWatch") }),
    removeWatches: record({ op: fc.constant("removeWatches") }),
  };
}

const passwordArbitrary: fc.Arbitrary<Uint8Array> = fc.uint8Array({
  minLength: SESSION_PASSWORD_BYTES,
  maxLength: SESSION_PASSWORD_BYTES,
});

/** One arbitrary per client-to-member message kind. */
export function clientToMemberArbitraries(
  options: ArbitraryOptions,
): ArbitraryPerKind<ClientToMemberMessage> {
  const { check: _check, ...standalone } = opArbitraries(options);
  const op: fc.Arbitrary<ClientOp> = fc.oneof(...Object.values<fc.Arbitrary<ClientOp>>(standalone));
  return {
    connectRequest: record({
      kind: fc.constant("connectRequest"),
      protocolVersion: u32Arbitrary,
      lastZxidSeen: zxidArbitrary,
      sessionTimeoutMs: u32Arbitrary,
      sessionId: sessionIdArbitrary,
      sessionPassword: passwordArbitrary,
    }),
    statusRequest: record({ kind: fc.constant("statusRequest") }),
    request: fc
      .record({ xid: int32Arbitrary, op })
      .map(({ xid, op: clientOp }) => ({ kind: "request" as const, xid, ...clientOp })),
  };
}

/** A member's answer to a status request; leader and epoch are sometimes unknown. */
export const statusResponseArbitrary: fc.Arbitrary<StatusResponse> = record({
  kind: fc.constant("statusResponse"),
  serverId: serverIdArbitrary,
  role: pick(ROLES),
  phase: pick(PHASES),
  leader: fc.option(serverIdArbitrary, { nil: undefined }),
  epoch: fc.option(
    epochArbitrary.filter((value) => value !== 0),
    { nil: undefined },
  ),
  lastLoggedZxid: zxidArbitrary,
  committedZxid: zxidArbitrary,
  appliedZxid: zxidArbitrary,
  sessions: safeIntegerArbitrary,
  connections: safeIntegerArbitrary,
  watches: safeIntegerArbitrary,
  digest: u64Arbitrary,
});

/** One arbitrary per member-to-client message kind. */
export function memberToClientArbitraries(
  options: ArbitraryOptions,
): ArbitraryPerKind<MemberToClientMessage> {
  const { check: _check, ...standalone } = resultArbitraries(options);
  const error: fc.Arbitrary<OpError> = record({
    op: fc.constant("error"),
    failedOp: pick(Object.keys(standalone) as ClientOp["op"][]),
    code: pick(ERROR_CODES),
  });
  const outcome: fc.Arbitrary<OpResult | OpError> = fc.oneof(
    ...Object.values<fc.Arbitrary<OpResult>>(standalone),
    error,
  );
  return {
    connectResponse: record({
      kind: fc.constant("connectResponse"),
      sessionTimeoutMs: u32Arbitrary,
      sessionId: sessionIdArbitrary,
      sessionPassword: passwordArbitrary,
      serverId: serverIdArbitrary,
    }),
    reply: fc
      .record({ xid: int32Arbitrary, zxid: zxidArbitrary, outcome })
      .map(({ xid, zxid, outcome: result }) => ({ kind: "reply" as const, xid, zxid, ...result })),
    watchEvent: record({
      kind: fc.constant("watchEvent"),
      type: pick(WATCH_EVENT_TYPES),
      path: textArbitrary,
      zxid: zxidArbitrary,
    }),
  };
}

/** Runs `decode` and expects a `ZabError("BadFrame")`; returns its message for finer checks. */
export function expectBadFrame(decode: () => unknown): string {
  try {
    decode();
  } catch (error) {
    expect(ZabError.isInstance(error, "BadFrame"), `expected BadFrame, got ${String(error)}`).toBe(true);
    return (error as ZabError).message;
  }
  return expect.fail("expected the frame to be rejected with BadFrame, but it decoded");
}

/** Hex, two digits per byte, no separators. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Bytes from hex; spaces and `|` are ignored so vectors can show field boundaries. */
export function fromHex(text: string): Uint8Array {
  const digits = text.replace(/[\s|]/g, "");
  expect(digits.length % 2).toBe(0);
  return Uint8Array.from({ length: digits.length / 2 }, (_, index) =>
    Number.parseInt(digits.slice(index * 2, index * 2 + 2), 16),
  );
}

/** A frame with `suffix` appended. */
export function concat(frame: Uint8Array, suffix: Uint8Array): Uint8Array {
  const joined = new Uint8Array(frame.byteLength + suffix.byteLength);
  joined.set(frame);
  joined.set(suffix, frame.byteLength);
  return joined;
}
