// Goal: a latch's stored state round-trips, malformed data is refused with "Invalid", and one
// count-down decrements, opens at zero, does nothing on an open latch and refuses another count.
import type { ZabError } from "@zab/core";
import { describe, expect, it } from "vitest";
import { decideCountDown, decodeLatchState, encodeLatchState } from "../src/latch-state.js";

describe("latch state", () => {
  it("round-trips", () => {
    expect(decodeLatchState(encodeLatchState({ count: 5, remaining: 2 }), "/l")).toEqual({
      count: 5,
      remaining: 2,
    });
  });

  it.each([
    "",
    "{",
    "[]",
    '{"count":0,"remaining":0}',
    '{"count":2,"remaining":3}',
    '{"count":"2","remaining":1}',
  ])("refuses %s", (text) => {
    expect(() => decodeLatchState(new TextEncoder().encode(text), "/l")).toThrow(
      expect.objectContaining({ code: "Invalid" }) as ZabError,
    );
  });

  it("decrements, opens at zero, and stays open", () => {
    expect(decideCountDown({ count: 2, remaining: 2 }, 2)).toEqual({
      kind: "decrement",
      next: { count: 2, remaining: 1 },
      opens: false,
    });
    expect(decideCountDown({ count: 2, remaining: 1 }, 2)).toEqual({
      kind: "decrement",
      next: { count: 2, remaining: 0 },
      opens: true,
    });
    expect(decideCountDown({ count: 2, remaining: 0 }, 2)).toEqual({ kind: "open" });
  });

  it("refuses a handle with another count", () => {
    expect(decideCountDown({ count: 3, remaining: 3 }, 2)).toEqual({ kind: "mismatch", stored: 3 });
  });
});
