// Goal: the data tree agrees with a deliberately naive reference model of ZooKeeper's semantics
// on every outcome, every watch change and every read, across random interleavings of creates
// (all four supported modes, sequential counters included), deletes, setData, multis and session
// creation and closing by several sessions — versions, cversion, pzxid, numChildren, child lists,
// data and ephemeral ownership included — and its incremental digest never drifts from a
// from-scratch recomputation.
//
// Method: fast-check model-based testing (`fc.commands`). The model is a Map from path to a plain
// record plus a session Map; it finds children by scanning every path, runs a multi on a deep
// copy it keeps or throws away, and shares no code with the tree beyond the operation types.
// Targets are drawn from a small universe of paths (so operations collide: NodeExists, NoNode,
// NotEmpty, BadVersion all happen) or as "the i-th existing node" (so sequential and deep nodes
// get deleted and updated too). After each command the whole tree is read back and compared with
// the model. fast-check prints the seed and the shrunk command list of any failure for replay.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ZabErrorCode } from "../../../src/errors.js";
import type {
  CreateMode,
  CreateOp,
  DeleteOp,
  MultiItemOp,
  MultiItemOutcome,
  OpError,
  SetDataOp,
  Stat,
} from "../../../src/protocol/client-messages.js";
import { type SessionId, serverId, sessionId } from "../../../src/protocol/ids.js";
import type { Zxid } from "../../../src/protocol/zxid.js";
import type { TreeChange, TreeOutcome } from "../../../src/tree/tree-applied.js";
import type { TreeTxnOp } from "../../../src/tree/tree-txn.js";
import { passwordFor, TreeDriver, timeAt } from "./tree-helpers.js";

interface ModelNode {
  data: Uint8Array;
  czxid: bigint;
  mzxid: bigint;
  pzxid: bigint;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  owner: bigint;
}

interface Expected {
  readonly outcome: TreeOutcome;
  readonly changes: readonly TreeChange[];
}

function parentPathOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

function joinPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

function error<Name extends string>(failedOp: Name, code: ZabErrorCode): OpError<Name> {
  return { op: "error", failedOp, code };
}

/** ZooKeeper's data tree, written for clarity rather than speed. */
class Model {
  nodes = new Map<string, ModelNode>([
    [
      "/",
      {
        data: new Uint8Array(0),
        czxid: 0n,
        mzxid: 0n,
        pzxid: 0n,
        ctime: 0,
        mtime: 0,
        version: 0,
        cversion: 0,
        owner: 0n,
      },
    ],
  ]);
  readonly sessions = new Map<bigint, number>();
  counter = 0;

  childrenOf(path: string): string[] {
    return [...this.nodes.keys()]
      .filter((other) => other !== "/" && parentPathOf(other) === path)
      .map((other) => other.slice(other.lastIndexOf("/") + 1))
      .sort();
  }

  stat(path: string): Stat {
    const node = this.nodes.get(path);
    if (node === undefined) throw new Error(`model has no ${path}`);
    return {
      czxid: node.czxid as Zxid,
      mzxid: node.mzxid as Zxid,
      pzxid: node.pzxid as Zxid,
      ctime: node.ctime,
      mtime: node.mtime,
      version: node.version,
      cversion: node.cversion,
      ephemeralOwner: node.owner as SessionId,
      dataLength: node.data.byteLength,
      numChildren: this.childrenOf(path).length,
    };
  }

  /** The i-th existing path in sorted order. */
  existing(index: number): string {
    const paths = [...this.nodes.keys()].sort();
    return paths[index % paths.length] as string;
  }

  apply(op: TreeTxnOp, session: bigint, zxid: bigint): Expected {
    this.counter++;
    const time = timeAt(this.counter);
    const changes: TreeChange[] = [];
    switch (op.op) {
      case "createSession":
        if (this.sessions.has(op.sessionId)) return { outcome: error(op.op, "Invalid"), changes };
        this.sessions.set(op.sessionId, op.timeoutMs);
        return { outcome: { ...op, password: op.password }, changes };
      case "attachSession":
        if (!this.sessions.has(op.sessionId)) return { outcome: error(op.op, "SessionExpired"), changes };
        return { outcome: { op: "attachSession", sessionId: op.sessionId, serverId: op.serverId }, changes };
      case "closeSession": {
        if (!this.sessions.has(op.sessionId)) return { outcome: error(op.op, "SessionExpired"), changes };
        const owned = [...this.nodes.entries()]
          .filter(([, node]) => node.owner === op.sessionId)
          .map(([path]) => path)
          .sort();
        for (const path of owned) this.#delete(path, zxid, changes);
        this.sessions.delete(op.sessionId);
        return { outcome: { op: "closeSession" }, changes };
      }
      default:
        break;
    }
    if (session !== 0n && !this.sessions.has(session))
      return { outcome: error(op.op, "SessionExpired"), changes };
    if (op.op !== "multi") {
      // A create, delete or setData never yields a check's result.
      return { outcome: this.#item(op, session, zxid, time, changes) as TreeOutcome, changes };
    }
    const scratch = new Model();
    scratch.nodes = new Map([...this.nodes].map(([path, node]) => [path, { ...node }]));
    const results: MultiItemOutcome[] = [];
    for (const item of op.ops) {
      const result = scratch.#item(item, session, zxid, time, changes);
      if (result.op === "error") {
        return {
          outcome: {
            op: "multi",
            results: op.ops.map((other, index) =>
              index === results.length ? result : error(other.op, "RolledBack"),
            ),
          },
          changes: [],
        };
      }
      results.push(result);
    }
    this.nodes = scratch.nodes;
    return { outcome: { op: "multi", results }, changes };
  }

  #item(
    op: MultiItemOp,
    session: bigint,
    zxid: bigint,
    time: number,
    changes: TreeChange[],
  ): MultiItemOutcome {
    switch (op.op) {
      case "create":
        return this.#create(op, session, zxid, time, changes);
      case "delete": {
        if (op.path === "/") return error(op.op, "Invalid");
        const node = this.nodes.get(op.path);
        if (node === undefined) return error(op.op, "NoNode");
        if (op.version !== -1 && op.version !== node.version) return error(op.op, "BadVersion");
        if (this.childrenOf(op.path).length > 0) return error(op.op, "NotEmpty");
        this.#delete(op.path, zxid, changes);
        return { op: "delete" };
      }
      case "setData": {
        const node = this.nodes.get(op.path);
        if (node === undefined) return error(op.op, "NoNode");
        if (op.version !== -1 && op.version !== node.version) return error(op.op, "BadVersion");
        Object.assign(node, { data: op.data, version: node.version + 1, mzxid: zxid, mtime: time });
        changes.push({ type: "nodeDataChanged", path: op.path });
        return { op: "setData", stat: this.stat(op.path) };
      }
      case "check": {
        const node = this.nodes.get(op.path);
        if (node === undefined) return error(op.op, "NoNode");
        if (op.version !== -1 && op.version !== node.version) return error(op.op, "BadVersion");
        return { op: "check" };
      }
    }
  }

  #create(
    op: CreateOp,
    session: bigint,
    zxid: bigint,
    time: number,
    changes: TreeChange[],
  ): MultiItemOutcome {
    const supported: CreateMode[] = [
      "persistent",
      "ephemeral",
      "persistentSequential",
      "ephemeralSequential",
    ];
    if (!supported.includes(op.mode)) return error("create", "Invalid");
    const ephemeral = op.mode.startsWith("ephemeral");
    const sequential = op.mode.endsWith("Sequential");
    if (ephemeral && session === 0n) return error("create", "SessionExpired");
    const parentPath = parentPathOf(op.path);
    const parent = this.nodes.get(parentPath);
    if (parent === undefined) return error("create", "NoNode");
    const path = sequential ? op.path + String(parent.cversion).padStart(10, "0") : op.path;
    if (this.nodes.has(path)) return error("create", "NodeExists");
    if (parent.owner !== 0n) return error("create", "NoChildrenForEphemerals");
    this.nodes.set(path, {
      data: op.data,
      czxid: zxid,
      mzxid: zxid,
      pzxid: zxid,
      ctime: time,
      mtime: time,
      version: 0,
      cversion: 0,
      owner: ephemeral ? session : 0n,
    });
    parent.cversion++;
    parent.pzxid = zxid;
    changes.push({ type: "nodeCreated", path }, { type: "nodeChildrenChanged", path: parentPath });
    return { op: "create", path, stat: this.stat(path) };
  }

  #delete(path: string, zxid: bigint, changes: TreeChange[]): void {
    this.nodes.delete(path);
    const parentPath = parentPathOf(path);
    (this.nodes.get(parentPath) as ModelNode).pzxid = zxid;
    changes.push({ type: "nodeDeleted", path }, { type: "nodeChildrenChanged", path: parentPath });
  }
}

/** Reads the whole tree back and compares it with the model. */
function expectSameState(model: Model, driver: TreeDriver): void {
  const { tree } = driver;
  for (const [path, node] of model.nodes) {
    expect(tree.getData(path), path).toStrictEqual({
      op: "getData",
      data: node.data,
      stat: model.stat(path),
    });
    // Every real node is reachable from the root, so equal child lists mean no extra node.
    expect(tree.getChildren(path).children, path).toStrictEqual(model.childrenOf(path));
  }
  const ownedBy = (id: bigint): number =>
    [...model.nodes.values()].filter((node) => node.owner === id).length;
  expect(tree.sessions()).toStrictEqual(
    [...model.sessions]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, timeoutMs]) => ({
        sessionId: id,
        timeoutMs,
        password: passwordFor(id),
        ephemeralCount: ownedBy(id),
      })),
  );
  expect(tree.recomputeDigest()).toBe(tree.digest());
}

class TxnCommand implements fc.Command<Model, TreeDriver> {
  constructor(
    readonly label: string,
    readonly session: bigint,
    readonly build: (model: Model) => TreeTxnOp,
  ) {}

  check(): boolean {
    return true;
  }

  run(model: Model, driver: TreeDriver): void {
    const op = this.build(model);
    const expected = model.apply(op, this.session, driver.nextZxid);
    const applied = driver.apply(op, { sessionId: sessionId(this.session) });
    expect(applied.outcome, this.toString()).toStrictEqual(expected.outcome);
    expect(applied.changes, this.toString()).toStrictEqual(expected.changes);
    expectSameState(model, driver);
  }

  toString(): string {
    return `${this.label} by ${this.session}`;
  }
}

type Target = { readonly universe: string } | { readonly existing: number };

function resolve(model: Model, target: Target): string {
  return "universe" in target ? target.universe : model.existing(target.existing);
}

function describeTarget(target: Target): string {
  return "universe" in target ? target.universe : `#${target.existing}`;
}

const names = fc.constantFrom("a", "b", "c");
const universePath = fc
  .array(names, { minLength: 1, maxLength: 3 })
  .map((segments) => `/${segments.join("/")}`);
const target: fc.Arbitrary<Target> = fc.oneof(
  universePath.map((universe) => ({ universe })),
  { arbitrary: fc.nat(1000).map((existing) => ({ existing })), weight: 2 },
);
const parentTarget: fc.Arbitrary<Target> = fc.oneof(
  fc.constantFrom("/", "/a", "/b", "/a/b").map((universe) => ({ universe })),
  fc.nat(1000).map((existing) => ({ existing })),
);
// Sessions 1 and 2 start open; 3 is opened (and any of them closed) by commands, and 4 never is.
const sessionChoice = fc.oneof(
  { arbitrary: fc.constantFrom(0n, 1n, 2n), weight: 6 },
  { arbitrary: fc.constantFrom(3n, 4n), weight: 1 },
);
const version = fc.constantFrom(-1, 0, 1, 2);
const data = fc.uint8Array({ maxLength: 8 });
const mode: fc.Arbitrary<CreateMode> = fc.oneof(
  {
    arbitrary: fc.constantFrom("persistent", "ephemeral", "persistentSequential", "ephemeralSequential"),
    weight: 20,
  },
  { arbitrary: fc.constant("container"), weight: 1 },
);

interface ItemSpec<Op extends MultiItemOp = MultiItemOp> {
  readonly label: string;
  readonly build: (model: Model) => Op;
}

const createSpec: fc.Arbitrary<ItemSpec<CreateOp>> = fc
  .record({ parent: parentTarget, name: fc.constantFrom("a", "b", "c", "s-"), mode, data })
  .map((spec) => ({
    label: `create ${describeTarget(spec.parent)}/${spec.name} ${spec.mode}`,
    build: (model) => ({
      op: "create",
      path: joinPath(resolve(model, spec.parent), spec.name),
      data: spec.data,
      mode: spec.mode,
      ttlMs: 0,
    }),
  }));
const deleteSpec: fc.Arbitrary<ItemSpec<DeleteOp>> = fc.record({ target, version }).map((spec) => ({
  label: `delete ${describeTarget(spec.target)} v${spec.version}`,
  build: (model) => ({ op: "delete", path: resolve(model, spec.target), version: spec.version }),
}));
const setDataSpec: fc.Arbitrary<ItemSpec<SetDataOp>> = fc.record({ target, version, data }).map((spec) => ({
  label: `setData ${describeTarget(spec.target)} v${spec.version}`,
  build: (model) => ({
    op: "setData",
    path: resolve(model, spec.target),
    data: spec.data,
    version: spec.version,
  }),
}));
const checkSpec: fc.Arbitrary<ItemSpec> = fc.record({ target, version }).map((spec) => ({
  label: `check ${describeTarget(spec.target)} v${spec.version}`,
  build: (model) => ({ op: "check", path: resolve(model, spec.target), version: spec.version }),
}));

const itemCommand = (
  spec: fc.Arbitrary<ItemSpec<CreateOp | DeleteOp | SetDataOp>>,
): fc.Arbitrary<TxnCommand> =>
  fc.tuple(sessionChoice, spec).map(([session, item]) => new TxnCommand(item.label, session, item.build));

const commands: fc.Arbitrary<TxnCommand>[] = [
  itemCommand(createSpec),
  itemCommand(createSpec),
  itemCommand(deleteSpec),
  itemCommand(setDataSpec),
  fc
    .tuple(
      sessionChoice,
      fc.array(fc.oneof(createSpec, deleteSpec, setDataSpec, checkSpec), { maxLength: 4 }),
    )
    .map(
      ([session, items]) =>
        new TxnCommand(`multi [${items.map((item) => item.label).join(", ")}]`, session, (model) => ({
          op: "multi",
          ops: items.map((item) => item.build(model)),
        })),
    ),
  fc.tuple(fc.constantFrom(1n, 2n, 3n), fc.constantFrom(1000, 30_000)).map(
    ([id, timeoutMs]) =>
      new TxnCommand(`createSession ${id}`, 0n, () => ({
        op: "createSession",
        sessionId: sessionId(id),
        timeoutMs,
        password: passwordFor(id),
      })),
  ),
  fc
    .tuple(fc.constantFrom(1n, 2n, 3n), sessionChoice)
    .map(
      ([id, by]) =>
        new TxnCommand(`closeSession ${id}`, by, () => ({ op: "closeSession", sessionId: sessionId(id) })),
    ),
  fc.tuple(fc.constantFrom(1n, 2n, 3n), fc.constantFrom(1, 2, 3), sessionChoice).map(
    ([id, member, by]) =>
      new TxnCommand(`attachSession ${id} to ${member}`, by, () => ({
        op: "attachSession",
        sessionId: sessionId(id),
        serverId: serverId(member),
      })),
  ),
];

describe("the data tree against a reference model", () => {
  it("agrees on every outcome, change and read", () => {
    fc.assert(
      fc.property(fc.commands(commands, { size: "medium", maxCommands: 100 }), (sequence) => {
        fc.modelRun(() => {
          const model = new Model();
          const real = new TreeDriver();
          for (const id of [1n, 2n]) {
            const op: TreeTxnOp = {
              op: "createSession",
              sessionId: sessionId(id),
              timeoutMs: 30_000,
              password: passwordFor(id),
            };
            model.apply(op, 0n, real.nextZxid);
            real.apply(op);
          }
          return { model, real };
        }, sequence);
      }),
      { numRuns: 200 },
    );
  });
});
