/**
 * One znode as the data tree keeps it: data, the fields of its {@link Stat}, its children's names
 * in sorted order, and its contribution to the tree's digest.
 *
 * @internal
 * @module
 */
import { assert } from "../assert.js";
import type { Stat } from "../protocol/client-messages.js";
import type { SessionId } from "../protocol/ids.js";
import type { Zxid } from "../protocol/zxid.js";
import { Hash64 } from "./tree-hash.js";

const DATA_HASH_SEED = 0x64617461; // "data"
const NODE_HASH_SEED = 0x6e6f6465; // "node"

/**
 * The fields a node is created with.
 *
 * @since 0.1.0
 * @internal
 */
export interface ZNodeFields {
  readonly data: Uint8Array;
  readonly czxid: Zxid;
  readonly mzxid: Zxid;
  readonly pzxid: Zxid;
  readonly ctime: number;
  readonly mtime: number;
  readonly version: number;
  readonly cversion: number;
  readonly ephemeralOwner: SessionId;
}

/**
 * A znode. Mutable, and only ever mutated by {@link TreeState}, which keeps the digest in step.
 *
 * @remarks
 * `cversion` is the exact number of children ever created under the node: the sequence counter
 * of its sequential children, which never wraps. The {@link Stat} reports it as an int32, wrapped
 * the way ZooKeeper's Java int wraps, as it does `version`.
 * @since 0.1.0
 * @internal
 */
export class ZNode {
  data: Uint8Array;
  readonly czxid: Zxid;
  mzxid: Zxid;
  pzxid: Zxid;
  readonly ctime: number;
  mtime: number;
  /** The data version, an int32 that wraps like ZooKeeper's. */
  version: number;
  /** Children ever created here; a safe integer that never wraps. */
  cversion: number;
  readonly ephemeralOwner: SessionId;
  /** The children's names, sorted by UTF-16 code units (JavaScript's default string order). */
  readonly children: string[] = [];
  /** The digest lanes of `data`, cached so that a stat change does not rehash the data. */
  dataHashHigh = 0;
  dataHashLow = 0;
  /** This node's digest lanes, as last computed by {@link ZNode.rehash}. */
  hashHigh = 0;
  hashLow = 0;

  /** @param fields - The node's data and stat. */
  constructor(fields: ZNodeFields) {
    this.data = fields.data;
    this.czxid = fields.czxid;
    this.mzxid = fields.mzxid;
    this.pzxid = fields.pzxid;
    this.ctime = fields.ctime;
    this.mtime = fields.mtime;
    this.version = fields.version;
    this.cversion = fields.cversion;
    this.ephemeralOwner = fields.ephemeralOwner;
    this.#hashData();
  }

  /**
   * Replaces the data and refreshes its cached hash; the caller then rehashes the node.
   *
   * @param data - The new data, owned by the node from now on.
   */
  replaceData(data: Uint8Array): void {
    this.data = data;
    this.#hashData();
  }

  /**
   * Recomputes this node's digest lanes from its path, data hash and stat.
   *
   * @param path - The node's path, part of what the digest covers.
   */
  rehash(path: string): void {
    const hash = this.#hash(path, this.dataHashHigh, this.dataHashLow);
    this.hashHigh = hash.high;
    this.hashLow = hash.low;
  }

  /**
   * Computes this node's digest lanes from scratch, data included, without trusting or updating
   * any cached hash: the check that the incremental digest has not drifted.
   *
   * @param path - The node's path.
   * @returns The hasher, whose `high` and `low` are the lanes.
   */
  recomputeHash(path: string): Hash64 {
    const data = new Hash64(DATA_HASH_SEED).bytes(this.data);
    return this.#hash(path, data.high, data.low);
  }

  #hash(path: string, dataHashHigh: number, dataHashLow: number): Hash64 {
    return new Hash64(NODE_HASH_SEED)
      .string(path)
      .word(dataHashHigh)
      .word(dataHashLow)
      .u64(this.czxid)
      .u64(this.mzxid)
      .u64(this.pzxid)
      .safeInteger(this.ctime)
      .safeInteger(this.mtime)
      .word(this.version)
      .safeInteger(this.cversion)
      .u64(this.ephemeralOwner);
  }

  /**
   * The node's stat, as a new object.
   *
   * @returns The stat.
   */
  stat(): Stat {
    return {
      czxid: this.czxid,
      mzxid: this.mzxid,
      pzxid: this.pzxid,
      ctime: this.ctime,
      mtime: this.mtime,
      version: this.version,
      // ToInt32: the exact counter modulo 2^32, as a signed int32 (ZooKeeper's Java int).
      cversion: this.cversion | 0,
      ephemeralOwner: this.ephemeralOwner,
      dataLength: this.data.byteLength,
      numChildren: this.children.length,
    };
  }

  /**
   * Adds a child's name, keeping the names sorted.
   *
   * @remarks
   * A binary search then one array insertion: O(log k) comparisons and an O(k) move of pointers
   * for k children, which `childrenPerNodeMax` bounds.
   * @param name - A name not yet among the children.
   */
  addChild(name: string): void {
    const index = lowerBound(this.children, name);
    assert(this.children[index] !== name, `child ${name} added twice`);
    this.children.splice(index, 0, name);
  }

  /**
   * Removes a child's name.
   *
   * @param name - A name among the children.
   */
  removeChild(name: string): void {
    const index = lowerBound(this.children, name);
    assert(this.children[index] === name, `child ${name} removed but absent`);
    this.children.splice(index, 1);
  }

  #hashData(): void {
    const hash = new Hash64(DATA_HASH_SEED).bytes(this.data);
    this.dataHashHigh = hash.high;
    this.dataHashLow = hash.low;
  }
}

/** The first index whose name is not below `name`. */
function lowerBound(names: readonly string[], name: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((names[middle] as string) < name) low = middle + 1;
    else high = middle;
  }
  return low;
}
