// Goal: the pure decision behind a double barrier's enter and a cyclic barrier's await trips a
// round over exactly the first `count` waiting participants, passes once the round tripped, and
// reports a participant whose node vanished. Method: table cases, plus a fast-check property
// against a direct restatement of the rule.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideArrival } from "../src/decide-arrival.js";

describe("decideArrival", () => {
  it("waits while fewer than count participants wait", () => {
    expect(decideArrival({ passed: false, waiting: ["a", "b"], ours: "b", count: 3 })).toEqual({
      kind: "wait",
      waiting: 2,
    });
  });

  it("trips over the first count participants, ourselves among them or not", () => {
    expect(decideArrival({ passed: false, waiting: ["a", "b", "c", "d"], ours: "d", count: 3 })).toEqual({
      kind: "trip",
      members: ["a", "b", "c"],
    });
  });

  it("passes once the round tripped, even with our node gone", () => {
    expect(decideArrival({ passed: true, waiting: [], ours: "a", count: 2 })).toEqual({ kind: "passed" });
  });

  it("reports a participant whose node vanished before its round tripped", () => {
    expect(decideArrival({ passed: false, waiting: ["a", "c"], ours: "b", count: 2 })).toEqual({
      kind: "lost",
    });
  });

  it("follows the rule on any input", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3 }), { maxLength: 20 }),
        fc.string({ minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 10 }),
        fc.boolean(),
        (waiting, ours, count, passed) => {
          const decision = decideArrival({ passed, waiting, ours, count });
          if (passed) return decision.kind === "passed";
          if (!waiting.includes(ours)) return decision.kind === "lost";
          if (waiting.length < count) return decision.kind === "wait" && decision.waiting === waiting.length;
          return (
            decision.kind === "trip" &&
            decision.members.length === count &&
            decision.members.every((member, index) => member === waiting[index])
          );
        },
      ),
    );
  });
});
