// Goal: the pure decision of a configuration write produces exactly the multi the layout needs —
// a guard first for each store, the history entry of the new version, the trims, the receipt
// last — and predicts the state it leaves. Method: plain unit tests over hand-built readings,
// including the negative space (bad inputs) and a property check of the history window.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { configLayout } from "../src/config-layout.js";
import {
  decideConfigWrite,
  decideHistoryTrim,
  HISTORY_TRIM_PER_WRITE_MAX,
  type StoreReading,
} from "../src/decide-config-write.js";

const data = new Uint8Array([123, 125]);
const layout = configLayout("/config/flags");
const receiptPath = "/config/flags/.receipts/ab";

describe("decideHistoryTrim", () => {
  it("keeps the newest historyMax versions, counting the new one", () => {
    expect(decideHistoryTrim({ versions: [3, 4, 5], newVersion: 6, historyMax: 3 })).toEqual([3]);
    expect(decideHistoryTrim({ versions: [5, 3, 4], newVersion: 6, historyMax: 4 })).toEqual([]);
    expect(decideHistoryTrim({ versions: [], newVersion: 0, historyMax: 1 })).toEqual([]);
    expect(decideHistoryTrim({ versions: [0], newVersion: 1, historyMax: 1 })).toEqual([0]);
  });

  it("deletes oldest first, at most HISTORY_TRIM_PER_WRITE_MAX per write", () => {
    const versions = Array.from({ length: 40 }, (_, index) => 39 - index);
    const trimmed = decideHistoryTrim({ versions, newVersion: 40, historyMax: 2 });
    expect(trimmed).toEqual(Array.from({ length: HISTORY_TRIM_PER_WRITE_MAX }, (_, index) => index));
  });

  it("refuses a historyMax below 1", () => {
    expect(() => decideHistoryTrim({ versions: [], newVersion: 0, historyMax: 0 })).toThrow(RangeError);
    expect(() => decideHistoryTrim({ versions: [], newVersion: 0, historyMax: 1.5 })).toThrow(RangeError);
  });

  it("always keeps the new version and converges to exactly the window (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 200 }), (historyMax, start) => {
        // Any contiguous history (as a larger historyMax would leave), then writes one at a time.
        let versions = Array.from({ length: start + 1 }, (_, index) => index);
        let newest = start;
        for (let write = 0; write < 20; write += 1) {
          newest += 1;
          const trimmed = decideHistoryTrim({ versions, newVersion: newest, historyMax });
          expect(trimmed.length).toBeLessThanOrEqual(HISTORY_TRIM_PER_WRITE_MAX);
          versions = [...versions.filter((version) => !trimmed.includes(version)), newest];
          expect(versions).toContain(newest);
          expect(versions.length).toBeGreaterThanOrEqual(Math.min(historyMax, newest + 1));
        }
        // 20 writes shed up to 20 x 15 of surplus: 200 is always gone by now.
        const oldest = Math.max(0, newest - historyMax + 1);
        const window = Array.from({ length: newest - oldest + 1 }, (_, index) => oldest + index);
        expect(versions).toEqual(window);
      }),
    );
  });
});

describe("decideConfigWrite", () => {
  it("creates a new store: value, history and receipts parents, first entry, receipt", () => {
    const reading: StoreReading = { layout, value: undefined, history: undefined };
    const plan = decideConfigWrite({
      writes: [{ reading, data, historyMax: 5 }],
      receiptPath,
      receiptsToDelete: [],
    });
    expect(plan.versions).toEqual([0]);
    expect(plan.ops).toEqual([
      { op: "create", path: "/config/flags", data, mode: "persistent", ttlMs: 0 },
      { op: "create", path: "/config/flags/.history", data: new Uint8Array(), mode: "persistent", ttlMs: 0 },
      { op: "create", path: "/config/flags/.receipts", data: new Uint8Array(), mode: "persistent", ttlMs: 0 },
      { op: "create", path: "/config/flags/.history/0000000000", data, mode: "persistent", ttlMs: 0 },
      { op: "create", path: receiptPath, data: new Uint8Array(), mode: "ephemeral", ttlMs: 0 },
    ]);
    expect(plan.after).toEqual([{ layout, value: { data, version: 0 }, history: [0] }]);
  });

  it("adopts a plain znode: a guarded setData, then the parents", () => {
    const reading: StoreReading = {
      layout,
      value: { data: new Uint8Array(), version: 4 },
      history: undefined,
    };
    const plan = decideConfigWrite({
      writes: [{ reading, data, historyMax: 5 }],
      receiptPath,
      receiptsToDelete: [],
    });
    expect(plan.versions).toEqual([5]);
    expect(plan.ops.map((op) => `${op.op} ${op.path}`)).toEqual([
      "setData /config/flags",
      "create /config/flags/.history",
      "create /config/flags/.receipts",
      "create /config/flags/.history/0000000005",
      `create ${receiptPath}`,
    ]);
    expect(plan.ops[0]).toMatchObject({ version: 4 });
  });

  it("writes a laid-out store: guard, entry, trims, receipt, then old receipts deleted", () => {
    const reading: StoreReading = { layout, value: { data, version: 9 }, history: [7, 8, 9] };
    const plan = decideConfigWrite({
      writes: [{ reading, data, historyMax: 2 }],
      receiptPath,
      receiptsToDelete: ["/config/flags/.receipts/old"],
    });
    expect(plan.versions).toEqual([10]);
    expect(plan.ops.map((op) => `${op.op} ${op.path}`)).toEqual([
      "setData /config/flags",
      "create /config/flags/.history/0000000010",
      "delete /config/flags/.history/0000000007",
      "delete /config/flags/.history/0000000008",
      `create ${receiptPath}`,
      "delete /config/flags/.receipts/old",
    ]);
    expect(plan.ops[0]).toMatchObject({ version: 9 });
    expect(plan.after).toEqual([{ layout, value: { data, version: 10 }, history: [9, 10] }]);
  });

  it("puts every store of a transaction in one multi, each with its guard first", () => {
    const other = configLayout("/config/limits");
    const plan = decideConfigWrite({
      writes: [
        { reading: { layout, value: { data, version: 1 }, history: [0, 1] }, data, historyMax: 10 },
        { reading: { layout: other, value: undefined, history: undefined }, data, historyMax: 10 },
      ],
      receiptPath,
      receiptsToDelete: [],
    });
    expect(plan.versions).toEqual([2, 0]);
    expect(plan.ops.map((op) => `${op.op} ${op.path}`)).toEqual([
      "setData /config/flags",
      "create /config/flags/.history/0000000002",
      "create /config/limits",
      "create /config/limits/.history",
      "create /config/limits/.receipts",
      "create /config/limits/.history/0000000000",
      `create ${receiptPath}`,
    ]);
  });

  it("refuses no store and the same store twice", () => {
    expect(() => decideConfigWrite({ writes: [], receiptPath, receiptsToDelete: [] })).toThrow(RangeError);
    const reading: StoreReading = { layout, value: undefined, history: undefined };
    expect(() =>
      decideConfigWrite({
        writes: [
          { reading, data, historyMax: 1 },
          { reading, data, historyMax: 1 },
        ],
        receiptPath,
        receiptsToDelete: [],
      }),
    ).toThrow(/same store twice/);
  });
});
