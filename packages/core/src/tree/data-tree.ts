/**
 * The replicated data tree: ZooKeeper's `DataTree` as a pure, deterministic state machine.
 *
 * Every member applies the same committed transactions in zxid order and so holds the same tree,
 * sessions and digest at the same zxid. Applying decides each outcome against the committed state
 * (sequential names, versions, multi atomicity, session liveness), reports it with the watch
 * changes it causes, and never reads a clock, a random source or anything but the transaction.
 * Reads are served from the same state, by the member serving the client.
 *
 * @see {@link https://zookeeper.apache.org/doc/current/zookeeperProgrammers.html | ZooKeeper Programmer's Guide}
 * @module
 */
import { assert, assertNever } from "../assert.js";
import { ZabError, type ZabErrorCode } from "../errors.js";
import type {
  CheckOp,
  CheckResult,
  CloseSessionResult,
  CreateOp,
  CreateResult,
  DeleteOp,
  DeleteResult,
  ExistsResult,
  GetChildrenResult,
  GetDataResult,
  MultiItemOp,
  MultiItemOutcome,
  MultiOp,
  MultiResult,
  OpError,
  SetDataOp,
  SetDataResult,
} from "../protocol/client-messages.js";
import type { SessionId } from "../protocol/ids.js";
import type { Txn } from "../protocol/messages.js";
import type { StateMachine } from "../protocol/state-machine.js";
import { formatZxid, ZXID_ZERO, type Zxid } from "../protocol/zxid.js";
import { createModeTraits } from "./create-mode.js";
import { nodeName, parentOf, pathProblem, quotePath, SEQUENCE_MAX, sequentialPath } from "./path.js";
import type {
  AttachSessionResult,
  CreateSessionResult,
  TreeApplied,
  TreeChange,
  TreeOutcome,
} from "./tree-applied.js";
import { TREE_LIMITS_DEFAULT } from "./tree-limits.js";
import { bySessionId, SessionRecord, type TreeSession } from "./tree-session.js";
import { decodeTreeSnapshot, encodeTreeSnapshot } from "./tree-snapshot.js";
import { TreeState, type UndoLog } from "./tree-state.js";
import type { AttachSessionTxnOp, CloseSessionTxnOp, CreateSessionTxnOp, TreeTxn } from "./tree-txn.js";
import { decodeTreeTxn } from "./tree-txn-codec.js";
import type { ZNode } from "./znode.js";

/**
 * Settings of a {@link DataTree}.
 *
 * @since 0.1.0
 */
export interface DataTreeOptions {
  /**
   * The most children a node may have; a create beyond it fails with `Invalid`. Defaults to
   * {@link TREE_LIMITS_DEFAULT}'s. It decides outcomes, so **every member must use the same
   * value**, as with any part of the replicated state machine.
   */
  readonly childrenPerNodeMax?: number;
}

const NO_SESSION = 0n as SessionId;

/** What every operation of one transaction shares. */
interface ApplyContext {
  readonly sessionId: SessionId;
  readonly zxid: Zxid;
  readonly timeMs: number;
}

/**
 * The replicated tree of znodes with its session table.
 *
 * @remarks
 * Transactions are {@link TreeTxn}s encoded with {@link encodeTreeTxn}. What applying one does:
 * - **create** (`persistent`, `ephemeral`, `persistentSequential`, `ephemeralSequential`) fails,
 *   in this order, with `Invalid` for a `container` or TTL mode (not supported yet), a non-zero
 *   `ttlMs` or a bad path; `SessionExpired` for an ephemeral node without an open session;
 *   `NoNode` without a parent; `Invalid` when the parent's sequence counter passed
 *   {@link SEQUENCE_MAX}; `NodeExists`; `NoChildrenForEphemerals`; `Invalid` beyond
 *   `childrenPerNodeMax`. A sequential node's suffix is the parent's `cversion` before the
 *   create, zero-padded to 10 digits, as in ZooKeeper; the parent's `cversion` then goes up.
 * - **delete** fails with `Invalid` for the root, `NoNode`, `BadVersion` unless the expected
 *   version is -1 or the node's, then `NotEmpty`.
 * - **setData** fails with `NoNode` or `BadVersion`; otherwise `version` goes up by one.
 * - **multi** applies its operations in order, each seeing the ones before; when one fails, all
 *   are undone, it reports its error and every other item `RolledBack`, and nothing changed.
 * - **createSession** adds a session (`Invalid` when its id is 0 or already open);
 *   **closeSession** deletes the session's ephemeral nodes in path order, then the session
 *   (`SessionExpired` when it is not open).
 * - A create, delete, setData or multi for a session that is not open fails with
 *   `SessionExpired` and changes nothing (ZOOKEEPER-1208: a create racing the session's close
 *   never leaves an orphan ephemeral). Session 0n runs the ensemble's own transactions.
 *
 * A failed operation still consumes its zxid: {@link DataTree.lastZxid} advances. A stat's
 * `version` and `cversion` are int32s that wrap as ZooKeeper's Java ints do; the sequence counter
 * behind `cversion` never wraps.
 *
 * Costs: a create, delete or setData is O(path + data) for hashing plus O(log k) comparisons and
 * an O(k) pointer move in the parent's sorted child list, for k children; never a scan of the
 * tree. A closeSession sorts the session's ephemeral paths.
 * @example
 * ```ts
 * import { DataTree, encodeTreeTxn, sessionId, zxid, epoch } from "@zab/core";
 *
 * const tree = new DataTree();
 * const applied = tree.apply({
 *   zxid: zxid(epoch(1), 1),
 *   payload: encodeTreeTxn({
 *     sessionId: sessionId(0n),
 *     cxid: 0,
 *     timeMs: 1_700_000_000_000,
 *     op: { op: "create", path: "/config", data: new Uint8Array([1]), mode: "persistent", ttlMs: 0 },
 *   }),
 * });
 * applied.outcome; // { op: "create", path: "/config", stat: { … } }
 * applied.changes; // [{ type: "nodeCreated", path: "/config" }, { type: "nodeChildrenChanged", path: "/" }]
 * tree.getData("/config").data; // Uint8Array [1]
 * ```
 * @see {@link https://zookeeper.apache.org/doc/current/zookeeperProgrammers.html#sc_zkDataModel_znodes | ZooKeeper znodes}
 * @since 0.1.0
 */
export class DataTree implements StateMachine<TreeApplied> {
  #state = TreeState.withRoot();
  #lastZxid: Zxid = ZXID_ZERO;
  readonly #childrenPerNodeMax: number;

  /**
   * An empty tree: the root alone, no session, at zxid 0.
   *
   * @param options - The replicated limit on children per node.
   * @throws {@link AssertionError} when `childrenPerNodeMax` is not a positive safe integer.
   */
  constructor(options?: DataTreeOptions) {
    this.#childrenPerNodeMax = options?.childrenPerNodeMax ?? TREE_LIMITS_DEFAULT.childrenPerNodeMax;
    assert(
      Number.isSafeInteger(this.#childrenPerNodeMax) && this.#childrenPerNodeMax > 0,
      `childrenPerNodeMax must be a positive integer: ${this.#childrenPerNodeMax}`,
    );
  }

  /** The zxid of the last transaction applied, or of the snapshot restored; 0 when empty. */
  get lastZxid(): Zxid {
    return this.#lastZxid;
  }

  /**
   * Applies one committed transaction.
   *
   * @param txn - The next transaction, its payload a {@link TreeTxn} from {@link encodeTreeTxn}.
   * @returns The outcome and the watch changes; see {@link TreeApplied}.
   * @throws {@link ZabError} with code `"BadFrame"` when the payload does not decode; the tree,
   *   `lastZxid` included, is then unchanged.
   * @throws {@link AssertionError} when `txn.zxid` is not above {@link DataTree.lastZxid}.
   */
  apply(txn: Txn): TreeApplied {
    assert(
      txn.zxid > this.#lastZxid,
      () => `applied ${formatZxid(txn.zxid)} after ${formatZxid(this.#lastZxid)}`,
    );
    const treeTxn = decodeTreeTxn(txn.payload);
    const changes: TreeChange[] = [];
    const outcome = this.#execute(treeTxn, txn.zxid, changes);
    this.#lastZxid = txn.zxid;
    return { sessionId: treeTxn.sessionId, cxid: treeTxn.cxid, zxid: txn.zxid, outcome, changes };
  }

  /**
   * Reads a node's data and stat.
   *
   * @remarks
   * Path syntax is not checked here: {@link validateTreeOp} does that before a request is
   * served, and an invalid path names no node.
   * @param path - The node's path.
   * @returns The result, with a copy of the data the caller owns.
   * @throws {@link ZabError} with code `"NoNode"`, carrying `path`, when no node is there.
   */
  getData(path: string): GetDataResult {
    const node = this.#read(path);
    return { op: "getData", data: node.data.slice(), stat: node.stat() };
  }

  /**
   * Reads a node's stat.
   *
   * @param path - The node's path.
   * @returns The result.
   * @throws {@link ZabError} with code `"NoNode"`, carrying `path`, when no node is there.
   */
  exists(path: string): ExistsResult {
    return { op: "exists", stat: this.#read(path).stat() };
  }

  /**
   * Reads a node's children's names and its stat.
   *
   * @param path - The node's path.
   * @returns The result: names (not paths) sorted by UTF-16 code units, JavaScript's default
   *   string order, in a new array the caller owns.
   * @throws {@link ZabError} with code `"NoNode"`, carrying `path`, when no node is there.
   */
  getChildren(path: string): GetChildrenResult {
    const node = this.#read(path);
    return { op: "getChildren", children: node.children.slice(), stat: node.stat() };
  }

  /**
   * The 64-bit digest of the whole tree, maintained incrementally: O(1) to read.
   *
   * @remarks
   * Every node's hash covers its path, data and stat, every session's its id, timeout and
   * password; the digest adds them up (two 32-bit lanes, each modulo 2^32), as ZooKeeper's
   * `DigestCalculator` does. Members that applied the same transactions hold the same digest at
   * the same zxid, whatever their history of snapshots and restarts; compare them to detect
   * divergence (ZooKeeper's `digest.enabled`).
   * @returns The digest.
   */
  digest(): bigint {
    return this.#state.digest;
  }

  /**
   * The digest computed from scratch, every node's data rehashed: O(size of the tree).
   *
   * @remarks
   * Equal to {@link DataTree.digest} unless the incremental bookkeeping has a bug; for audits and
   * tests.
   * @returns The recomputed digest.
   */
  recomputeDigest(): bigint {
    return this.#state.recomputeDigest();
  }

  /**
   * Serializes every node, stat and session, with the digest and {@link DataTree.lastZxid}.
   *
   * @remarks
   * The bytes depend only on the tree's content: members holding the same tree produce identical
   * snapshots. See `tree-snapshot.ts` for the versioned format.
   * @returns A new buffer.
   */
  snapshot(): Uint8Array {
    return encodeTreeSnapshot(this.#state, this.#lastZxid);
  }

  /**
   * Replaces the whole tree with a snapshot.
   *
   * @remarks
   * The snapshot is checked completely (structure, zxid, digest recomputed from every node)
   * before anything is replaced, so a corrupt snapshot leaves the tree as it was.
   * @param data - Bytes from {@link DataTree.snapshot}; read, not kept.
   * @param zxid - The last transaction the snapshot includes; it must be the one it holds.
   * @throws {@link ZabError} with code `"Corrupt"` when the bytes do not decode, the structure is
   *   inconsistent, the zxid differs or the digest does not match.
   */
  restore(data: Uint8Array, zxid: Zxid): void {
    this.#state = decodeTreeSnapshot(data, zxid);
    this.#lastZxid = zxid;
  }

  /** How many sessions are open. */
  get sessionCount(): number {
    return this.#state.sessions.size;
  }

  /**
   * Every open session, for the leader's session tracker.
   *
   * @returns New views in ascending id order, owned by the caller.
   */
  sessions(): TreeSession[] {
    return [...this.#state.sessions.values()].sort(bySessionId).map((session) => session.view());
  }

  /**
   * One open session, for checking a reconnecting client's password.
   *
   * @param sessionId - The session's id.
   * @returns A new view, or `undefined` when the session is not open.
   */
  session(sessionId: SessionId): TreeSession | undefined {
    return this.#state.sessions.get(sessionId)?.view();
  }

  #read(path: string): ZNode {
    const node = this.#state.nodes.get(path);
    if (node === undefined) throw new ZabError("NoNode", `no node at ${quotePath(path)}`, { path });
    return node;
  }

  #execute(txn: TreeTxn, zxid: Zxid, changes: TreeChange[]): TreeOutcome {
    const { op } = txn;
    if (op.op === "createSession") return this.#createSession(op);
    if (op.op === "closeSession") return this.#closeSession(op, zxid, changes);
    if (op.op === "attachSession") return this.#attachSession(op);
    // ZooKeeper checks the session of every write before proposing it; checking at apply time
    // instead decides against the committed session table, the same on every member.
    if (txn.sessionId !== NO_SESSION && !this.#state.sessions.has(txn.sessionId)) {
      return failure(op.op, "SessionExpired");
    }
    const context: ApplyContext = { sessionId: txn.sessionId, zxid, timeMs: txn.timeMs };
    switch (op.op) {
      case "create":
        return this.#create(op, context, changes, undefined);
      case "delete":
        return this.#delete(op, context, changes, undefined);
      case "setData":
        return this.#setData(op, context, changes, undefined);
      case "multi":
        return this.#multi(op, context, changes);
      default:
        return assertNever(op);
    }
  }

  #createSession(op: CreateSessionTxnOp): CreateSessionResult | OpError<"createSession"> {
    // Ids are the proposer's to make unique; a repeat is refused rather than replacing the
    // secret of a live session.
    if (op.sessionId === NO_SESSION || this.#state.sessions.has(op.sessionId)) {
      return failure("createSession", "Invalid");
    }
    this.#state.addSession(
      new SessionRecord({ sessionId: op.sessionId, timeoutMs: op.timeoutMs, password: op.password }),
    );
    return {
      op: "createSession",
      sessionId: op.sessionId,
      timeoutMs: op.timeoutMs,
      password: op.password.slice(),
    };
  }

  #attachSession(op: AttachSessionTxnOp): AttachSessionResult | OpError<"attachSession"> {
    // Nothing in the tree changes: the transaction orders the session's move among its writes.
    if (!this.#state.sessions.has(op.sessionId)) return failure("attachSession", "SessionExpired");
    return { op: "attachSession", sessionId: op.sessionId, serverId: op.serverId };
  }

  #closeSession(
    op: CloseSessionTxnOp,
    zxid: Zxid,
    changes: TreeChange[],
  ): CloseSessionResult | OpError<"closeSession"> {
    const session = this.#state.sessions.get(op.sessionId);
    if (session === undefined) return failure("closeSession", "SessionExpired");
    // Path order, not the set's insertion order: the same on every member even after a restore,
    // and it fixes the order of the watch changes. Ephemeral nodes have no children, so no
    // delete here can fail.
    for (const path of [...session.ephemerals].sort()) {
      const node = this.#state.nodes.get(path);
      assert(node !== undefined, `ephemeral ${path} of session ${op.sessionId} is missing`);
      this.#deleteAt(path, node, zxid, changes, undefined);
    }
    this.#state.removeSession(session);
    return { op: "closeSession" };
  }

  #create(
    op: CreateOp,
    context: ApplyContext,
    changes: TreeChange[],
    undo: UndoLog | undefined,
  ): CreateResult | OpError<"create"> {
    const mode = createModeTraits(op.mode);
    if (mode === undefined || op.ttlMs !== 0) return failure("create", "Invalid");
    if (pathProblem(op.path, mode.sequential) !== undefined) return failure("create", "Invalid");
    if (mode.ephemeral && context.sessionId === NO_SESSION) return failure("create", "SessionExpired");
    // Root cannot be created: it always exists.
    if (op.path === "/" && !mode.sequential) return failure("create", "NodeExists");
    // The suffix holds no "/", so a sequential node's parent is the prefix's.
    const parentPath = parentOf(mode.sequential ? `${op.path}0` : op.path);
    const parent = this.#state.nodes.get(parentPath);
    if (parent === undefined) return failure("create", "NoNode");
    if (mode.sequential && parent.cversion > SEQUENCE_MAX) return failure("create", "Invalid");
    const path = mode.sequential ? sequentialPath(op.path, parent.cversion) : op.path;
    if (this.#state.nodes.has(path)) return failure("create", "NodeExists");
    if (parent.ephemeralOwner !== NO_SESSION) return failure("create", "NoChildrenForEphemerals");
    if (parent.children.length >= this.#childrenPerNodeMax) return failure("create", "Invalid");

    const node = this.#state.createNode(
      { path, parentPath, parent, name: nodeName(path) },
      {
        data: op.data,
        ephemeralOwner: mode.ephemeral ? context.sessionId : NO_SESSION,
        zxid: context.zxid,
        timeMs: context.timeMs,
      },
      undo,
    );
    changes.push({ type: "nodeCreated", path }, { type: "nodeChildrenChanged", path: parentPath });
    return { op: "create", path, stat: node.stat() };
  }

  #delete(
    op: DeleteOp,
    context: ApplyContext,
    changes: TreeChange[],
    undo: UndoLog | undefined,
  ): DeleteResult | OpError<"delete"> {
    if (op.path === "/") return failure("delete", "Invalid");
    const node = this.#state.nodes.get(op.path);
    if (node === undefined) return failure("delete", "NoNode");
    if (op.version !== -1 && op.version !== node.version) return failure("delete", "BadVersion");
    if (node.children.length > 0) return failure("delete", "NotEmpty");
    this.#deleteAt(op.path, node, context.zxid, changes, undo);
    return { op: "delete" };
  }

  #deleteAt(path: string, node: ZNode, zxid: Zxid, changes: TreeChange[], undo: UndoLog | undefined): void {
    const parentPath = parentOf(path);
    const parent = this.#state.nodes.get(parentPath);
    assert(parent !== undefined, `node ${path} has no parent`);
    this.#state.deleteNode({ path, parentPath, parent, name: nodeName(path) }, node, zxid, undo);
    changes.push({ type: "nodeDeleted", path }, { type: "nodeChildrenChanged", path: parentPath });
  }

  #setData(
    op: SetDataOp,
    context: ApplyContext,
    changes: TreeChange[],
    undo: UndoLog | undefined,
  ): SetDataResult | OpError<"setData"> {
    const node = this.#state.nodes.get(op.path);
    if (node === undefined) return failure("setData", "NoNode");
    if (op.version !== -1 && op.version !== node.version) return failure("setData", "BadVersion");
    this.#state.setNodeData(
      op.path,
      node,
      { data: op.data, zxid: context.zxid, timeMs: context.timeMs },
      undo,
    );
    changes.push({ type: "nodeDataChanged", path: op.path });
    return { op: "setData", stat: node.stat() };
  }

  #check(op: CheckOp): CheckResult | OpError<"check"> {
    const node = this.#state.nodes.get(op.path);
    if (node === undefined) return failure("check", "NoNode");
    if (op.version !== -1 && op.version !== node.version) return failure("check", "BadVersion");
    return { op: "check" };
  }

  #multi(op: MultiOp, context: ApplyContext, changes: TreeChange[]): MultiResult {
    const undo: UndoLog = [];
    const results: MultiItemOutcome[] = [];
    const changesBefore = changes.length;
    // Bounded by the operations the transaction decoded.
    for (const [index, item] of op.ops.entries()) {
      const outcome = this.#item(item, context, changes, undo);
      if (outcome.op === "error") {
        for (let step = undo.length - 1; step >= 0; step--) (undo[step] as () => void)();
        changes.length = changesBefore;
        return {
          op: "multi",
          results: op.ops.map((other, otherIndex) =>
            otherIndex === index ? outcome : failure(other.op, "RolledBack"),
          ),
        };
      }
      results.push(outcome);
    }
    return { op: "multi", results };
  }

  #item(item: MultiItemOp, context: ApplyContext, changes: TreeChange[], undo: UndoLog): MultiItemOutcome {
    switch (item.op) {
      case "create":
        return this.#create(item, context, changes, undo);
      case "delete":
        return this.#delete(item, context, changes, undo);
      case "setData":
        return this.#setData(item, context, changes, undo);
      case "check":
        return this.#check(item);
      default:
        return assertNever(item);
    }
  }
}

function failure<Name extends string>(failedOp: Name, code: ZabErrorCode): OpError<Name> {
  return { op: "error", failedOp, code };
}
