/**
 * The data tree's state and the only code that mutates it: the node and session tables, and the
 * digest kept in step with every change.
 *
 * The digest is the sum, lane by lane modulo 2^32, of the hash of every node (path, data and
 * stat) and of every session, maintained incrementally as ZooKeeper's `DigestCalculator` does:
 * a change subtracts the old hash of each node it touches and adds the new one. That makes it
 * O(1) per change (a node's data hash is cached, so a parent's stat change does not rehash its
 * data) and independent of the order nodes were inserted, so a tree restored from a snapshot has
 * the digest of the tree the snapshot was taken from.
 *
 * Each mutation can record its inverse in an {@link UndoLog}, which is how a multi is rolled
 * back when one of its operations fails.
 *
 * @internal
 * @module
 */
import { assert } from "../assert.js";
import type { SessionId } from "../protocol/ids.js";
import type { Zxid } from "../protocol/zxid.js";
import { nodeName, parentOf } from "./path.js";
import type { SessionRecord } from "./tree-session.js";
import { ZNode } from "./znode.js";

/**
 * Inverse operations, run last-first to undo a sequence of mutations.
 *
 * @since 0.1.0
 * @internal
 */
export type UndoLog = (() => void)[];

/**
 * Where a node goes or is, with the parent it hangs from.
 *
 * @since 0.1.0
 * @internal
 */
export interface NodePlace {
  readonly path: string;
  readonly parentPath: string;
  readonly parent: ZNode;
  /** The node's name among its parent's children. */
  readonly name: string;
}

const NO_SESSION = 0n as SessionId;

/**
 * The mutable state of a data tree.
 *
 * @since 0.1.0
 * @internal
 */
export class TreeState {
  /** Every node by path; the root "/" always exists. */
  readonly nodes = new Map<string, ZNode>();
  /** Every open session by id. */
  readonly sessions = new Map<SessionId, SessionRecord>();
  #digestHigh = 0;
  #digestLow = 0;

  /**
   * A tree holding only the root, with an all-zero stat and no data.
   *
   * @returns The new state.
   */
  static withRoot(): TreeState {
    const state = new TreeState();
    state.insertNode(
      "/",
      new ZNode({
        data: new Uint8Array(0),
        czxid: 0n as Zxid,
        mzxid: 0n as Zxid,
        pzxid: 0n as Zxid,
        ctime: 0,
        mtime: 0,
        version: 0,
        cversion: 0,
        ephemeralOwner: NO_SESSION,
      }),
    );
    return state;
  }

  /** The digest: lane `high` in the top 32 bits, lane `low` in the bottom 32. */
  get digest(): bigint {
    return (BigInt(this.#digestHigh) << 32n) | BigInt(this.#digestLow);
  }

  /**
   * The digest computed from scratch, every hash recomputed from the bytes and fields.
   *
   * @returns What {@link TreeState.digest} must equal.
   */
  recomputeDigest(): bigint {
    let high = 0;
    let low = 0;
    for (const [path, node] of this.nodes) {
      const hash = node.recomputeHash(path);
      high = (high + hash.high) >>> 0;
      low = (low + hash.low) >>> 0;
    }
    for (const session of this.sessions.values()) {
      const hash = session.recomputeHash();
      high = (high + hash.high) >>> 0;
      low = (low + hash.low) >>> 0;
    }
    return (BigInt(high) << 32n) | BigInt(low);
  }

  /**
   * Inserts a node exactly as given, stat untouched: the root, or a node read from a snapshot.
   *
   * @param path - The node's path; its parent must already be present.
   * @param node - The node, with no children yet; its owner's session, if any, must be present.
   */
  insertNode(path: string, node: ZNode): void {
    assert(!this.nodes.has(path), `node ${path} inserted twice`);
    if (path !== "/") {
      const parent = this.nodes.get(parentOf(path));
      assert(parent !== undefined, `node ${path} inserted before its parent`);
      parent.addChild(nodeName(path));
    }
    this.#ownerOf(node)?.ephemerals.add(path);
    this.nodes.set(path, node);
    node.rehash(path);
    this.#add(node.hashHigh, node.hashLow);
  }

  /**
   * Opens a session.
   *
   * @param session - A session whose id is not in the table.
   */
  addSession(session: SessionRecord): void {
    assert(!this.sessions.has(session.sessionId), `session ${session.sessionId} added twice`);
    this.sessions.set(session.sessionId, session);
    this.#add(session.hashHigh, session.hashLow);
  }

  /**
   * Closes a session that owns no ephemeral node any more.
   *
   * @param session - A session in the table.
   */
  removeSession(session: SessionRecord): void {
    assert(session.ephemerals.size === 0, `session ${session.sessionId} removed with ephemerals`);
    assert(this.sessions.delete(session.sessionId), `session ${session.sessionId} removed but absent`);
    this.#subtract(session.hashHigh, session.hashLow);
  }

  /**
   * Creates a node: the parent's `cversion` goes up by one and its `pzxid` becomes `zxid`.
   *
   * @param place - Where the node goes; nothing may be there yet.
   * @param fields - Its data (owned by the node from now on), owner (0n, or an open session),
   *   and the transaction's zxid and time.
   * @param undo - Receives the inverse, when given.
   * @returns The new node.
   */
  createNode(
    place: NodePlace,
    fields: {
      readonly data: Uint8Array;
      readonly ephemeralOwner: SessionId;
      readonly zxid: Zxid;
      readonly timeMs: number;
    },
    undo: UndoLog | undefined,
  ): ZNode {
    const { path, parentPath, parent, name } = place;
    assert(!this.nodes.has(path), `node ${path} created twice`);
    const node = new ZNode({
      data: fields.data,
      czxid: fields.zxid,
      mzxid: fields.zxid,
      pzxid: fields.zxid,
      ctime: fields.timeMs,
      mtime: fields.timeMs,
      version: 0,
      cversion: 0,
      ephemeralOwner: fields.ephemeralOwner,
    });
    node.rehash(path);
    const owner = this.#ownerOf(node);
    const before = { cversion: parent.cversion, pzxid: parent.pzxid, ...this.#saveHashes(parent) };

    this.#subtract(parent.hashHigh, parent.hashLow);
    parent.cversion++;
    parent.pzxid = fields.zxid;
    parent.addChild(name);
    parent.rehash(parentPath);
    this.#add(parent.hashHigh, parent.hashLow);
    this.nodes.set(path, node);
    this.#add(node.hashHigh, node.hashLow);
    owner?.ephemerals.add(path);

    undo?.push(() => {
      owner?.ephemerals.delete(path);
      this.#subtract(node.hashHigh, node.hashLow);
      this.nodes.delete(path);
      this.#subtract(parent.hashHigh, parent.hashLow);
      parent.removeChild(name);
      parent.pzxid = before.pzxid;
      parent.cversion = before.cversion;
      this.#restoreHashes(parent, before);
    });
    return node;
  }

  /**
   * Deletes a childless node: the parent's `pzxid` becomes `zxid`; its `cversion` stays, as in
   * ZooKeeper, where only a create counts.
   *
   * @param place - Where the node is.
   * @param node - The node at `place.path`, with no children.
   * @param zxid - The transaction's zxid.
   * @param undo - Receives the inverse, when given.
   */
  deleteNode(place: NodePlace, node: ZNode, zxid: Zxid, undo: UndoLog | undefined): void {
    const { path, parentPath, parent, name } = place;
    assert(this.nodes.get(path) === node, `node ${path} deleted but absent`);
    assert(node.children.length === 0, `node ${path} deleted with children`);
    const owner = this.#ownerOf(node);
    const before = { pzxid: parent.pzxid, ...this.#saveHashes(parent) };

    owner?.ephemerals.delete(path);
    this.#subtract(node.hashHigh, node.hashLow);
    this.nodes.delete(path);
    this.#subtract(parent.hashHigh, parent.hashLow);
    parent.removeChild(name);
    parent.pzxid = zxid;
    parent.rehash(parentPath);
    this.#add(parent.hashHigh, parent.hashLow);

    undo?.push(() => {
      this.#subtract(parent.hashHigh, parent.hashLow);
      parent.addChild(name);
      parent.pzxid = before.pzxid;
      this.#restoreHashes(parent, before);
      this.nodes.set(path, node);
      this.#add(node.hashHigh, node.hashLow);
      owner?.ephemerals.add(path);
    });
  }

  /**
   * Replaces a node's data: `version` goes up by one (wrapping as an int32), `mzxid` and `mtime`
   * become the transaction's.
   *
   * @param path - The node's path.
   * @param node - The node.
   * @param fields - The new data (owned by the node from now on), the transaction's zxid and time.
   * @param undo - Receives the inverse, when given.
   */
  setNodeData(
    path: string,
    node: ZNode,
    fields: { readonly data: Uint8Array; readonly zxid: Zxid; readonly timeMs: number },
    undo: UndoLog | undefined,
  ): void {
    const before = {
      data: node.data,
      dataHashHigh: node.dataHashHigh,
      dataHashLow: node.dataHashLow,
      version: node.version,
      mzxid: node.mzxid,
      mtime: node.mtime,
      ...this.#saveHashes(node),
    };
    this.#subtract(node.hashHigh, node.hashLow);
    node.replaceData(fields.data);
    node.version = (node.version + 1) | 0;
    node.mzxid = fields.zxid;
    node.mtime = fields.timeMs;
    node.rehash(path);
    this.#add(node.hashHigh, node.hashLow);

    undo?.push(() => {
      this.#subtract(node.hashHigh, node.hashLow);
      node.data = before.data;
      node.dataHashHigh = before.dataHashHigh;
      node.dataHashLow = before.dataHashLow;
      node.version = before.version;
      node.mzxid = before.mzxid;
      node.mtime = before.mtime;
      this.#restoreHashes(node, before);
    });
  }

  /** The session owning an ephemeral node, which must be open; `undefined` for other nodes. */
  #ownerOf(node: ZNode): SessionRecord | undefined {
    if (node.ephemeralOwner === NO_SESSION) return undefined;
    const owner = this.sessions.get(node.ephemeralOwner);
    assert(owner !== undefined, `ephemeral node owned by closed session ${node.ephemeralOwner}`);
    return owner;
  }

  #saveHashes(node: ZNode): { readonly hashHigh: number; readonly hashLow: number } {
    return { hashHigh: node.hashHigh, hashLow: node.hashLow };
  }

  /** Puts back a node's saved hashes and their contribution to the digest. */
  #restoreHashes(node: ZNode, saved: { readonly hashHigh: number; readonly hashLow: number }): void {
    node.hashHigh = saved.hashHigh;
    node.hashLow = saved.hashLow;
    this.#add(node.hashHigh, node.hashLow);
  }

  #add(high: number, low: number): void {
    this.#digestHigh = (this.#digestHigh + high) >>> 0;
    this.#digestLow = (this.#digestLow + low) >>> 0;
  }

  #subtract(high: number, low: number): void {
    this.#digestHigh = (this.#digestHigh - high) >>> 0;
    this.#digestLow = (this.#digestLow - low) >>> 0;
  }
}
