// Goal: a learner's comparison of its state digest with its leader's reports a divergence exactly
// once and never a false one: equal digests count as a check, a different one is one mismatch, a
// digest for a zxid not applied yet waits for that apply, a digest older than what the learner
// remembers is skipped rather than compared with the wrong state, memory stays bounded, and a
// snapshot starts the memory afresh. Method: the pure DigestCheck driven directly, with digests
// made up per zxid, so each outcome is chosen by the test.

import { describe, expect, it } from "vitest";
import { DigestCheck } from "../../../src/protocol/digest-check.js";
import { epoch, serverId } from "../../../src/protocol/ids.js";
import { type Zxid, zxid } from "../../../src/protocol/zxid.js";

const leader = serverId(1);
const at = (counter: number): Zxid => zxid(epoch(1), counter);
/** The digest every honest member holds after applying up to `counter`, in this test's world. */
const honest = (counter: number): bigint => 0x1000n + BigInt(counter);

/** A check that starts at counter 0 and has applied 1..upTo honestly. */
function appliedUpTo(upTo: number, recentMax = 100): DigestCheck {
  const check = new DigestCheck(leader, { zxid: at(0), digest: honest(0) }, recentMax);
  for (let counter = 1; counter <= upTo; counter += 1) {
    expect(check.applied({ zxid: at(counter), digest: honest(counter) })).toBeUndefined();
  }
  return check;
}

describe("a learner's digest check", () => {
  it("counts an equal digest as checked, with no mismatch", () => {
    const check = appliedUpTo(3);
    expect(check.leaderDigest({ zxid: at(3), digest: honest(3) })).toEqual({ kind: "matched", zxid: at(3) });
  });

  it("compares the state it started from, so an idle ensemble is checked too", () => {
    const check = new DigestCheck(leader, { zxid: at(7), digest: honest(7) }, 100);
    expect(check.leaderDigest({ zxid: at(7), digest: 0xbadn })?.kind).toBe("mismatched");
    const before = new DigestCheck(leader, { zxid: at(7), digest: honest(7) }, 100);
    expect(before.leaderDigest({ zxid: at(6), digest: honest(6) })).toEqual({ kind: "skipped", zxid: at(6) });
  });

  it("reports a different digest once, however often the leader repeats it", () => {
    const check = appliedUpTo(3);
    const wrong = { zxid: at(3), digest: 0xbadn };
    expect(check.leaderDigest(wrong)).toEqual({
      kind: "mismatched",
      mismatch: { zxid: at(3), leader, expected: 0xbadn, actual: honest(3) },
    });
    expect(check.leaderDigest(wrong)).toBeUndefined();
    expect(check.leaderDigest({ zxid: at(2), digest: 0xbadn })).toBeUndefined();
  });

  it("compares a digest for a zxid it applied before the digest came, from memory", () => {
    const check = appliedUpTo(10);
    expect(check.leaderDigest({ zxid: at(4), digest: honest(4) })?.kind).toBe("matched");
    expect(check.leaderDigest({ zxid: at(7), digest: honest(6) })?.kind).toBe("mismatched");
  });

  it("holds a digest for a zxid it has not applied yet until it applies that zxid", () => {
    const check = appliedUpTo(2);
    expect(check.leaderDigest({ zxid: at(5), digest: 0xbadn })).toBeUndefined();
    expect(check.applied({ zxid: at(3), digest: honest(3) })).toBeUndefined();
    expect(check.applied({ zxid: at(4), digest: honest(4) })).toBeUndefined();
    expect(check.applied({ zxid: at(5), digest: honest(5) })).toEqual({
      kind: "mismatched",
      mismatch: { zxid: at(5), leader, expected: 0xbadn, actual: honest(5) },
    });
    // Settled: the next apply has nothing waiting.
    expect(check.applied({ zxid: at(6), digest: honest(6) })).toBeUndefined();
  });

  it("keeps the first pending digest, so a learner that always lags still gets checked", () => {
    const check = appliedUpTo(0);
    expect(check.leaderDigest({ zxid: at(2), digest: honest(2) })).toBeUndefined();
    // Newer digests while the learner is still behind the first one are not taken up.
    expect(check.leaderDigest({ zxid: at(4), digest: 0xbadn })).toBeUndefined();
    expect(check.applied({ zxid: at(1), digest: honest(1) })).toBeUndefined();
    expect(check.applied({ zxid: at(2), digest: honest(2) })?.kind).toBe("matched");
    expect(check.applied({ zxid: at(3), digest: honest(3) })).toBeUndefined();
    expect(check.applied({ zxid: at(4), digest: honest(4) })).toBeUndefined();
    // Once settled, the next digest is taken up again.
    expect(check.leaderDigest({ zxid: at(4), digest: honest(4) })?.kind).toBe("matched");
  });

  it("remembers only the latest recentMax digests and skips older ones instead of guessing", () => {
    const check = appliedUpTo(10_000, 3);
    expect(check.leaderDigest({ zxid: at(9_997), digest: 0xbadn })).toEqual({
      kind: "skipped",
      zxid: at(9_997),
    });
    expect(check.leaderDigest({ zxid: at(9_998), digest: honest(9_998) })?.kind).toBe("matched");
    expect(check.leaderDigest({ zxid: at(10_000), digest: 0xbadn })?.kind).toBe("mismatched");
  });

  it("forgets everything before a snapshot and compares from the snapshot's state", () => {
    const check = appliedUpTo(3);
    expect(check.leaderDigest({ zxid: at(8), digest: honest(8) })).toBeUndefined();
    // The snapshot lands at 10, past the pending 8: there is no state at 8 to compare.
    expect(check.restored({ zxid: at(10), digest: honest(10) })).toEqual({ kind: "skipped", zxid: at(8) });
    expect(check.leaderDigest({ zxid: at(9), digest: honest(9) })).toEqual({ kind: "skipped", zxid: at(9) });
    expect(check.leaderDigest({ zxid: at(10), digest: 0xbadn })?.kind).toBe("mismatched");
  });

  it("does not carry what it remembered across a snapshot", () => {
    const check = appliedUpTo(5);
    expect(check.restored({ zxid: at(7), digest: honest(7) })).toBeUndefined();
    expect(check.leaderDigest({ zxid: at(3), digest: honest(3) })).toEqual({ kind: "skipped", zxid: at(3) });
    expect(check.leaderDigest({ zxid: at(7), digest: honest(7) })?.kind).toBe("matched");
  });

  it("compares a pending digest when a snapshot lands exactly on it", () => {
    const check = appliedUpTo(1);
    check.leaderDigest({ zxid: at(4), digest: honest(4) });
    expect(check.restored({ zxid: at(4), digest: 0xbadn })?.kind).toBe("mismatched");
  });

  it("refuses applies out of order and a snapshot that goes back", () => {
    const check = appliedUpTo(3);
    expect(() => check.applied({ zxid: at(3), digest: honest(3) })).toThrow(/zxid order/);
    expect(() => check.restored({ zxid: at(2), digest: honest(2) })).toThrow(/never takes the state back/);
    expect(() => new DigestCheck(leader, { zxid: at(0), digest: 0n }, 0)).toThrow(/positive/);
  });
});
