// Goal: a member's change history answers exactly: it says it holds every change after a zxid
// only when no such change was forgotten (also when a transaction's changes were partly
// forgotten), replays exactly the retained changes after that zxid in applied order, knows the
// last transaction appended (with or without changes), forgets everything on a snapshot
// restore, and refuses a transaction appended out of order.
// Method: examples at the boundaries, then a fast-check model: every change ever recorded, kept
// in full, against the history's answers for every possible starting zxid.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AssertionError } from "../../../src/assert.js";
import type { WatchEventType } from "../../../src/protocol/client-messages.js";
import { epoch } from "../../../src/protocol/ids.js";
import { type Zxid, zxid } from "../../../src/protocol/zxid.js";
import { ChangeHistory, type RecordedChange } from "../../../src/server/change-history.js";

const z = (counter: number): Zxid => zxid(epoch(1), counter);

function change(counter: number, path = "/a", type: WatchEventType = "nodeDataChanged"): RecordedChange {
  return { zxid: z(counter), type, path };
}

/** Appends transaction `counter` with one data change to `path`. */
function setData(history: ChangeHistory, counter: number, path = "/a"): void {
  history.append(z(counter), [{ type: "nodeDataChanged", path }]);
}

describe("ChangeHistory", () => {
  it("holds every change after its starting state until full, and replays them in order", () => {
    const history = new ChangeHistory(4, z(10));
    expect(history.holdsChangesAfter(z(9))).toBe(false);
    expect(history.holdsChangesAfter(z(10))).toBe(true);
    for (const counter of [11, 12, 13]) setData(history, counter);
    history.append(z(14), []); // A transaction that changed no node.
    expect(history.size).toBe(3);
    expect(history.lastZxid).toBe(z(14));
    expect([...history.changesAfter(z(10))].map((c) => c.zxid)).toEqual([z(11), z(12), z(13)]);
    expect([...history.changesAfter(z(12))].map((c) => c.zxid)).toEqual([z(13)]);
    expect([...history.changesAfter(z(13))]).toEqual([]);
    expect(history.holdsChangesAfter(z(14))).toBe(true);
  });

  it("moves its horizon to the last change it forgot, and no further", () => {
    const history = new ChangeHistory(3);
    for (let counter = 1; counter <= 5; counter += 1) setData(history, counter);
    expect(history.size).toBe(3);
    expect(history.horizon).toBe(z(2));
    expect(history.holdsChangesAfter(z(1))).toBe(false);
    expect(history.holdsChangesAfter(z(2))).toBe(true);
    expect([...history.changesAfter(z(2))].map((c) => c.zxid)).toEqual([z(3), z(4), z(5)]);
    // The ring wraps around more than once and stays in order.
    for (let counter = 6; counter <= 11; counter += 1) setData(history, counter);
    expect(history.horizon).toBe(z(8));
    expect([...history.changesAfter(z(8))].map((c) => c.zxid)).toEqual([z(9), z(10), z(11)]);
  });

  it("refuses to replay a transaction it partly forgot", () => {
    const history = new ChangeHistory(2);
    // One transaction, three changes: creating /a/b changes /a's children too.
    history.append(z(7), [
      { type: "nodeCreated", path: "/a/b" },
      { type: "nodeChildrenChanged", path: "/a" },
      { type: "nodeDataChanged", path: "/a/b" },
    ]);
    expect(history.horizon).toBe(z(7));
    expect(history.holdsChangesAfter(z(6))).toBe(false);
    expect([...history.changesAfter(z(7))]).toEqual([]);
    setData(history, 8);
    expect([...history.changesAfter(z(7))]).toEqual([change(8)]);
  });

  it("forgets everything when the state is restored from a snapshot", () => {
    const history = new ChangeHistory(10);
    for (let counter = 1; counter <= 3; counter += 1) setData(history, counter);
    history.reset(z(50));
    expect(history.size).toBe(0);
    expect(history.lastZxid).toBe(z(50));
    expect(history.holdsChangesAfter(z(3))).toBe(false);
    expect(history.holdsChangesAfter(z(50))).toBe(true);
    setData(history, 51);
    expect([...history.changesAfter(z(50))]).toEqual([change(51)]);
  });

  it("retains nothing with capacity 0, but still knows what it missed", () => {
    const history = new ChangeHistory(0);
    setData(history, 4);
    expect(history.size).toBe(0);
    expect(history.holdsChangesAfter(z(3))).toBe(false);
    expect(history.holdsChangesAfter(z(4))).toBe(true);
  });

  it("refuses a transaction that does not follow the last one appended", () => {
    const history = new ChangeHistory(3);
    setData(history, 5);
    expect(() => setData(history, 5)).toThrow(AssertionError);
    expect(() => history.append(z(4), [])).toThrow(AssertionError);
    const restored = new ChangeHistory(3, z(9));
    expect(() => setData(restored, 8)).toThrow(AssertionError);
  });

  it("agrees with a full record of every change, for any capacity and starting zxid", () => {
    // Transactions as counts of changes (0 for one that changed nothing, such as a ping).
    const scenario = fc.record({
      capacity: fc.integer({ min: 0, max: 12 }),
      changesPerTxn: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 40 }),
    });
    fc.assert(
      fc.property(scenario, ({ capacity, changesPerTxn }) => {
        const history = new ChangeHistory(capacity);
        const all: RecordedChange[] = [];
        changesPerTxn.forEach((count, index) => {
          const changes = Array.from({ length: count }, (_, n) => change(index + 1, `/n${n}`));
          all.push(...changes);
          history.append(z(index + 1), changes);
        });
        expect(history.size).toBe(Math.min(capacity, all.length));
        for (let from = 0; from <= changesPerTxn.length + 1; from += 1) {
          const wanted = all.filter((c) => c.zxid > z(from));
          const retained = [...history.changesAfter(z(from))];
          expect(history.holdsChangesAfter(z(from))).toBe(wanted.length === retained.length);
          expect(retained).toEqual(wanted.slice(wanted.length - retained.length));
        }
      }),
    );
  });
});
