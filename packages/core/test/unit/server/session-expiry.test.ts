// Goal: the leader expires exactly the sessions nobody heard from within their timeout plus the
// grace (a third of the timeout and what a member may confirm unreported), each once, and a new
// leader gives every open session a full timeout. Method: drive the tracker with explicit times.
import { describe, expect, it } from "vitest";
import { sessionId } from "../../../src/protocol/ids.js";
import { SessionExpiry, sessionExpiryGraceMs } from "../../../src/server/session-expiry.js";

const [a, b, c] = [sessionId(1n), sessionId(2n), sessionId(3n)];

describe("SessionExpiry", () => {
  it("expires a session only after its timeout, a third more and the grace without a touch, and only once", () => {
    const expiry = new SessionExpiry(100);
    expiry.track(a, 900, 0);
    expiry.track(b, 3_000, 0);
    // a: 900 + 300 + 100.
    expect(expiry.takeExpired(1_299)).toEqual([]);
    expect(expiry.takeExpired(1_300)).toEqual([a]);
    expect(expiry.takeExpired(2_000)).toEqual([]);
    // b: 3,000 + 1,000 + 100.
    expect(expiry.takeExpired(4_099)).toEqual([]);
    expect(expiry.takeExpired(4_100)).toEqual([b]);
  });

  it("postpones a touched session by its own timeout, and ignores unknown ones", () => {
    const expiry = new SessionExpiry();
    expiry.track(a, 900, 0);
    expiry.touch([a, c], 900);
    expect(expiry.takeExpired(2_099)).toEqual([]);
    expect(expiry.takeExpired(2_100)).toEqual([a]);
    expect(expiry.size).toBe(0);
  });

  it("gives every session a full timeout from the moment a leader takes over", () => {
    const expiry = new SessionExpiry();
    expiry.track(a, 900, 0);
    expiry.reset(
      [
        { sessionId: b, timeoutMs: 900 },
        { sessionId: c, timeoutMs: 3_000 },
      ],
      10_000,
    );
    expect(expiry.takeExpired(11_199)).toEqual([]);
    expect(expiry.takeExpired(14_000)).toEqual([b, c]);
  });

  it("forgets a closed session", () => {
    const expiry = new SessionExpiry();
    expiry.track(a, 1_000, 0);
    expiry.forget(a);
    expect(expiry.takeExpired(5_000)).toEqual([]);
  });

  it("covers a member's sync limit and two ticks of reporting", () => {
    expect(sessionExpiryGraceMs(50, 5)).toBe(350);
  });
});
