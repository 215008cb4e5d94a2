/**
 * The binary format of a data tree snapshot: every session and every node with its data and stat.
 *
 * ```
 * u32  magic "ZABT"
 * u8   format version (1)
 * u64  zxid: the last transaction the snapshot includes
 * u64  digest of the tree at that zxid
 * u32  session count, then per session in ascending id order:
 *        u64 sessionId, u32 timeoutMs, 16 bytes password
 * u32  node count, then per node in depth-first pre-order, children in name order:
 *        string path, bytes data, u64 czxid, u64 mzxid, u64 pzxid, u64 ctime, u64 mtime,
 *        i32 version, u64 cversion, u64 ephemeralOwner
 * ```
 *
 * The order is fully determined by the tree, so two members holding the same tree write the same
 * bytes. A parent always precedes its children, so reading rebuilds the children lists as it goes.
 * Reading checks the structure (a root first, every parent present and not ephemeral, every
 * ephemeral owner an open session, no zxid after the snapshot's) and finally the digest,
 * recomputed from every node and session read; any failure is `Corrupt`. The snapshot store
 * adds its own checksum around these bytes; the digest check here also catches a snapshot that
 * was well stored but wrongly written.
 *
 * @internal
 * @module
 */
import { assert } from "../assert.js";
import { SESSION_PASSWORD_BYTES } from "../codec/client-codec.js";
import { FrameReader } from "../codec/frame-reader.js";
import { ZabError } from "../errors.js";
import type { SessionId } from "../protocol/ids.js";
import { formatZxid, type Zxid } from "../protocol/zxid.js";
import { encodeFields } from "./encode-fields.js";
import { childPath, parentOf, pathProblem, quotePath } from "./path.js";
import { bySessionId, SessionRecord } from "./tree-session.js";
import { TreeState } from "./tree-state.js";
import { ZNode } from "./znode.js";

const TREE_SNAPSHOT_MAGIC = 0x5a414254; // "ZABT"
const TREE_SNAPSHOT_FORMAT_VERSION = 1;

// Lower bounds on encoded sizes, for the count checks: a session is 8 + 4 + 16 bytes; a node at
// least a one-character path with its length, a data length, and 60 bytes of stat.
const SESSION_BYTES = 28;
const NODE_BYTES_MIN = 69;

/**
 * Writes a snapshot of a tree.
 *
 * @param state - The tree.
 * @param zxid - The last transaction applied to it.
 * @returns The snapshot bytes.
 * @since 0.1.0
 * @internal
 */
export function encodeTreeSnapshot(state: TreeState, zxid: Zxid): Uint8Array {
  const sessions = [...state.sessions.values()].sort(bySessionId);
  const nodes = preorder(state);
  const digest = state.digest;
  return encodeFields("tree snapshot", (sink) => {
    sink.u32("magic", TREE_SNAPSHOT_MAGIC);
    sink.u8("version", TREE_SNAPSHOT_FORMAT_VERSION);
    sink.u64("zxid", zxid);
    sink.u64("digest", digest);
    sink.array("sessions", sessions, (element, session) => {
      element.u64("sessionId", session.sessionId);
      element.u32("timeoutMs", session.timeoutMs);
      element.fixedBytes("password", session.password, SESSION_PASSWORD_BYTES);
    });
    sink.array("nodes", nodes, (element, [path, node]) => {
      element.string("path", path);
      element.bytes("data", node.data);
      element.u64("czxid", node.czxid);
      element.u64("mzxid", node.mzxid);
      element.u64("pzxid", node.pzxid);
      element.safeInteger("ctime", node.ctime);
      element.safeInteger("mtime", node.mtime);
      element.i32("version", node.version);
      element.safeInteger("cversion", node.cversion);
      element.u64("ephemeralOwner", node.ephemeralOwner);
    });
  });
}

/**
 * Reads a snapshot into a new tree.
 *
 * @param bytes - What {@link encodeTreeSnapshot} wrote. Read, not kept: data is copied.
 * @param zxid - The zxid the snapshot is restored as; it must be the one it holds.
 * @returns The tree.
 * @throws {@link ZabError} with code `"Corrupt"` when the bytes do not decode, the structure is
 *   inconsistent, the zxid differs or the recomputed digest does not match the stored one.
 * @since 0.1.0
 * @internal
 */
export function decodeTreeSnapshot(bytes: Uint8Array, zxid: Zxid): TreeState {
  try {
    return readTreeSnapshot(new FrameReader(bytes, "tree snapshot"), zxid);
  } catch (error) {
    if (ZabError.isInstance(error, "BadFrame")) {
      throw new ZabError("Corrupt", error.message, { cause: error });
    }
    throw error;
  }
}

function readTreeSnapshot(reader: FrameReader, zxid: Zxid): TreeState {
  if (reader.u32("magic") !== TREE_SNAPSHOT_MAGIC) corrupt("not a tree snapshot (bad magic)");
  const version = reader.u8("version");
  if (version !== TREE_SNAPSHOT_FORMAT_VERSION) {
    corrupt(`format version ${version} is not the supported ${TREE_SNAPSHOT_FORMAT_VERSION}`);
  }
  const snapshotZxid = reader.u64("zxid") as Zxid;
  if (snapshotZxid !== zxid) {
    corrupt(`holds ${formatZxid(snapshotZxid)} but is restored as ${formatZxid(zxid)}`);
  }
  const storedDigest = reader.u64("digest");

  const state = new TreeState();
  let previousSessionId = -1n;
  reader.array("sessions", SESSION_BYTES, (element) => {
    const sessionId = element.u64("sessionId") as SessionId;
    if (sessionId === 0n || sessionId <= previousSessionId) {
      corrupt(`session ${sessionId} is zero, repeated or out of order`);
    }
    previousSessionId = sessionId;
    state.addSession(
      new SessionRecord({
        sessionId,
        timeoutMs: element.u32("timeoutMs"),
        password: element.fixedBytes("password", SESSION_PASSWORD_BYTES),
      }),
    );
  });

  reader.array("nodes", NODE_BYTES_MIN, (element) => {
    const path = element.string("path");
    const node = new ZNode({
      data: element.bytes("data"),
      czxid: element.u64("czxid") as Zxid,
      mzxid: element.u64("mzxid") as Zxid,
      pzxid: element.u64("pzxid") as Zxid,
      ctime: element.safeInteger("ctime"),
      mtime: element.safeInteger("mtime"),
      version: element.i32("version"),
      cversion: element.safeInteger("cversion"),
      ephemeralOwner: element.u64("ephemeralOwner") as SessionId,
    });
    checkNode(state, path, node, zxid);
    state.insertNode(path, node);
  });
  reader.end();

  if (!state.nodes.has("/")) corrupt("has no root node");
  // insertNode hashed every node afresh, so this digest is a from-scratch recomputation.
  if (state.digest !== storedDigest) {
    corrupt(`digest ${hex(state.digest)} of the restored tree differs from the stored ${hex(storedDigest)}`);
  }
  return state;
}

/** Checks what {@link TreeState.insertNode} asserts, as data errors rather than bugs. */
function checkNode(state: TreeState, path: string, node: ZNode, zxid: Zxid): void {
  const quoted = quotePath(path);
  if (state.nodes.size === 0) {
    if (path !== "/") corrupt(`starts with node ${quoted} instead of the root`);
  } else {
    const problem = pathProblem(path, false);
    if (problem !== undefined) corrupt(`node path ${quoted} ${problem}`);
    if (state.nodes.has(path)) corrupt(`node ${quoted} appears twice`);
    const parent = state.nodes.get(parentOf(path));
    if (parent === undefined) corrupt(`node ${quoted} comes before its parent`);
    if (parent.ephemeralOwner !== 0n) corrupt(`node ${quoted} is the child of an ephemeral node`);
  }
  if (node.ephemeralOwner !== 0n && (path === "/" || !state.sessions.has(node.ephemeralOwner))) {
    corrupt(`node ${quoted} is owned by session ${node.ephemeralOwner}, which is not open`);
  }
  if (node.czxid > zxid || node.mzxid > zxid || node.pzxid > zxid) {
    corrupt(`node ${quoted} was changed after the snapshot's ${formatZxid(zxid)}`);
  }
}

/** Every node, parents before children and siblings in name order: the snapshot's order. */
function preorder(state: TreeState): (readonly [string, ZNode])[] {
  const nodes: (readonly [string, ZNode])[] = [];
  const pending = ["/"];
  // Terminates: every path is pushed once, by its parent, and the tree has no cycles.
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    const node = state.nodes.get(path);
    assert(node !== undefined, `child ${path} listed but absent`);
    nodes.push([path, node]);
    for (let index = node.children.length - 1; index >= 0; index--) {
      pending.push(childPath(path, node.children[index] as string));
    }
  }
  assert(nodes.length === state.nodes.size, "a node is not reachable from the root");
  return nodes;
}

function corrupt(reason: string): never {
  throw new ZabError("Corrupt", `tree snapshot: ${reason}`);
}

function hex(value: bigint): string {
  return `0x${value.toString(16).padStart(16, "0")}`;
}
