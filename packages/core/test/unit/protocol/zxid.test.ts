// Goal: zxids are exact 64-bit values ordered by (epoch, counter), including past 2^53 where a
// float would silently lose the counter.

import {
  compareZxid,
  counterOf,
  epoch,
  epochOf,
  formatZxid,
  ZabError,
  zxid,
  zxidFromBigInt,
} from "@zab/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });

describe("zxid", () => {
  it("splits back into the epoch and counter it was built from, at any size", () => {
    fc.assert(
      fc.property(uint32, uint32, (e, c) => {
        const z = zxid(epoch(e), c);
        expect(epochOf(z)).toBe(e);
        expect(counterOf(z)).toBe(c);
      }),
    );
  });

  it("orders by epoch first, then counter", () => {
    fc.assert(
      fc.property(uint32, uint32, uint32, uint32, (e1, c1, e2, c2) => {
        const expected = e1 !== e2 ? Math.sign(e1 - e2) : Math.sign(c1 - c2);
        expect(Math.sign(compareZxid(zxid(epoch(e1), c1), zxid(epoch(e2), c2)))).toBe(expected);
      }),
    );
  });

  it("keeps the counter exact where a float could not", () => {
    const z = zxid(epoch(0xffff_ffff), 0xffff_ffff);
    expect(z).toBe(0xffff_ffff_ffff_ffffn);
    expect(formatZxid(z)).toBe("0xffffffffffffffff");
    expect(compareZxid(z, zxid(epoch(0xffff_ffff), 0xffff_fffe))).toBe(1);
  });

  it("refuses parts out of range with a typed error", () => {
    expect(() => zxid(epoch(1), 2 ** 32)).toThrow(ZabError);
    expect(() => zxid(epoch(1), -1)).toThrow(ZabError);
    expect(() => epoch(2 ** 32)).toThrow(ZabError);
    expect(() => zxidFromBigInt(1n << 64n)).toThrow(ZabError);
    expect(() => zxidFromBigInt(-1n)).toThrow(ZabError);
  });
});
