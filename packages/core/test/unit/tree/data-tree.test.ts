// Goal: each operation of the data tree behaves as ZooKeeper's DataTree does, outcome, stat and
// watch changes alike: creates of every supported mode (sequential names from the parent's
// cversion, ephemeral ownership), delete and setData with expected versions, multi atomicity with
// the failing item's code and RolledBack for the others, and sessions (ephemerals vanish on
// closeSession and only then; a create racing the close fails with SessionExpired, ZOOKEEPER-1208).
// Every refusal is checked to change nothing but lastZxid.
//
// Method: example transactions applied through TreeDriver, each followed by assertions on the
// outcome, the changes list and the reads; a tree's digest is compared before and after every
// refused operation. Limits (childrenPerNodeMax, the sequence counter's end) are reached by a
// small limit and by restoring a crafted snapshot.

import { describe, expect, it } from "vitest";
import type { CreateResult, MultiResult } from "../../../src/protocol/client-messages.js";
import { epoch, sessionId } from "../../../src/protocol/ids.js";
import { type Zxid, zxid } from "../../../src/protocol/zxid.js";
import { DataTree } from "../../../src/tree/data-tree.js";
import { SEQUENCE_MAX } from "../../../src/tree/path.js";
import type { TreeApplied } from "../../../src/tree/tree-applied.js";
import { encodeTreeSnapshot } from "../../../src/tree/tree-snapshot.js";
import { TreeState } from "../../../src/tree/tree-state.js";
import type { TreeTxnOp } from "../../../src/tree/tree-txn.js";
import { ZNode } from "../../../src/tree/znode.js";
import { create, expectZabError, passwordFor, statOf, TreeDriver, timeAt, txnAt } from "./tree-helpers.js";

const text = new TextEncoder();
const z = (counter: number): Zxid => zxid(epoch(1), counter);

/** Applies `op` and expects the failure `code`, with no change but lastZxid. */
function expectRefused(
  driver: TreeDriver,
  op: TreeTxnOp,
  code: string,
  options?: Parameters<TreeDriver["apply"]>[1],
): TreeApplied {
  const before = { digest: driver.tree.digest(), snapshot: driver.tree.snapshot() };
  const applied = driver.apply(op, options);
  expect(applied.outcome).toStrictEqual({ op: "error", failedOp: op.op, code });
  expect(applied.changes).toStrictEqual([]);
  expect(driver.tree.digest()).toBe(before.digest);
  expect(driver.tree.lastZxid).toBe(applied.zxid);
  // Byte-identical but for the snapshot's zxid (bytes 5 to 12).
  expect(driver.tree.snapshot().subarray(13)).toStrictEqual(before.snapshot.subarray(13));
  return applied;
}

describe("an empty tree", () => {
  it("holds the root alone, with a zero stat", () => {
    const tree = new DataTree();
    expect(tree.lastZxid).toBe(0n);
    expect(tree.getData("/")).toStrictEqual({
      op: "getData",
      data: new Uint8Array(0),
      stat: {
        czxid: 0n,
        mzxid: 0n,
        pzxid: 0n,
        ctime: 0,
        mtime: 0,
        version: 0,
        cversion: 0,
        ephemeralOwner: 0n,
        dataLength: 0,
        numChildren: 0,
      },
    });
    expect(tree.getChildren("/").children).toStrictEqual([]);
    expect(tree.sessions()).toStrictEqual([]);
    const error = expectZabError(() => tree.getData("/missing"), "NoNode");
    expect(error.path).toBe("/missing");
    expectZabError(() => tree.exists("/missing"), "NoNode");
    expectZabError(() => tree.getChildren("/missing"), "NoNode");
  });

  it("refuses a transaction that does not move lastZxid forward", () => {
    const tree = new DataTree();
    tree.apply(txnAt(2, create("/a")));
    expect(() => tree.apply(txnAt(2, create("/b")))).toThrow("applied 0x0000000100000002 after");
    expect(() => tree.apply(txnAt(1, create("/b")))).toThrow("applied");
  });
});

describe("create", () => {
  it("creates a node with its stat, updates the parent, and reports the changes", () => {
    const driver = new TreeDriver();
    const applied = driver.apply(create("/a", { data: "hello" }), { cxid: 77 });
    expect(applied.cxid).toBe(77);
    expect(applied.sessionId).toBe(0n);
    expect(applied.zxid).toBe(z(1));
    const stat = {
      czxid: z(1),
      mzxid: z(1),
      pzxid: z(1),
      ctime: timeAt(1),
      mtime: timeAt(1),
      version: 0,
      cversion: 0,
      ephemeralOwner: 0n,
      dataLength: 5,
      numChildren: 0,
    };
    expect(applied.outcome).toStrictEqual({ op: "create", path: "/a", stat });
    expect(applied.changes).toStrictEqual([
      { type: "nodeCreated", path: "/a" },
      { type: "nodeChildrenChanged", path: "/" },
    ]);
    expect(driver.tree.getData("/a")).toStrictEqual({ op: "getData", data: text.encode("hello"), stat });
    expect(statOf(driver.tree, "/")).toMatchObject({ pzxid: z(1), cversion: 1, numChildren: 1 });

    driver.apply(create("/a/b"));
    expect(statOf(driver.tree, "/a")).toMatchObject({
      pzxid: z(2),
      cversion: 1,
      numChildren: 1,
      mzxid: z(1),
    });
    expect(driver.apply(create("/a/b/c")).changes).toStrictEqual([
      { type: "nodeCreated", path: "/a/b/c" },
      { type: "nodeChildrenChanged", path: "/a/b" },
    ]);
  });

  it("keeps children sorted and returns copies", () => {
    const driver = new TreeDriver();
    for (const name of ["m", "b", "z", "a", "é", "B"]) driver.apply(create(`/${name}`));
    const children = driver.tree.getChildren("/").children;
    expect(children).toStrictEqual(["B", "a", "b", "m", "z", "é"]);
    (children as string[]).push("forged");
    const data = driver.tree.getData("/a").data;
    data.fill(1);
    expect(driver.tree.getChildren("/").children).toHaveLength(6);
  });

  it("refuses, in ZooKeeper's order, and changes nothing", () => {
    const driver = new TreeDriver();
    const session = driver.openSession(9n);
    driver.apply(create("/a"));
    driver.apply(create("/e", { mode: "ephemeral" }), { sessionId: session });
    expectRefused(driver, create("/a"), "NodeExists");
    expectRefused(driver, create("/"), "NodeExists");
    expectRefused(driver, create("/missing/b"), "NoNode");
    expectRefused(driver, create("/e/child"), "NoChildrenForEphemerals");
    expectRefused(driver, create("/e", { mode: "persistent" }), "NodeExists");
    expectRefused(driver, create("/a//b"), "Invalid");
    expectRefused(driver, create("/a/"), "Invalid");
    expectRefused(driver, create("/c", { mode: "container" }), "Invalid");
    expectRefused(driver, create("/t", { mode: "persistentWithTtl" }), "Invalid");
    expectRefused(driver, { ...create("/t"), ttlMs: 5 }, "Invalid");
    // An ephemeral node needs a session; a system transaction has none.
    expectRefused(driver, create("/x", { mode: "ephemeral" }), "SessionExpired");
  });

  it("names sequential nodes from the parent's cversion, which deletes do not change", () => {
    const driver = new TreeDriver();
    driver.apply(create("/q"));
    const first = driver.apply(create("/q/item-", { mode: "persistentSequential" })).outcome as CreateResult;
    expect(first.path).toBe("/q/item-0000000000");
    driver.apply(create("/q/plain"));
    expect(
      (driver.apply(create("/q/item-", { mode: "persistentSequential" })).outcome as CreateResult).path,
    ).toBe("/q/item-0000000002");
    driver.apply({ op: "delete", path: "/q/plain", version: -1 });
    expect(statOf(driver.tree, "/q").cversion).toBe(3);
    const third = driver.apply(create("/q/", { mode: "persistentSequential" }));
    expect(third.outcome).toMatchObject({ op: "create", path: "/q/0000000003" });
    expect(third.changes).toStrictEqual([
      { type: "nodeCreated", path: "/q/0000000003" },
      { type: "nodeChildrenChanged", path: "/q" },
    ]);
    expect((driver.apply(create("/", { mode: "persistentSequential" })).outcome as CreateResult).path).toBe(
      "/0000000001",
    );
    expect(driver.tree.getChildren("/q").children).toStrictEqual([
      "0000000003",
      "item-0000000000",
      "item-0000000002",
    ]);
  });

  it("gives an ephemeral sequential node to its session", () => {
    const driver = new TreeDriver();
    const session = driver.openSession(3n);
    driver.apply(create("/locks"));
    const applied = driver.apply(create("/locks/lock-", { mode: "ephemeralSequential", data: "me" }), {
      sessionId: session,
    });
    expect(applied.outcome).toMatchObject({
      op: "create",
      path: "/locks/lock-0000000000",
      stat: { ephemeralOwner: session, dataLength: 2 },
    });
    expect(driver.tree.session(session)?.ephemeralCount).toBe(1);
  });

  it("stops at childrenPerNodeMax, deterministically", () => {
    const driver = new TreeDriver({ childrenPerNodeMax: 2 });
    driver.apply(create("/a"));
    driver.apply(create("/b"));
    expectRefused(driver, create("/c"), "Invalid");
    driver.apply(create("/a/x"));
    driver.apply({ op: "delete", path: "/b", version: -1 });
    expect(driver.apply(create("/c")).outcome.op).toBe("create");
  });

  it("refuses a sequential create once the counter would pass 9,999,999,999, and never wraps", () => {
    // A tree whose /q has created SEQUENCE_MAX children, built as a snapshot: applying that many
    // creates is out of reach.
    const state = TreeState.withRoot();
    state.insertNode(
      "/q",
      new ZNode({
        data: new Uint8Array(0),
        czxid: z(1),
        mzxid: z(1),
        pzxid: z(1),
        ctime: 0,
        mtime: 0,
        version: 0,
        cversion: SEQUENCE_MAX,
        ephemeralOwner: sessionId(0n),
      }),
    );
    const tree = new DataTree();
    tree.restore(encodeTreeSnapshot(state, z(1)), z(1));
    // The stat reports the exact counter modulo 2^32 as an int32, like ZooKeeper's Java int.
    expect(statOf(tree, "/q").cversion).toBe(SEQUENCE_MAX | 0);
    const last = tree.apply(txnAt(2, create("/q/n-", { mode: "persistentSequential" })));
    expect(last.outcome).toMatchObject({ op: "create", path: "/q/n-9999999999" });
    const digest = tree.digest();
    const refused = tree.apply(txnAt(3, create("/q/n-", { mode: "persistentSequential" })));
    expect(refused.outcome).toStrictEqual({ op: "error", failedOp: "create", code: "Invalid" });
    expect(tree.digest()).toBe(digest);
    // Non-sequential children still come and go.
    expect(tree.apply(txnAt(4, create("/q/plain"))).outcome.op).toBe("create");
  });
});

describe("delete and setData", () => {
  it("delete checks the version and the children, then reports the changes", () => {
    const driver = new TreeDriver();
    driver.apply(create("/a"));
    driver.apply(create("/a/b"));
    driver.apply({ op: "setData", path: "/a/b", data: text.encode("1"), version: 0 });
    expectRefused(driver, { op: "delete", path: "/a/b", version: 0 }, "BadVersion");
    expectRefused(driver, { op: "delete", path: "/a", version: -1 }, "NotEmpty");
    expectRefused(driver, { op: "delete", path: "/nope", version: -1 }, "NoNode");
    expectRefused(driver, { op: "delete", path: "/", version: -1 }, "Invalid");
    const applied = driver.apply({ op: "delete", path: "/a/b", version: 1 });
    expect(applied.outcome).toStrictEqual({ op: "delete" });
    expect(applied.changes).toStrictEqual([
      { type: "nodeDeleted", path: "/a/b" },
      { type: "nodeChildrenChanged", path: "/a" },
    ]);
    expect(statOf(driver.tree, "/a")).toMatchObject({ numChildren: 0, cversion: 1, pzxid: applied.zxid });
    expect(driver.apply({ op: "delete", path: "/a", version: -1 }).outcome.op).toBe("delete");
    expect(driver.tree.getChildren("/").children).toStrictEqual([]);
  });

  it("setData checks the version, bumps it and stamps mzxid and mtime", () => {
    const driver = new TreeDriver();
    driver.apply(create("/a", { data: "old" }));
    expectRefused(driver, { op: "setData", path: "/a", data: text.encode("x"), version: 3 }, "BadVersion");
    expectRefused(driver, { op: "setData", path: "/b", data: text.encode("x"), version: -1 }, "NoNode");
    const applied = driver.apply({ op: "setData", path: "/a", data: text.encode("new!"), version: 0 });
    const stat = statOf(driver.tree, "/a");
    expect(applied.outcome).toStrictEqual({ op: "setData", stat });
    expect(stat).toMatchObject({
      version: 1,
      mzxid: applied.zxid,
      czxid: z(1),
      mtime: timeAt(4),
      dataLength: 4,
    });
    expect(applied.changes).toStrictEqual([{ type: "nodeDataChanged", path: "/a" }]);
    driver.apply({ op: "setData", path: "/a", data: new Uint8Array(0), version: -1 });
    expect(driver.tree.getData("/a")).toMatchObject({ data: new Uint8Array(0), stat: { version: 2 } });
    // The root's data can be set, as in ZooKeeper.
    expect(driver.apply({ op: "setData", path: "/", data: text.encode("r"), version: 0 }).outcome.op).toBe(
      "setData",
    );
  });
});

describe("multi", () => {
  it("applies every operation in order, each seeing the ones before", () => {
    const driver = new TreeDriver();
    driver.apply(create("/a", { data: "1" }));
    const applied = driver.apply({
      op: "multi",
      ops: [
        { op: "check", path: "/a", version: 0 },
        create("/a/b"),
        create("/a/b/s-", { mode: "persistentSequential" }),
        { op: "setData", path: "/a", data: text.encode("2"), version: 0 },
        { op: "delete", path: "/a/b/s-0000000000", version: 0 },
      ],
    });
    const outcome = applied.outcome as MultiResult;
    expect(outcome.results.map((result) => result.op)).toStrictEqual([
      "check",
      "create",
      "create",
      "setData",
      "delete",
    ]);
    expect(outcome.results[2]).toMatchObject({ path: "/a/b/s-0000000000" });
    expect(applied.changes).toStrictEqual([
      { type: "nodeCreated", path: "/a/b" },
      { type: "nodeChildrenChanged", path: "/a" },
      { type: "nodeCreated", path: "/a/b/s-0000000000" },
      { type: "nodeChildrenChanged", path: "/a/b" },
      { type: "nodeDataChanged", path: "/a" },
      { type: "nodeDeleted", path: "/a/b/s-0000000000" },
      { type: "nodeChildrenChanged", path: "/a/b" },
    ]);
    expect(statOf(driver.tree, "/a/b")).toMatchObject({ cversion: 1, numChildren: 0 });
    expect(driver.tree.recomputeDigest()).toBe(driver.tree.digest());
  });

  it("changes nothing when one operation fails, which reports its code and the others RolledBack", () => {
    const driver = new TreeDriver();
    const session = driver.openSession(4n);
    driver.apply(create("/a", { data: "1" }));
    driver.apply(create("/a/old"));
    driver.apply(create("/e", { mode: "ephemeral" }), { sessionId: session });
    const before = { digest: driver.tree.digest(), snapshot: driver.tree.snapshot() };
    const applied = driver.apply(
      {
        op: "multi",
        ops: [
          create("/a/new", { data: "x" }),
          create("/a/seq-", { mode: "ephemeralSequential" }),
          { op: "setData", path: "/a", data: text.encode("2"), version: -1 },
          { op: "delete", path: "/a/old", version: -1 },
          { op: "delete", path: "/e", version: -1 },
          { op: "check", path: "/a", version: 0 },
          create("/never"),
        ],
      },
      { sessionId: session },
    );
    expect(applied.outcome).toStrictEqual({
      op: "multi",
      results: [
        { op: "error", failedOp: "create", code: "RolledBack" },
        { op: "error", failedOp: "create", code: "RolledBack" },
        { op: "error", failedOp: "setData", code: "RolledBack" },
        { op: "error", failedOp: "delete", code: "RolledBack" },
        { op: "error", failedOp: "delete", code: "RolledBack" },
        // /a's version is 1 after the setData inside this multi.
        { op: "error", failedOp: "check", code: "BadVersion" },
        { op: "error", failedOp: "create", code: "RolledBack" },
      ],
    });
    expect(applied.changes).toStrictEqual([]);
    expect(driver.tree.digest()).toBe(before.digest);
    expect(driver.tree.recomputeDigest()).toBe(before.digest);
    // Byte-identical but for the snapshot's zxid (bytes 5 to 12).
    expect(driver.tree.snapshot().subarray(13)).toStrictEqual(before.snapshot.subarray(13));
    expect(driver.tree.getChildren("/a").children).toStrictEqual(["old"]);
    expect(driver.tree.session(session)?.ephemeralCount).toBe(1);
    // The sequence counter is back too: the next sequential child gets the number it would have.
    const next = driver.apply(create("/a/seq-", { mode: "persistentSequential" }));
    expect(next.outcome).toMatchObject({ path: "/a/seq-0000000001" });
  });

  it("reports the first failure only, with each kind of failure", () => {
    const driver = new TreeDriver();
    driver.apply(create("/a"));
    const cases: [TreeTxnOp & { op: "multi" }, number, string][] = [
      [{ op: "multi", ops: [create("/b"), create("/b")] }, 1, "NodeExists"],
      [{ op: "multi", ops: [{ op: "check", path: "/zz", version: -1 }, create("/b")] }, 0, "NoNode"],
      [{ op: "multi", ops: [create("/b"), { op: "delete", path: "/a", version: 9 }] }, 1, "BadVersion"],
      [{ op: "multi", ops: [create("/a/c"), { op: "delete", path: "/a", version: -1 }] }, 1, "NotEmpty"],
      [{ op: "multi", ops: [create("/c", { mode: "container" })] }, 0, "Invalid"],
    ];
    for (const [multi, failing, code] of cases) {
      const applied = expectMultiFailure(driver, multi);
      applied.results.forEach((result, index) => {
        expect(result).toMatchObject({ op: "error", code: index === failing ? code : "RolledBack" });
      });
    }
    expect(driver.tree.getChildren("/").children).toStrictEqual(["a"]);
  });

  it("accepts an empty multi", () => {
    const driver = new TreeDriver();
    expect(driver.apply({ op: "multi", ops: [] }).outcome).toStrictEqual({ op: "multi", results: [] });
  });
});

function expectMultiFailure(driver: TreeDriver, multi: TreeTxnOp & { op: "multi" }): MultiResult {
  const digest = driver.tree.digest();
  const applied = driver.apply(multi);
  expect(driver.tree.digest()).toBe(digest);
  expect(applied.changes).toStrictEqual([]);
  expect(applied.outcome.op).toBe("multi");
  return applied.outcome as MultiResult;
}

describe("sessions", () => {
  it("creates a session with its secret, and refuses id 0 or an id already open", () => {
    const driver = new TreeDriver();
    const password = passwordFor(8n);
    const applied = driver.apply({
      op: "createSession",
      sessionId: sessionId(8n),
      timeoutMs: 4000,
      password,
    });
    expect(applied.outcome).toStrictEqual({ op: "createSession", sessionId: 8n, timeoutMs: 4000, password });
    expect(applied.changes).toStrictEqual([]);
    expect(driver.tree.session(sessionId(8n))).toStrictEqual({
      sessionId: 8n,
      timeoutMs: 4000,
      password,
      ephemeralCount: 0,
    });
    expectRefused(
      driver,
      { op: "createSession", sessionId: sessionId(8n), timeoutMs: 1, password: new Uint8Array(16) },
      "Invalid",
    );
    expectRefused(
      driver,
      { op: "createSession", sessionId: sessionId(0n), timeoutMs: 1, password: new Uint8Array(16) },
      "Invalid",
    );
    expect(driver.tree.session(sessionId(8n))?.password).toStrictEqual(password);
    expect(driver.tree.session(sessionId(99n))).toBeUndefined();
  });

  it("lists sessions in id order with their ephemeral counts", () => {
    const driver = new TreeDriver();
    const late = driver.openSession(300n, 9000);
    const early = driver.openSession(2n, 1000);
    driver.apply(create("/e1", { mode: "ephemeral" }), { sessionId: late });
    driver.apply(create("/e2", { mode: "ephemeral" }), { sessionId: late });
    expect(driver.tree.sessions()).toStrictEqual([
      { sessionId: early, timeoutMs: 1000, password: passwordFor(2n), ephemeralCount: 0 },
      { sessionId: late, timeoutMs: 9000, password: passwordFor(300n), ephemeralCount: 2 },
    ]);
  });

  it("deletes a session's ephemerals on closeSession, in path order, and only then", () => {
    const driver = new TreeDriver();
    const mine = driver.openSession(1n);
    const other = driver.openSession(2n);
    driver.apply(create("/app"));
    driver.apply(create("/app/z", { mode: "ephemeral" }), { sessionId: mine });
    driver.apply(create("/app/m-", { mode: "ephemeralSequential" }), { sessionId: mine });
    driver.apply(create("/b", { mode: "ephemeral" }), { sessionId: mine });
    driver.apply(create("/app/theirs", { mode: "ephemeral" }), { sessionId: other });
    driver.apply(create("/app/persistent"), { sessionId: mine });
    // Writes by anyone, for a thousand transactions, leave the ephemerals alone.
    for (let index = 0; index < 1000; index++) {
      driver.apply({ op: "setData", path: "/app", data: text.encode(String(index)), version: -1 });
    }
    expect(driver.tree.getChildren("/app").children).toStrictEqual([
      "m-0000000001",
      "persistent",
      "theirs",
      "z",
    ]);

    const closed = driver.apply({ op: "closeSession", sessionId: mine }, { sessionId: mine });
    expect(closed.outcome).toStrictEqual({ op: "closeSession" });
    expect(closed.changes).toStrictEqual([
      { type: "nodeDeleted", path: "/app/m-0000000001" },
      { type: "nodeChildrenChanged", path: "/app" },
      { type: "nodeDeleted", path: "/app/z" },
      { type: "nodeChildrenChanged", path: "/app" },
      { type: "nodeDeleted", path: "/b" },
      { type: "nodeChildrenChanged", path: "/" },
    ]);
    expect(driver.tree.getChildren("/app").children).toStrictEqual(["persistent", "theirs"]);
    expect(statOf(driver.tree, "/app").pzxid).toBe(closed.zxid);
    expect(driver.tree.session(mine)).toBeUndefined();
    expect(driver.tree.sessions().map((session) => session.sessionId)).toStrictEqual([other]);
    expect(driver.tree.recomputeDigest()).toBe(driver.tree.digest());
    expectRefused(driver, { op: "closeSession", sessionId: mine }, "SessionExpired");
  });

  it("refuses every write of a closed or unknown session (a create racing the close)", () => {
    const driver = new TreeDriver();
    const session = driver.openSession(6n);
    driver.apply(create("/a"));
    driver.apply({ op: "closeSession", sessionId: session });
    expectRefused(driver, create("/e", { mode: "ephemeral" }), "SessionExpired", { sessionId: session });
    expectRefused(driver, create("/p"), "SessionExpired", { sessionId: session });
    expectRefused(driver, { op: "delete", path: "/a", version: -1 }, "SessionExpired", {
      sessionId: session,
    });
    expectRefused(
      driver,
      { op: "setData", path: "/a", data: new Uint8Array(1), version: -1 },
      "SessionExpired",
      {
        sessionId: sessionId(12345n),
      },
    );
    expectRefused(driver, { op: "multi", ops: [create("/m")] }, "SessionExpired", { sessionId: session });
    expect(driver.tree.getChildren("/").children).toStrictEqual(["a"]);
  });
});

describe("applied at a zxid", () => {
  it("stamps the zxid of the transaction, not the count of applies", () => {
    const tree = new DataTree();
    const applied = tree.apply({ ...txnAt(1, create("/a")), zxid: zxid(epoch(7), 3) });
    expect(applied.zxid).toBe(zxid(epoch(7), 3));
    expect(statOf(tree, "/a").czxid).toBe(zxid(epoch(7), 3));
    expect(tree.lastZxid).toBe(zxid(epoch(7), 3));
  });
});
