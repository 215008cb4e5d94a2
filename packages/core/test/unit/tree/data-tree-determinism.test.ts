// Goal: the data tree is a deterministic replicated state machine whose digest identifies its
// state. Two trees applying the same transactions hold equal digests at every zxid and write
// byte-identical snapshots; snapshot → restore gives the same digest, reads, snapshot bytes and
// future behaviour; the incremental digest always equals a from-scratch recomputation; different
// states (e.g. the same operations in another order) have different digests; and a corrupt or
// mismatched snapshot is refused with ZabError "Corrupt", leaving the tree as it was
// (research/reliability.md scenario 32 and bad input 22).
//
// Method: fast-check properties over random transaction sequences from tree-arbitraries.ts,
// checked after every transaction where cheap; a property over pairs of sequences that the
// digests are equal exactly when the snapshot bodies are; golden digests of two small trees;
// single-byte mutations and truncations of real snapshots, each of which must be detected.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { epoch } from "../../../src/protocol/ids.js";
import { zxid } from "../../../src/protocol/zxid.js";
import { DataTree } from "../../../src/tree/data-tree.js";
import { replay, treeStepsArbitrary } from "./tree-arbitraries.js";
import { create, expectZabError, readAll, TreeDriver, txnAt } from "./tree-helpers.js";

// Snapshot layout: magic 0..3 | version 4 | zxid 5..12 | digest 13..20 | sessions and nodes 21..
const SNAPSHOT_BODY_OFFSET = 21;

describe("determinism", () => {
  it("two trees applying the same transactions agree at every zxid and write identical snapshots", () => {
    fc.assert(
      fc.property(treeStepsArbitrary, (steps) => {
        const first = replay(steps);
        const second = new DataTree();
        for (const txn of first.txns) {
          second.apply(txn);
        }
        expect(second.digest()).toBe(first.tree.digest());
        expect(second.snapshot()).toStrictEqual(first.tree.snapshot());
        expect(readAll(second)).toStrictEqual(readAll(first.tree));
      }),
      { numRuns: 200 },
    );
  });

  it("keeps the incremental digest equal to a recomputation after every transaction", () => {
    fc.assert(
      fc.property(treeStepsArbitrary, (steps) => {
        const driver = new TreeDriver();
        for (const step of steps) {
          driver.apply(step.op, { sessionId: step.sessionId });
          expect(driver.tree.digest()).toBe(driver.tree.recomputeDigest());
        }
      }),
      { numRuns: 200 },
    );
  });

  it("restores a snapshot to the same digest, reads and bytes, and behaves the same afterwards", () => {
    fc.assert(
      fc.property(treeStepsArbitrary, fc.nat(), (steps, cut) => {
        const original = replay(steps);
        const at = cut % (original.txns.length + 1);
        const prefix = new DataTree();
        for (const txn of original.txns.slice(0, at)) prefix.apply(txn);

        const restored = new DataTree();
        restored.apply(txnAt(1, create("/stale")));
        restored.restore(prefix.snapshot(), prefix.lastZxid);
        expect(restored.lastZxid).toBe(prefix.lastZxid);
        expect(restored.digest()).toBe(prefix.digest());
        expect(restored.recomputeDigest()).toBe(prefix.digest());
        expect(restored.sessions()).toStrictEqual(prefix.sessions());
        expect(readAll(restored)).toStrictEqual(readAll(prefix));
        expect(restored.snapshot()).toStrictEqual(prefix.snapshot());

        // The rest of the log applies to the restored tree exactly as to the original.
        for (const txn of original.txns.slice(at)) {
          expect(restored.apply(txn)).toStrictEqual(prefix.apply(txn));
        }
        expect(restored.digest()).toBe(original.tree.digest());
        expect(restored.snapshot()).toStrictEqual(original.tree.snapshot());
      }),
      { numRuns: 200 },
    );
  });

  it("gives different states different digests, and equal states equal ones", () => {
    fc.assert(
      fc.property(treeStepsArbitrary, treeStepsArbitrary, (left, right) => {
        const a = replay(left).tree;
        const b = replay(right).tree;
        const sameBody = Buffer.from(a.snapshot().subarray(SNAPSHOT_BODY_OFFSET)).equals(
          b.snapshot().subarray(SNAPSHOT_BODY_OFFSET),
        );
        expect(a.digest() === b.digest()).toBe(sameBody);
      }),
      { numRuns: 300 },
    );
  });

  it("tells apart the same operations applied in another order", () => {
    const ab = new TreeDriver();
    ab.apply(create("/a"));
    ab.apply(create("/b"));
    const ba = new TreeDriver();
    ba.apply(create("/b"));
    ba.apply(create("/a"));
    expect(ab.tree.getChildren("/").children).toStrictEqual(ba.tree.getChildren("/").children);
    expect(ab.tree.digest()).not.toBe(ba.tree.digest());

    const text = new TextEncoder();
    const xy = new TreeDriver();
    const yx = new TreeDriver();
    for (const driver of [xy, yx]) driver.apply(create("/n"));
    xy.apply({ op: "setData", path: "/n", data: text.encode("x"), version: -1 });
    xy.apply({ op: "setData", path: "/n", data: text.encode("y"), version: -1 });
    yx.apply({ op: "setData", path: "/n", data: text.encode("y"), version: -1 });
    yx.apply({ op: "setData", path: "/n", data: text.encode("x"), version: -1 });
    expect(xy.tree.digest()).not.toBe(yx.tree.digest());
  });

  it("pins the digest of known trees: snapshots store it, so a change is a format change", () => {
    expect(new DataTree().digest()).toBe(0x9e75ac1ea9422220n);
    const driver = new TreeDriver();
    const session = driver.openSession(1n);
    driver.apply(create("/a", { data: "hello" }));
    driver.apply(create("/a/e-", { mode: "ephemeralSequential" }), { sessionId: session });
    expect(driver.tree.digest()).toBe(0x93d1ffe21cb0529an);
  });

  it("digests the empty tree the same everywhere", () => {
    expect(new DataTree().digest()).toBe(new DataTree().digest());
    expect(new DataTree().digest()).toBe(new DataTree().recomputeDigest());
    const restored = new DataTree();
    restored.restore(new DataTree().snapshot(), zxid(epoch(0), 0));
    expect(restored.digest()).toBe(new DataTree().digest());
  });
});

describe("restoring a corrupt snapshot", () => {
  /** A populated tree with ephemerals, sequentials and data, and its snapshot. */
  function populated(): { tree: DataTree; snapshot: Uint8Array } {
    const driver = new TreeDriver();
    const session = driver.openSession(11n);
    driver.apply(create("/app", { data: "config" }));
    driver.apply(create("/app/q-", { mode: "persistentSequential", data: "job" }));
    driver.apply(create("/app/lock-", { mode: "ephemeralSequential" }), { sessionId: session });
    driver.apply({ op: "setData", path: "/app", data: new Uint8Array([1, 2, 3]), version: 0 });
    return { tree: driver.tree, snapshot: driver.tree.snapshot() };
  }

  it("refuses any single-byte change, leaving the tree as it was", () => {
    const { tree, snapshot } = populated();
    const victim = new TreeDriver();
    victim.apply(create("/mine"));
    const before = {
      digest: victim.tree.digest(),
      snapshot: victim.tree.snapshot(),
      zxid: victim.tree.lastZxid,
    };
    fc.assert(
      fc.property(fc.nat(snapshot.byteLength - 1), fc.integer({ min: 1, max: 255 }), (at, delta) => {
        const bytes = snapshot.slice();
        bytes[at] = ((bytes[at] as number) + delta) & 0xff;
        expectZabError(() => victim.tree.restore(bytes, tree.lastZxid), "Corrupt");
        expect(victim.tree.digest()).toBe(before.digest);
        expect(victim.tree.lastZxid).toBe(before.zxid);
      }),
      { numRuns: 1000 },
    );
    expect(victim.tree.snapshot()).toStrictEqual(before.snapshot);
    expect(victim.tree.getChildren("/").children).toStrictEqual(["mine"]);
  });

  it("refuses truncation, trailing bytes, another zxid and a wrong digest, with a reason", () => {
    const { tree, snapshot } = populated();
    const target = new DataTree();
    for (let length = 0; length < snapshot.byteLength; length += 7) {
      expectZabError(() => target.restore(snapshot.subarray(0, length), tree.lastZxid), "Corrupt");
    }
    const trailing = new Uint8Array(snapshot.byteLength + 1);
    trailing.set(snapshot);
    expect(expectZabError(() => target.restore(trailing, tree.lastZxid), "Corrupt").message).toContain(
      "trailing bytes",
    );
    expect(expectZabError(() => target.restore(snapshot, zxid(epoch(1), 99)), "Corrupt").message).toContain(
      "holds 0x0000000100000005 but is restored as 0x0000000100000063",
    );
    const wrongDigest = snapshot.slice();
    wrongDigest[20] = (wrongDigest[20] as number) ^ 1;
    expect(expectZabError(() => target.restore(wrongDigest, tree.lastZxid), "Corrupt").message).toMatch(
      /digest 0x[0-9a-f]{16} of the restored tree differs from the stored/,
    );
    const wrongMagic = snapshot.slice();
    wrongMagic[0] = 0;
    expect(expectZabError(() => target.restore(wrongMagic, tree.lastZxid), "Corrupt").message).toContain(
      "bad magic",
    );
    expect(target.getChildren("/").children).toStrictEqual([]);
  });
});
