// Goal: the in-memory history never gets a hole, never cuts what is committed, applies only
// what is both committed and durable, and answers DIFF/TRUNC questions (floor, after) exactly,
// also after pruning. Method: examples for each rule, and a property test against a plain array.

import { AssertionError, epoch, isNextZxid, type Txn, type Zxid, zxid } from "@zab/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { History } from "../../../src/protocol/history.js";

const txn = (e: number, c: number): Txn => ({ zxid: zxid(epoch(e), c), payload: new Uint8Array([c]) });
const z = (e: number, c: number): Zxid => zxid(epoch(e), c);

describe("isNextZxid", () => {
  it("accepts the next counter, or counter 1 of a later epoch, and nothing else", () => {
    expect(isNextZxid(z(1, 4), z(1, 5))).toBe(true);
    expect(isNextZxid(z(1, 4), z(3, 1))).toBe(true);
    expect(isNextZxid(z(0, 0), z(1, 1))).toBe(true);
    expect(isNextZxid(z(1, 4), z(1, 6))).toBe(false); // a hole
    expect(isNextZxid(z(1, 4), z(1, 4))).toBe(false); // a repeat
    expect(isNextZxid(z(2, 4), z(1, 5))).toBe(false); // an older epoch
    expect(isNextZxid(z(1, 4), z(2, 2))).toBe(false); // a new epoch must start at 1
  });
});

describe("History", () => {
  it("refuses a hole and keeps the log unchanged", () => {
    const history = new History(z(0, 0), 100);
    expect(history.append(txn(1, 1))).toBe(true);
    expect(history.append(txn(1, 3))).toBe(false);
    expect(history.lastLogged).toBe(z(1, 1));
  });

  it("applies only what is committed and durable, in order", () => {
    const history = new History(z(0, 0), 100);
    for (let c = 1; c <= 5; c += 1) history.append(txn(1, c));
    history.commitUpTo(z(1, 4));
    history.markDurable(z(1, 2));
    expect(history.takeApplicable().map((t) => t.zxid)).toEqual([z(1, 1), z(1, 2)]);
    history.markDurable(z(1, 5));
    expect(history.takeApplicable().map((t) => t.zxid)).toEqual([z(1, 3), z(1, 4)]);
    expect(history.takeApplicable()).toEqual([]);
    expect(history.applied).toBe(z(1, 4));
  });

  it("truncates uncommitted transactions but asserts on committed ones", () => {
    const history = new History(z(0, 0), 100);
    for (let c = 1; c <= 5; c += 1) history.append(txn(1, c));
    history.commitUpTo(z(1, 2));
    history.markDurable(z(1, 5));
    history.truncateAfter(z(1, 3));
    expect(history.lastLogged).toBe(z(1, 3));
    expect(history.durable).toBe(z(1, 3));
    expect(() => history.truncateAfter(z(1, 1))).toThrow(AssertionError);
  });

  it("finds the floor of a learner's zxid for TRUNC, and reports what was pruned", () => {
    const history = new History(z(0, 0), 4);
    for (let c = 1; c <= 3; c += 1) history.append(txn(1, c));
    for (let c = 1; c <= 3; c += 1) history.append(txn(3, c));
    expect(history.floor(z(2, 7))).toBe(z(1, 3)); // a learner's divergent epoch-2 tail
    expect(history.floor(z(3, 2))).toBe(z(3, 2));
    expect(history.floor(z(9, 9))).toBe(z(3, 3));
    history.commitUpTo(z(3, 3));
    history.markDurable(z(3, 3));
    history.takeApplicable();
    // Six applied, four retained at most: the two oldest are pruned, so DIFF from before fails.
    expect(history.base).toBe(z(1, 2));
    expect(history.floor(z(1, 1))).toBeUndefined();
    expect(history.after(z(1, 2)).map((t) => t.zxid)).toEqual([z(1, 3), z(3, 1), z(3, 2), z(3, 3)]);
  });

  it("matches a plain array model under random appends, commits, durability and truncation", () => {
    const step = fc.oneof(
      fc.constant({ kind: "append" as const }),
      fc.constant({ kind: "newEpoch" as const }),
      fc.nat(8).map((n) => ({ kind: "commit" as const, n })),
      fc.nat(8).map((n) => ({ kind: "durable" as const, n })),
      fc.nat(8).map((n) => ({ kind: "truncate" as const, n })),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), fc.integer({ min: 1, max: 6 }), (steps, retained) => {
        const history = new History(z(0, 0), retained);
        const model: Zxid[] = [];
        let committed = 0;
        let durable = 0;
        let applied = 0;
        let currentEpoch = 1;
        let counter = 0;
        for (const s of steps) {
          if (s.kind === "append" || s.kind === "newEpoch") {
            if (s.kind === "newEpoch") {
              currentEpoch += 1;
              counter = 0;
            }
            counter += 1;
            const next = z(currentEpoch, counter);
            expect(history.append({ zxid: next, payload: new Uint8Array() })).toBe(true);
            model.push(next);
          } else if (s.kind === "commit") {
            const upTo = Math.min(model.length, committed + s.n);
            if (upTo > committed) history.commitUpTo(model[upTo - 1] as Zxid);
            committed = Math.max(committed, upTo);
          } else if (s.kind === "durable") {
            const upTo = Math.min(model.length, durable + s.n);
            if (upTo > 0) history.markDurable(model[upTo - 1] as Zxid);
            durable = Math.max(durable, upTo);
          } else {
            const keep = Math.max(committed, model.length - s.n);
            if (keep < model.length) {
              history.truncateAfter(keep === 0 ? z(0, 0) : (model[keep - 1] as Zxid));
              model.length = keep;
              durable = Math.min(durable, keep);
              const last = model.at(-1);
              counter = last === undefined ? 0 : Number(last & 0xffff_ffffn);
              if (last !== undefined) currentEpoch = Number(last >> 32n);
            }
          }
          const expectedApply = Math.min(committed, durable);
          const got = history.takeApplicable();
          expect(got.map((t) => t.zxid)).toEqual(model.slice(applied, Math.max(applied, expectedApply)));
          applied = Math.max(applied, expectedApply);
          expect(history.lastLogged).toBe(model.at(-1) ?? z(0, 0));
          expect(history.applied).toBe(applied === 0 ? z(0, 0) : model[applied - 1]);
        }
      }),
    );
  });
});
