// Goal: a data tree transaction survives encode → decode exactly, for every operation, and no
// payload however malformed makes the decoder do anything but return one transaction or throw
// ZabError "BadFrame"; a payload that fails to decode leaves the tree exactly as it was (same
// digest, lastZxid and snapshot). A standalone `check`, a read or an unknown op cannot be
// expressed as a transaction at all (research/reliability.md "bad inputs" 20).
//
// Method: a fast-check round-trip property over arbitrary transactions (operations from the
// codec tests' arbitraries, boundary header values); properties that every strict prefix and any
// trailing byte are refused, and that random byte strings and mutated encodings either fail with
// BadFrame or decode to a transaction that re-encodes to the same bytes; examples patching the
// op byte; restamping the time compared with re-encoding; then hostile payloads applied to a
// populated tree.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MultiItemOp } from "../../../src/protocol/client-messages.js";
import { epoch, sessionId } from "../../../src/protocol/ids.js";
import { zxid } from "../../../src/protocol/zxid.js";
import type { TreeTxn, TreeTxnOp } from "../../../src/tree/tree-txn.js";
import { decodeTreeTxn, encodeTreeTxn, restampTreeTxn } from "../../../src/tree/tree-txn-codec.js";
import {
  concat,
  expectBadFrame,
  opArbitraries,
  serverIdArbitrary,
  sessionIdArbitrary,
  u32Arbitrary,
} from "../codec/arbitraries.js";
import { create, passwordFor, TreeDriver } from "./tree-helpers.js";

const ops = opArbitraries({ large: false });

const treeTxnOpArbitraries: {
  readonly [Name in TreeTxnOp["op"]]: fc.Arbitrary<Extract<TreeTxnOp, { op: Name }>>;
} = {
  createSession: fc.record(
    {
      op: fc.constant("createSession"),
      sessionId: sessionIdArbitrary,
      timeoutMs: u32Arbitrary,
      password: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    },
    { noNullPrototype: true },
  ),
  attachSession: fc.record(
    { op: fc.constant("attachSession"), sessionId: sessionIdArbitrary, serverId: serverIdArbitrary },
    { noNullPrototype: true },
  ),
  closeSession: fc.record(
    { op: fc.constant("closeSession"), sessionId: sessionIdArbitrary },
    { noNullPrototype: true },
  ),
  create: ops.create,
  delete: ops.delete,
  setData: ops.setData,
  multi: ops.multi,
};

const treeTxnArbitrary: fc.Arbitrary<TreeTxn> = fc.record(
  {
    sessionId: sessionIdArbitrary,
    cxid: fc.oneof(
      fc.constantFrom(-1, 0, 0x7fff_ffff, -0x8000_0000),
      fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
    ),
    timeMs: fc.oneof(fc.constantFrom(0, Number.MAX_SAFE_INTEGER), fc.maxSafeNat()),
    op: fc.oneof(...Object.values(treeTxnOpArbitraries)),
  },
  { noNullPrototype: true },
);

describe("tree txn codec", () => {
  it.each(Object.keys(treeTxnOpArbitraries) as TreeTxnOp["op"][])("round-trips %s exactly", (name) => {
    fc.assert(
      fc.property(treeTxnArbitrary, treeTxnOpArbitraries[name], (txn, op) => {
        const withOp: TreeTxn = { ...txn, op };
        expect(decodeTreeTxn(encodeTreeTxn(withOp))).toStrictEqual(withOp);
      }),
    );
  });

  it("restamps the time of a transaction exactly as re-encoding it would, leaving the original unchanged", () => {
    fc.assert(
      fc.property(treeTxnArbitrary, fc.maxSafeNat(), (txn, timeMs) => {
        const payload = encodeTreeTxn(txn);
        const original = payload.slice();
        const restamped = restampTreeTxn(payload, timeMs);
        expect(restamped.payload).toStrictEqual(encodeTreeTxn({ ...txn, timeMs }));
        expect(restamped.txn).toStrictEqual({ ...txn, timeMs });
        expect(payload).toStrictEqual(original);
      }),
      { numRuns: 300 },
    );
    expectBadFrame(() => restampTreeTxn(new Uint8Array([1, 2, 3]), 5));
  });

  it("refuses every strict prefix and any trailing byte", () => {
    fc.assert(
      fc.property(treeTxnArbitrary, fc.uint8Array({ minLength: 1, maxLength: 4 }), (txn, suffix) => {
        const payload = encodeTreeTxn(txn);
        for (let length = 0; length < payload.byteLength; length++) {
          expectBadFrame(() => decodeTreeTxn(payload.subarray(0, length)));
        }
        expect(expectBadFrame(() => decodeTreeTxn(concat(payload, suffix)))).toContain("trailing bytes");
      }),
      { numRuns: 200 },
    );
  });

  it("decodes random or mutated bytes to BadFrame or to a canonical transaction", () => {
    const mutated = fc
      .tuple(treeTxnArbitrary, fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map(([txn, at, byte]) => {
        const payload = encodeTreeTxn(txn).slice();
        payload[at % payload.byteLength] = byte;
        return payload;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), (payload) => {
        let decoded: TreeTxn;
        try {
          decoded = decodeTreeTxn(payload);
        } catch {
          expectBadFrame(() => decodeTreeTxn(payload));
          return;
        }
        expect(encodeTreeTxn(decoded)).toStrictEqual(payload);
      }),
      { numRuns: 2000 },
    );
  });

  // version | sessionId@1 | cxid@9 | timeMs@13 | op@21 | fields@22
  const deleteTxn = encodeTreeTxn({
    sessionId: sessionId(1n),
    cxid: 1,
    timeMs: 1,
    op: { op: "delete", path: "/a", version: -1 },
  });

  it("cannot express a standalone check, a read or an unknown op", () => {
    const patched = (byte: number): Uint8Array => {
      const copy = deleteTxn.slice();
      copy[21] = byte;
      return copy;
    };
    // 13 is check, 4 getData, 9 sync: client op codes that are not transactions.
    expect(expectBadFrame(() => decodeTreeTxn(patched(13)))).toBe("tree txn: op at byte 21: unknown code 13");
    expect(expectBadFrame(() => decodeTreeTxn(patched(4)))).toContain("unknown code 4");
    expect(expectBadFrame(() => decodeTreeTxn(patched(9)))).toContain("unknown code 9");
    const wrongVersion = deleteTxn.slice();
    wrongVersion[0] = 2;
    expect(expectBadFrame(() => decodeTreeTxn(wrongVersion))).toContain(
      "format version 2 is not the supported 1",
    );
  });

  it("refuses a multi holding an operation a multi cannot hold", () => {
    const multi = encodeTreeTxn({
      sessionId: sessionId(1n),
      cxid: 1,
      timeMs: 1,
      op: { op: "multi", ops: [{ op: "check", path: "/a", version: 0 } satisfies MultiItemOp] },
    });
    // … op@21 | count@22 | item op@26
    const nested = multi.slice();
    nested[26] = 14;
    expect(expectBadFrame(() => decodeTreeTxn(nested))).toContain("multi is not allowed inside multi");
    const huge = multi.slice();
    huge.set([0xff, 0xff, 0xff, 0xff], 22);
    expect(expectBadFrame(() => decodeTreeTxn(huge))).toContain("count 4294967295");
  });

  it("refuses to encode a password that is not 16 bytes", () => {
    expect(() =>
      encodeTreeTxn({
        sessionId: sessionId(1n),
        cxid: 0,
        timeMs: 0,
        op: { op: "createSession", sessionId: sessionId(1n), timeoutMs: 1, password: new Uint8Array(15) },
      }),
    ).toThrow("must be exactly 16 bytes");
  });
});

describe("applying a hostile payload", () => {
  it("throws BadFrame and leaves the tree unchanged", () => {
    const driver = new TreeDriver();
    const session = driver.openSession(5n);
    driver.apply(create("/a", { data: "x" }));
    driver.apply(create("/a/e", { mode: "ephemeral" }), { sessionId: session });
    const { tree } = driver;
    const before = { digest: tree.digest(), lastZxid: tree.lastZxid, snapshot: tree.snapshot() };
    const valid = encodeTreeTxn({
      sessionId: session,
      cxid: 1,
      timeMs: 1,
      op: { op: "closeSession", sessionId: session },
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }).filter((bytes) => bytes[0] !== 1),
          fc.integer({ min: 0, max: valid.byteLength - 1 }).map((length) => valid.subarray(0, length)),
        ),
        (payload) => {
          expectBadFrame(() => tree.apply({ zxid: driver.nextZxid, payload }));
          expect(tree.digest()).toBe(before.digest);
          expect(tree.lastZxid).toBe(before.lastZxid);
        },
      ),
    );
    expect(tree.snapshot()).toStrictEqual(before.snapshot);
    expect(tree.getChildren("/a").children).toStrictEqual(["e"]);
    expect(tree.session(session)?.password).toStrictEqual(passwordFor(5n));
    // The tree still applies the next valid transaction at the zxid the bad one could not take.
    expect(tree.apply({ zxid: zxid(epoch(1), 4), payload: valid }).outcome).toStrictEqual({
      op: "closeSession",
    });
  });
});
