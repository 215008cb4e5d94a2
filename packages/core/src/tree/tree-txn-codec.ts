/**
 * The binary encoding of a {@link TreeTxn}, the payload of every transaction the data tree
 * applies.
 *
 * ```
 * u8   format version (1)
 * u64  sessionId
 * i32  cxid
 * u64  timeMs (at most 2^53 - 1)
 * u8   op: create 1, delete 2, setData 5, multi 14, attachSession 244, closeSession 245,
 *      createSession 246 (ZooKeeper's OpCode numbers, -11 and -10 as 8-bit two's complement;
 *      attachSession is zab's own)
 * ...  the op's fields: a client operation's fields exactly as the client protocol encodes them
 *      (docs/architecture/wire-format.md), or for closeSession `u64 sessionId`, for
 *      createSession `u64 sessionId, u32 timeoutMs, 16 bytes password`, for attachSession
 *      `u64 sessionId, u32 serverId`
 * ```
 *
 * The format has its own version byte, independent of the wire protocol's: payloads live on in
 * transaction logs after the protocol moves on. Decoding is as strict as the wire codec's, and
 * for the same reason: a payload comes from the leader, but a corrupt log or a bug must still
 * surface as a typed error, never as a crash or a half-read transaction.
 *
 * @module
 */
import { assertNever } from "../assert.js";
import { readOpFields, SESSION_PASSWORD_BYTES, writeOpFields } from "../codec/client-codec.js";
import { FrameReader } from "../codec/frame-reader.js";
import { wireEnum } from "../codec/wire-enum.js";
import type { ServerId, SessionId } from "../protocol/ids.js";
import { encodeFields } from "./encode-fields.js";
import type { TreeTxn, TreeTxnOp } from "./tree-txn.js";

const TREE_TXN_FORMAT_VERSION = 1;

const TREE_TXN_OPS = wireEnum<TreeTxnOp["op"]>({
  create: 1,
  delete: 2,
  setData: 5,
  multi: 14,
  attachSession: 244,
  closeSession: 245,
  createSession: 246,
});

/**
 * Encodes a data tree transaction as a {@link Txn} payload.
 *
 * @param txn - The transaction.
 * @returns A new buffer holding exactly the encoding.
 * @throws {@link ZabError} with code `"Invalid"` when a field is outside its domain: `cxid`
 *   outside int32, `timeMs` negative or above 2^53 - 1, a password that is not 16 bytes, a
 *   string with a lone surrogate. Run {@link validateTreeOp} first for the data tree's own rules.
 * @example
 * ```ts
 * import { encodeTreeTxn, sessionId } from "@zab/core";
 * const payload = encodeTreeTxn({
 *   sessionId: sessionId(7n),
 *   cxid: 12,
 *   timeMs: 1_700_000_000_000,
 *   op: { op: "create", path: "/a", data: new Uint8Array(), mode: "persistent", ttlMs: 0 },
 * });
 * ```
 * @since 0.1.0
 */
export function encodeTreeTxn(txn: TreeTxn): Uint8Array {
  return encodeFields("tree txn", (sink) => {
    sink.u8("version", TREE_TXN_FORMAT_VERSION);
    sink.u64("sessionId", txn.sessionId);
    sink.i32("cxid", txn.cxid);
    sink.safeInteger("timeMs", txn.timeMs);
    const { op } = txn;
    sink.enum("op", TREE_TXN_OPS, op.op);
    switch (op.op) {
      case "createSession":
        sink.u64("sessionId", op.sessionId);
        sink.u32("timeoutMs", op.timeoutMs);
        sink.fixedBytes("password", op.password, SESSION_PASSWORD_BYTES);
        return;
      case "closeSession":
        sink.u64("sessionId", op.sessionId);
        return;
      case "attachSession":
        sink.u64("sessionId", op.sessionId);
        sink.u32("serverId", op.serverId);
        return;
      case "create":
      case "delete":
      case "setData":
      case "multi":
        writeOpFields(sink, op);
        return;
      default:
        assertNever(op);
    }
  });
}

/**
 * Decodes a {@link Txn} payload into a data tree transaction.
 *
 * @remarks
 * Every length and count is checked against the bytes remaining before anything is allocated,
 * strings must be valid UTF-8, enum codes must be known, and no byte may follow the transaction.
 * Byte fields are copies, so the payload may be reused afterwards.
 * @param payload - The bytes {@link encodeTreeTxn} produced.
 * @returns The transaction.
 * @throws {@link ZabError} with code `"BadFrame"` for any payload that is not exactly one valid
 *   transaction of a known format version; nothing else is thrown.
 * @since 0.1.0
 */
export function decodeTreeTxn(payload: Uint8Array): TreeTxn {
  const reader = new FrameReader(payload, "tree txn");
  const version = reader.u8("version");
  if (version !== TREE_TXN_FORMAT_VERSION) {
    reader.fail("version", `format version ${version} is not the supported ${TREE_TXN_FORMAT_VERSION}`, {
      justRead: 1,
    });
  }
  const sessionId = reader.u64("sessionId") as SessionId;
  const cxid = reader.i32("cxid");
  const timeMs = reader.safeInteger("timeMs");
  const name = reader.enum("op", TREE_TXN_OPS);
  reader.describe(`tree txn ${name}`);
  const op = readTreeTxnOp(reader, name);
  reader.end();
  return { sessionId, cxid, timeMs, op };
}

/** Where `timeMs` sits in an encoded tree transaction: after the version, sessionId and cxid. */
const TIME_OFFSET = 1 + 8 + 4;

/**
 * The same transaction with another time, without re-encoding it: the payload is decoded (so it
 * is checked to be a whole, valid tree transaction), then copied with the 8 bytes of its time
 * replaced.
 *
 * @param payload - An encoded tree transaction.
 * @param timeMs - The new time, a safe non-negative integer.
 * @returns The decoded transaction with the new time, and its encoding (a new buffer; `payload`
 *   is unchanged).
 * @throws {@link ZabError} `"BadFrame"` when `payload` is not a valid tree transaction.
 * @since 0.1.0
 * @internal
 */
export function restampTreeTxn(
  payload: Uint8Array,
  timeMs: number,
): { readonly txn: TreeTxn; readonly payload: Uint8Array } {
  const txn = { ...decodeTreeTxn(payload), timeMs };
  const copy = payload.slice();
  new DataView(copy.buffer, copy.byteOffset, copy.byteLength).setBigUint64(TIME_OFFSET, BigInt(timeMs));
  return { txn, payload: copy };
}

/** A member id: 1 to 2^31-1, as {@link serverId} requires. */
function readServerId(reader: FrameReader): ServerId {
  const value = reader.u32("serverId");
  if (value < 1 || value > 0x7fff_ffff)
    reader.fail("serverId", `${value} is not a member id`, { justRead: 4 });
  return value as ServerId;
}

// Object literals evaluate their properties in source order, so each reads its fields in the
// order encodeTreeTxn wrote them.
function readTreeTxnOp(reader: FrameReader, name: TreeTxnOp["op"]): TreeTxnOp {
  switch (name) {
    case "createSession":
      return {
        op: name,
        sessionId: reader.u64("sessionId") as SessionId,
        timeoutMs: reader.u32("timeoutMs"),
        password: reader.fixedBytes("password", SESSION_PASSWORD_BYTES),
      };
    case "closeSession":
      return { op: name, sessionId: reader.u64("sessionId") as SessionId };
    case "attachSession":
      return {
        op: name,
        sessionId: reader.u64("sessionId") as SessionId,
        serverId: readServerId(reader),
      };
    case "create":
    case "delete":
    case "setData":
    case "multi":
      return readOpFields(reader, name);
    default:
      return assertNever(name);
  }
}
