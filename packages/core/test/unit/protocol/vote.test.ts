// Goal: the election's vote order is ZooKeeper's total order — higher peer epoch, then higher
// zxid, then higher id — and is a strict total order (so every member converges on one vote).

import { epoch, isBetterVote, isSameVote, serverId, type Vote, zxidFromBigInt } from "@zab/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const vote = fc
  .record({
    leader: fc.integer({ min: 1, max: 5 }),
    zxid: fc.bigInt({ min: 0n, max: 20n }),
    peerEpoch: fc.integer({ min: 0, max: 3 }),
  })
  .map(
    (v): Vote => ({
      leader: serverId(v.leader),
      zxid: zxidFromBigInt(v.zxid),
      peerEpoch: epoch(v.peerEpoch),
    }),
  );

describe("vote order", () => {
  it("prefers the higher epoch over any zxid, and the higher zxid over any id", () => {
    const base = { leader: serverId(3), zxid: zxidFromBigInt(100n), peerEpoch: epoch(2) };
    expect(isBetterVote({ ...base, peerEpoch: epoch(3), zxid: zxidFromBigInt(0n) }, base)).toBe(true);
    expect(isBetterVote({ ...base, zxid: zxidFromBigInt(101n), leader: serverId(1) }, base)).toBe(true);
    expect(isBetterVote({ ...base, leader: serverId(4) }, base)).toBe(true);
    expect(isBetterVote(base, base)).toBe(false);
  });

  it("is a strict total order: exactly one of a>b, b>a, a=b", () => {
    fc.assert(
      fc.property(vote, vote, (a, b) => {
        const outcomes = [isBetterVote(a, b), isBetterVote(b, a), isSameVote(a, b)].filter(Boolean);
        expect(outcomes).toHaveLength(1);
      }),
    );
  });

  it("is transitive", () => {
    fc.assert(
      fc.property(vote, vote, vote, (a, b, c) => {
        if (isBetterVote(a, b) && isBetterVote(b, c)) expect(isBetterVote(a, c)).toBe(true);
      }),
    );
  });
});
