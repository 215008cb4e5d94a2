// Goal: redial delays grow exponentially from the minimum, stop at the maximum, are jittered
// within the upper half of each step, and start over after a success. Method: drive Backoff
// with fixed "random" draws at both ends of [0, 1).
import { describe, expect, it } from "vitest";
import { Backoff } from "../src/backoff.js";

describe("Backoff", () => {
  it("doubles from the minimum up to the cap, in the upper half of each step", () => {
    const high = new Backoff(100, 1_000, () => 0.999_999);
    const low = new Backoff(100, 1_000, () => 0);
    const ceilings = [100, 200, 400, 800, 1_000, 1_000, 1_000];
    for (const ceiling of ceilings) {
      expect(high.fail()).toBeCloseTo(ceiling, 0);
      expect(low.fail()).toBe(ceiling / 2);
    }
  });

  it("starts over after a success", () => {
    const backoff = new Backoff(50, 5_000, () => 0);
    for (let i = 0; i < 10; i += 1) backoff.fail();
    backoff.reset();
    expect(backoff.fail()).toBe(25);
  });

  it("never overflows after very many failures", () => {
    const backoff = new Backoff(100, 5_000, () => 0.5);
    let delay = 0;
    for (let i = 0; i < 10_000; i += 1) delay = backoff.fail();
    expect(delay).toBe(3_750);
  });
});
