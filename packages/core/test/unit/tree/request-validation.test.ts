// Goal: validateTreeOp refuses, before anything is proposed, every client operation no state of
// the tree could make valid — bad paths (research/reliability.md bad input 16), data over
// nodeDataBytesMax and a multi over multiOpsMax or multiBytesMax (bad input 15), a `check`
// outside a multi (bad input 20), container and TTL modes — with ZabError "Invalid" naming the
// path, and accepts the operations the data tree applies. treeLimits checks its configuration.
//
// Method: example tables for each rule at and just past each limit, a property that every
// operation accepted by validateTreeOp encodes into a transaction no larger than the limits
// imply, and assertions on treeLimits' refusals.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ClientOp, MultiItemOp } from "../../../src/protocol/client-messages.js";
import { sessionId } from "../../../src/protocol/ids.js";
import { ZXID_ZERO } from "../../../src/protocol/zxid.js";
import { validateTreeOp } from "../../../src/tree/request-validation.js";
import { TREE_LIMITS_DEFAULT, treeLimits } from "../../../src/tree/tree-limits.js";
import { encodeTreeTxn } from "../../../src/tree/tree-txn-codec.js";
import { create, expectZabError } from "./tree-helpers.js";

const limits = treeLimits({ pathBytesMax: 64, nodeDataBytesMax: 100, multiOpsMax: 3, multiBytesMax: 400 });

function bytes(length: number): Uint8Array {
  return new Uint8Array(length);
}

describe("validateTreeOp", () => {
  it("accepts valid operations of every kind", () => {
    const valid: (ClientOp | MultiItemOp)[] = [
      { ...create("/a"), data: bytes(100) },
      create("/q/", { mode: "persistentSequential" }),
      create("/", { mode: "ephemeralSequential" }),
      create("/e", { mode: "ephemeral" }),
      create("/"),
      { op: "delete", path: "/a", version: -1 },
      { op: "setData", path: "/", data: bytes(100), version: 3 },
      { op: "multi", ops: [] },
      {
        op: "multi",
        ops: [
          create("/a"),
          { op: "check", path: "/a", version: 0 },
          { op: "delete", path: "/a", version: 0 },
        ],
      },
      { op: "getData", path: "/a", watch: true },
      { op: "exists", path: "/a", watch: false },
      { op: "getChildren", path: "/", watch: false },
      { op: "sync", path: "/" },
      { op: "addWatch", path: "/a", mode: "persistentRecursive", fromZxid: ZXID_ZERO },
      { op: "removeWatches", path: "/a", watcherType: "any" },
      { op: "ping" },
      { op: "closeSession" },
    ];
    const label = (op: ClientOp | MultiItemOp) =>
      JSON.stringify(op, (_key, value: unknown) => (typeof value === "bigint" ? `${value}n` : value));
    for (const op of valid) expect(() => validateTreeOp(op, limits), label(op)).not.toThrow();
  });

  it.each([
    ["a relative path", create("/a/../b"), "/a/../b", 'relative segment ".."'],
    ["an empty segment", { op: "delete", path: "/a//b", version: -1 }, "/a//b", "empty segment"],
    ["a trailing slash", { op: "setData", path: "/a/", data: bytes(0), version: -1 }, "/a/", "must not end"],
    ["no leading slash", { op: "getData", path: "a", watch: false }, "a", 'must start with "/"'],
    ["an empty path", { op: "exists", path: "", watch: false }, "", "is empty"],
    ["a NUL", { op: "getChildren", path: "/a\u0000", watch: false }, "/a\u0000", "U+0000"],
    ["a long path", create(`/${"p".repeat(64)}`), `/${"p".repeat(64)}`, "65 bytes, over pathBytesMax 64"],
    [
      "a sequential path too long with its suffix",
      create(`/${"p".repeat(54)}`, { mode: "persistentSequential" }),
      `/${"p".repeat(54)}`,
      "65 bytes",
    ],
    [
      "oversize create data",
      { ...create("/a"), data: bytes(101) },
      "/a",
      '101 bytes for "/a" exceeds nodeDataBytesMax 100',
    ],
    [
      "oversize setData",
      { op: "setData", path: "/a", data: bytes(101), version: -1 },
      "/a",
      "nodeDataBytesMax",
    ],
    ["a container", create("/c", { mode: "container" }), "/c", "container is not supported yet"],
    ["a TTL node", create("/t", { mode: "persistentSequentialWithTtl" }), "/t", "not supported yet"],
    ["a TTL on a plain node", { ...create("/t"), ttlMs: 1000 }, "/t", "ttlMs 1000 given"],
    ["deleting the root", { op: "delete", path: "/", version: -1 }, "/", "root cannot be deleted"],
    ["a standalone check", { op: "check", path: "/a", version: 1 }, "/a", "only valid inside a multi"],
    [
      "a bad path inside a multi",
      { op: "multi", ops: [create("/ok"), { op: "check", path: "/x/.", version: 0 }] },
      "/x/.",
      "relative segment",
    ],
  ] as [string, ClientOp | MultiItemOp, string, string][])("refuses %s", (_, op, path, reason) => {
    const error = expectZabError(() => validateTreeOp(op, limits), "Invalid");
    expect(error.path).toBe(path);
    expect(error.message).toContain(reason);
  });

  it("bounds a multi by operations and by bytes", () => {
    const four = { op: "multi", ops: [create("/a"), create("/b"), create("/c"), create("/d")] } as const;
    expect(expectZabError(() => validateTreeOp(four, limits), "Invalid").message).toContain(
      "multi of 4 operations exceeds multiOpsMax 3",
    );
    // 3 × (2 path bytes + 100 data bytes) = 306 bytes: within 400, over 305 at the third.
    const fits = {
      op: "multi",
      ops: [0, 1, 2].map((index) => ({ ...create(`/${index}`), data: bytes(100) })),
    } as const;
    expect(() => validateTreeOp(fits, limits)).not.toThrow();
    const tooBig = treeLimits({ ...limits, multiBytesMax: 305 });
    const error = expectZabError(() => validateTreeOp(fits, tooBig), "Invalid");
    expect(error.message).toContain("multiBytesMax 305");
    expect(error.path).toBe("/2");
  });

  it("keeps every accepted operation's transaction within the limits it implies", () => {
    const name = fc.stringMatching(/^[a-zé日]{1,8}$/);
    const path = fc.array(name, { minLength: 1, maxLength: 4 }).map((segments) => `/${segments.join("/")}`);
    const item: fc.Arbitrary<MultiItemOp> = fc.oneof(
      fc.record({
        op: fc.constant("create"),
        path,
        data: fc.uint8Array({ maxLength: 120 }),
        mode: fc.constantFrom("persistent", "ephemeralSequential"),
        ttlMs: fc.constant(0),
      }),
      fc.record({
        op: fc.constant("setData"),
        path,
        data: fc.uint8Array({ maxLength: 120 }),
        version: fc.constant(-1),
      }),
      fc.record({ op: fc.constant("delete"), path, version: fc.constant(-1) }),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 5 }), (ops) => {
        let accepted = true;
        try {
          validateTreeOp({ op: "multi", ops }, limits);
        } catch {
          accepted = false;
        }
        fc.pre(accepted);
        const payload = encodeTreeTxn({
          sessionId: sessionId(1n),
          cxid: 0,
          timeMs: 0,
          op: { op: "multi", ops },
        });
        // 22 bytes of header and 4 of count; per operation at most 18 bytes besides path and data.
        expect(payload.byteLength).toBeLessThanOrEqual(26 + limits.multiBytesMax + 18 * limits.multiOpsMax);
      }),
    );
  });
});

describe("treeLimits", () => {
  it("completes the defaults", () => {
    expect(treeLimits()).toStrictEqual(TREE_LIMITS_DEFAULT);
    expect(treeLimits({ multiOpsMax: 5 })).toStrictEqual({ ...TREE_LIMITS_DEFAULT, multiOpsMax: 5 });
    expect(Object.isFrozen(treeLimits())).toBe(true);
  });

  it("refuses limits that are not positive integers or that cannot hold one operation", () => {
    expect(() => treeLimits({ pathBytesMax: 0 })).toThrow("pathBytesMax must be a positive integer");
    expect(() => treeLimits({ nodeDataBytesMax: 1.5 })).toThrow("nodeDataBytesMax");
    expect(() => treeLimits({ childrenPerNodeMax: Number.NaN })).toThrow("childrenPerNodeMax");
    expect(() => treeLimits({ multiBytesMax: 1024 * 1024 })).toThrow("cannot hold one operation");
  });
});
