// Goal: the leader expires exactly the sessions nobody heard from within their timeout, each
// once, and a new leader gives every open session a full timeout. Method: drive the tracker with
// explicit times.
import { describe, expect, it } from "vitest";
import { sessionId } from "../../../src/protocol/ids.js";
import { SessionExpiry } from "../../../src/server/session-expiry.js";

const [a, b, c] = [sessionId(1n), sessionId(2n), sessionId(3n)];

describe("SessionExpiry", () => {
  it("expires a session only after its timeout without a touch, and only once", () => {
    const expiry = new SessionExpiry();
    expiry.track(a, 1_000, 0);
    expiry.track(b, 5_000, 0);
    expect(expiry.takeExpired(999)).toEqual([]);
    expect(expiry.takeExpired(1_000)).toEqual([a]);
    expect(expiry.takeExpired(2_000)).toEqual([]);
    expect(expiry.takeExpired(5_000)).toEqual([b]);
  });

  it("postpones a touched session by its own timeout, and ignores unknown ones", () => {
    const expiry = new SessionExpiry();
    expiry.track(a, 1_000, 0);
    expiry.touch([a, c], 900);
    expect(expiry.takeExpired(1_500)).toEqual([]);
    expect(expiry.takeExpired(1_900)).toEqual([a]);
    expect(expiry.size).toBe(0);
  });

  it("gives every session a full timeout from the moment a leader takes over", () => {
    const expiry = new SessionExpiry();
    expiry.track(a, 1_000, 0);
    expiry.reset(
      [
        { sessionId: b, timeoutMs: 1_000 },
        { sessionId: c, timeoutMs: 3_000 },
      ],
      10_000,
    );
    expect(expiry.takeExpired(10_999)).toEqual([]);
    expect(expiry.takeExpired(13_000)).toEqual([b, c]);
  });

  it("forgets a closed session", () => {
    const expiry = new SessionExpiry();
    expiry.track(a, 1_000, 0);
    expiry.forget(a);
    expect(expiry.takeExpired(5_000)).toEqual([]);
  });
});
