// Goal: the checker rejects the classic ways a register or key-value store breaks
// linearizability, accepts the tricky histories that are nevertheless linearizable (overlapping
// operations, indeterminate operations that may or may not have happened, touching intervals),
// and answers "unknown" rather than guessing when a budget runs out. Method: small hand-built
// histories, each with the reason it must (or must not) be linearizable; times are abstract
// integers and ∞ marks an operation whose outcome was never learned.
import { describe, expect, it } from "vitest";
import { checkLinearizability } from "../../src/linearizability/check-linearizability.js";
import { type KvInput, type KvOutput, kvModel } from "../../src/linearizability/kv-model.js";
import type { Operation } from "../../src/linearizability/operation.js";
import {
  type RegisterInput,
  type RegisterOutput,
  registerModel,
} from "../../src/linearizability/register-model.js";

const never = Number.POSITIVE_INFINITY;

function write(
  value: number,
  callTime: number,
  returnTime: number,
): Operation<RegisterInput, RegisterOutput> {
  const output = returnTime === never ? undefined : ({ kind: "write" } as const);
  return { process: callTime, input: { kind: "write", value }, output, callTime, returnTime };
}

function read(
  value: number | null,
  callTime: number,
  returnTime: number,
): Operation<RegisterInput, RegisterOutput> {
  return {
    process: callTime,
    input: { kind: "read" },
    output: { kind: "read", value },
    callTime,
    returnTime,
  };
}

function cas(
  from: number,
  to: number,
  ok: boolean,
  callTime: number,
  returnTime: number,
): Operation<RegisterInput, RegisterOutput> {
  return {
    process: callTime,
    input: { kind: "cas", from, to },
    output: { kind: "cas", ok },
    callTime,
    returnTime,
  };
}

function verdictOf(history: readonly Operation<RegisterInput, RegisterOutput>[]) {
  return checkLinearizability(registerModel, history).verdict;
}

describe("register histories that are not linearizable", () => {
  it("rejects a lost write: an acknowledged write that a later read does not see", () => {
    expect(verdictOf([write(1, 0, 1), read(null, 2, 3)])).toBe("not-linearizable");
  });

  it("rejects a stale read: a read that returns a value already overwritten", () => {
    expect(verdictOf([write(1, 0, 1), write(2, 2, 3), read(1, 4, 5)])).toBe("not-linearizable");
  });

  it("rejects a read of a value never written", () => {
    expect(verdictOf([write(1, 0, 3), read(7, 1, 2)])).toBe("not-linearizable");
  });

  it("rejects a compare-and-set that succeeded against a value that was not there", () => {
    expect(verdictOf([write(1, 0, 1), cas(2, 3, true, 2, 3)])).toBe("not-linearizable");
  });

  it("rejects a compare-and-set that failed although the value was there", () => {
    expect(verdictOf([write(1, 0, 1), cas(1, 3, false, 2, 3)])).toBe("not-linearizable");
  });

  it("rejects reads that see an indeterminate write and then un-see it", () => {
    expect(verdictOf([write(1, 0, never), read(1, 1, 2), read(null, 3, 4)])).toBe("not-linearizable");
  });

  it("rejects two sequential reads that disagree on the order of two concurrent writes", () => {
    // Both writes finish before the reads start, so the reads see the same last write.
    expect(verdictOf([write(1, 0, 3), write(2, 1, 2), read(1, 4, 5), read(2, 6, 7)])).toBe(
      "not-linearizable",
    );
  });
});

describe("register histories that are linearizable", () => {
  it("accepts a read that overlaps a write and sees either value", () => {
    expect(verdictOf([write(1, 0, 3), read(1, 1, 2)])).toBe("linearizable");
    expect(verdictOf([write(1, 0, 3), read(null, 1, 2)])).toBe("linearizable");
  });

  it("accepts reads that order overlapping writes differently from their invocations", () => {
    // write(1) may take effect after write(2), between the two reads.
    expect(verdictOf([write(1, 0, 10), write(2, 1, 5), read(2, 2, 3), read(1, 6, 7)])).toBe("linearizable");
  });

  it("accepts an indeterminate write that is seen only after some reads missed it", () => {
    expect(verdictOf([write(1, 0, never), read(null, 1, 2), read(1, 3, 4), read(1, 5, 6)])).toBe(
      "linearizable",
    );
  });

  it("accepts an indeterminate write that never took effect", () => {
    expect(verdictOf([write(1, 0, never), read(null, 1, 2), write(2, 3, 4), read(2, 5, 6)])).toBe(
      "linearizable",
    );
  });

  it("accepts an indeterminate write that took effect long after a later write", () => {
    expect(verdictOf([write(1, 0, never), write(2, 1, 2), read(2, 3, 4), read(1, 5, 6)])).toBe(
      "linearizable",
    );
  });

  it("counts operations that touch at one instant as concurrent", () => {
    // The read is called at the instant the write returns, so it may precede it.
    expect(verdictOf([write(1, 0, 5), read(null, 5, 6)])).toBe("linearizable");
    expect(verdictOf([write(1, 0, 5), read(null, 6, 7)])).toBe("not-linearizable");
  });

  it("accepts a read whose result is unknown in any state", () => {
    const timedOut: Operation<RegisterInput, RegisterOutput> = {
      process: 9,
      input: { kind: "read" },
      output: undefined,
      callTime: 2,
      returnTime: 3,
    };
    expect(verdictOf([write(1, 0, 1), timedOut, read(1, 4, 5)])).toBe("linearizable");
  });

  it("accepts a failed compare-and-set as a real answer that wrote nothing", () => {
    expect(verdictOf([write(1, 0, 1), cas(2, 3, false, 2, 3), read(1, 4, 5)])).toBe("linearizable");
  });

  it("accepts the empty history", () => {
    expect(verdictOf([])).toBe("linearizable");
  });
});

function kv(
  input: KvInput,
  output: KvOutput | undefined,
  callTime: number,
  returnTime: number,
): Operation<KvInput, KvOutput> {
  return { process: callTime, input, output, callTime, returnTime };
}

describe("key-value histories", () => {
  it("rejects a lost append and names the key it happened on", () => {
    const history = [
      kv({ kind: "append", key: "x", value: "a" }, { kind: "append" }, 0, 1),
      kv({ kind: "append", key: "y", value: "a" }, { kind: "append" }, 0, 1),
      kv({ kind: "append", key: "y", value: "b" }, { kind: "append" }, 2, 3),
      kv({ kind: "get", key: "x" }, { kind: "get", value: "a" }, 4, 5),
      kv({ kind: "get", key: "y" }, { kind: "get", value: "b" }, 4, 5),
    ];
    const result = checkLinearizability(kvModel, history);
    expect(result.verdict).toBe("not-linearizable");
    if (result.verdict !== "not-linearizable") return;
    expect(new Set(result.partition.map((operation) => operation.input.key))).toEqual(new Set(["y"]));
  });

  it("accepts concurrent appends seen in either order, each key on its own", () => {
    const history = [
      kv({ kind: "append", key: "x", value: "a" }, { kind: "append" }, 0, 4),
      kv({ kind: "append", key: "x", value: "b" }, { kind: "append" }, 1, 3),
      kv({ kind: "get", key: "x" }, { kind: "get", value: "ba" }, 5, 6),
      kv({ kind: "put", key: "y", value: "z" }, undefined, 0, never),
      kv({ kind: "get", key: "y" }, { kind: "get", value: "" }, 1, 2),
    ];
    expect(checkLinearizability(kvModel, history).verdict).toBe("linearizable");
  });
});

describe("budgets", () => {
  // Sixteen concurrent writes and then a read of a value none of them wrote: every order of the
  // writes must be refuted, about 16 × 2^16 cache entries, far more than the budgets below.
  const hard = [...Array.from({ length: 16 }, (_, value) => write(value, 0, 100)), read(99, 101, 102)];

  it("answers unknown (timed-out) when the time budget runs out", () => {
    const started = performance.now();
    expect(checkLinearizability(registerModel, hard, { timeoutMs: 5 })).toEqual({
      verdict: "unknown",
      reason: "timed-out",
    });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("answers unknown (cache-full) when the memory budget runs out", () => {
    expect(checkLinearizability(registerModel, hard, { cacheBytesMax: 64 * 1024 })).toEqual({
      verdict: "unknown",
      reason: "cache-full",
    });
  });

  it("still reports a violation in one key when another key outgrows the cache", () => {
    const appends = Array.from({ length: 16 }, (_, index) =>
      kv({ kind: "append", key: "hard", value: String.fromCharCode(97 + index) }, { kind: "append" }, 0, 100),
    );
    const history = [
      ...appends,
      kv({ kind: "get", key: "hard" }, { kind: "get", value: "#" }, 101, 102),
      kv({ kind: "put", key: "easy", value: "1" }, { kind: "put" }, 0, 1),
      kv({ kind: "get", key: "easy" }, { kind: "get", value: "" }, 2, 3),
    ];
    const result = checkLinearizability(kvModel, history, { cacheBytesMax: 64 * 1024 });
    expect(result.verdict).toBe("not-linearizable");
  });

  it("rejects operations that return before they are called", () => {
    expect(() => verdictOf([write(1, 5, 4)])).toThrow(RangeError);
  });
});
