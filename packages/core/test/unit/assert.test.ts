// Goal: assertions cost nothing but the check when they hold — a message given as a function is
// built only on failure — and a failure throws AssertionError with the message.
import { describe, expect, it } from "vitest";
import { AssertionError, assert } from "../../src/assert.js";

describe("assert", () => {
  it("builds a lazy message only when the check fails", () => {
    let built = 0;
    const message = () => {
      built += 1;
      return "the invariant broke";
    };
    assert(true, message);
    expect(built).toBe(0);
    expect(() => assert(false, message)).toThrow(new AssertionError("the invariant broke"));
    expect(built).toBe(1);
  });

  it("throws AssertionError with a plain message", () => {
    expect(() => assert(0, "zero is falsy")).toThrow(AssertionError);
  });
});
