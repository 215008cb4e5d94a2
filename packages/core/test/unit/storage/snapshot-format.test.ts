// Goal: a snapshot file is accepted only when it is exactly what was written at the zxid its name
// carries; any flipped bit, truncation, extension or renaming is rejected with a reason. And
// retention keeps the newest snapshots, never letting known-corrupt ones take a slot.
// Method: fast-check over random data and damage positions; the pure retention planner on
// hand-picked cases.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Zxid } from "../../../src/protocol/zxid.js";
import { decodeSnapshot, encodeSnapshotHeader } from "../../../src/storage/snapshot-format.js";
import { planSnapshotRetention } from "../../../src/storage/snapshot-retention.js";

const zxidArbitrary = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((z) => z as Zxid);

function snapshotFile(zxid: Zxid, data: Uint8Array): Uint8Array {
  return new Uint8Array([...encodeSnapshotHeader(zxid, data), ...data]);
}

describe("snapshot format", () => {
  it("gives back the data written at the zxid", () => {
    fc.assert(
      fc.property(zxidArbitrary, fc.uint8Array({ maxLength: 500 }), (zxid, data) => {
        expect(decodeSnapshot(snapshotFile(zxid, data), zxid)).toEqual({ data });
      }),
    );
  });

  it("rejects any flipped bit", () => {
    fc.assert(
      fc.property(
        zxidArbitrary,
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (zxid, data, at, bit) => {
          const bytes = snapshotFile(zxid, data);
          const index = at % bytes.length;
          bytes[index] = (bytes[index] ?? 0) ^ (1 << bit);
          expect(decodeSnapshot(bytes, zxid)).toHaveProperty("reason");
        },
      ),
    );
  });

  it("rejects truncation, extension and a file name that disagrees with the header", () => {
    const zxid = 42n as Zxid;
    const bytes = snapshotFile(zxid, new Uint8Array(100).fill(7));
    expect(decodeSnapshot(bytes.subarray(0, 10), zxid)).toEqual({
      reason: "only 10 bytes: the header is incomplete",
    });
    expect(decodeSnapshot(bytes.subarray(0, 90), zxid)).toHaveProperty(
      "reason",
      expect.stringMatching(/truncated/),
    );
    expect(decodeSnapshot(new Uint8Array([...bytes, 0]), zxid)).toHaveProperty(
      "reason",
      expect.stringMatching(/extended/),
    );
    expect(decodeSnapshot(bytes, 43n as Zxid)).toHaveProperty("reason", expect.stringMatching(/file name/));
  });
});

describe("snapshot retention", () => {
  const zxids = [10n, 20n, 30n, 40n] as Zxid[];

  it("keeps the newest ones", () => {
    expect(planSnapshotRetention({ zxids, retain: 3, corrupt: new Set() })).toEqual({
      kept: [20n, 30n, 40n],
      removed: [10n],
    });
    expect(planSnapshotRetention({ zxids, retain: 9, corrupt: new Set() })).toEqual({
      kept: zxids,
      removed: [],
    });
  });

  it("does not let corrupt snapshots take a slot, and deletes them", () => {
    const corrupt = new Set([30n, 40n] as Zxid[]);
    expect(planSnapshotRetention({ zxids, retain: 1, corrupt })).toEqual({
      kept: [20n],
      removed: [10n, 30n, 40n],
    });
  });

  it("asserts that at least one is kept", () => {
    expect(() => planSnapshotRetention({ zxids, retain: 0, corrupt: new Set() })).toThrow(/at least 1/);
  });
});
