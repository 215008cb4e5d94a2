// Goal: the checker accepts every history that really comes from a linearizable execution, and
// its rejections are exactly right. Method (property-based, fast-check): run random operations
// one after another against a plain sequential register or key-value store, at linearization
// points 10 time units apart, and give each operation a random call time before its point and
// a random return time after it, so operations overlap at random. Some operations never return
// (they took effect, or never did) and some return an unknown output. Such a history is
// linearizable by construction (the points are a witness), so the checker must say so. Then
// corrupt one read:
// - to a value no operation ever wrote: no state of the object holds it, so the history must be
//   rejected;
// - to another value that may have been written (small histories only): whether that is still
//   linearizable depends on the overlaps, so the verdict must equal that of a brute-force search
//   over every order that respects real time; over the runs both verdicts must occur, and
//   rejections must be the more common.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkLinearizability } from "../../src/linearizability/check-linearizability.js";
import { type KvInput, type KvOutput, kvModel } from "../../src/linearizability/kv-model.js";
import type { Model } from "../../src/linearizability/model.js";
import type { Operation } from "../../src/linearizability/operation.js";
import {
  type RegisterInput,
  type RegisterOutput,
  type RegisterValue,
  registerModel,
} from "../../src/linearizability/register-model.js";

/** What happened to an operation: its response arrived, arrived without a usable output, or never arrived. */
type Fate = "returned" | "output-unknown" | "indeterminate-applied" | "indeterminate-lost";

interface Planned<Input> {
  readonly input: Input;
  /** Time units between the call and the linearization point. */
  readonly before: number;
  /** Time units between the linearization point and the return. */
  readonly after: number;
  readonly fate: Fate;
}

const pointSpacing = 10;
const fate = fc.oneof(
  { arbitrary: fc.constant<Fate>("returned"), weight: 6 },
  { arbitrary: fc.constant<Fate>("output-unknown"), weight: 1 },
  { arbitrary: fc.constant<Fate>("indeterminate-applied"), weight: 1 },
  { arbitrary: fc.constant<Fate>("indeterminate-lost"), weight: 1 },
);

/**
 * Operations that never return stay concurrent with everything after their call, and each one
 * doubles the orders a refutation must rule out; Jepsen histories have a few, so the plans do too.
 */
const indeterminateMax = 6;

function planned<Input>(input: fc.Arbitrary<Input>, maxLength: number): fc.Arbitrary<Planned<Input>[]> {
  // Offsets up to 4 spacings make each operation overlap up to about 8 others.
  const offset = fc.nat({ max: 4 * pointSpacing });
  return fc
    .array(fc.record({ input, before: offset, after: offset, fate }), { maxLength, size: "max" })
    .map((plan) => {
      let indeterminate = 0;
      return plan.map((step) => {
        if (step.fate !== "indeterminate-applied" && step.fate !== "indeterminate-lost") return step;
        indeterminate += 1;
        return indeterminate > indeterminateMax ? { ...step, fate: "returned" as const } : step;
      });
    });
}

/**
 * Runs the plan against a sequential object, turning each operation into a history entry.
 *
 * @param apply - Applies an input to the object and returns its output.
 */
function execute<Input, Output>(
  plan: readonly Planned<Input>[],
  apply: (input: Input) => Output,
): Operation<Input, Output>[] {
  return plan.map((step, index) => {
    const point = index * pointSpacing;
    const indeterminate = step.fate === "indeterminate-applied" || step.fate === "indeterminate-lost";
    const output = step.fate === "indeterminate-lost" ? undefined : apply(step.input);
    return {
      process: index,
      input: step.input,
      output: step.fate === "returned" ? output : undefined,
      callTime: point - step.before,
      returnTime: indeterminate ? Number.POSITIVE_INFINITY : point + step.after,
    };
  });
}

// Written values stay in 0..3, so 1000 is never written.
const registerValue = fc.integer({ min: 0, max: 3 });
const registerInput: fc.Arbitrary<RegisterInput> = fc.oneof(
  fc.constant({ kind: "read" } as const),
  registerValue.map((value) => ({ kind: "write", value }) as const),
  fc.record({ kind: fc.constant("cas" as const), from: registerValue, to: registerValue }),
);

function executeRegister(
  plan: readonly Planned<RegisterInput>[],
): Operation<RegisterInput, RegisterOutput>[] {
  let state: RegisterValue = null;
  return execute(plan, (input): RegisterOutput => {
    switch (input.kind) {
      case "read":
        return { kind: "read", value: state };
      case "write":
        state = input.value;
        return { kind: "write" };
      case "cas": {
        const ok = state === input.from;
        if (ok) state = input.to;
        return { kind: "cas", ok };
      }
    }
  });
}

// Values are letters, so "#" is never written.
const kvKey = fc.constantFrom("a", "b", "c");
const kvValue = fc.constantFrom("x", "y", "z");
const kvInput: fc.Arbitrary<KvInput> = fc.oneof(
  kvKey.map((key) => ({ kind: "get", key }) as const),
  fc.record({ kind: fc.constant("put" as const), key: kvKey, value: kvValue }),
  fc.record({ kind: fc.constant("append" as const), key: kvKey, value: kvValue }),
);

function executeKv(plan: readonly Planned<KvInput>[]): Operation<KvInput, KvOutput>[] {
  const store = new Map<string, string>();
  return execute(plan, (input): KvOutput => {
    const value = store.get(input.key) ?? "";
    switch (input.kind) {
      case "get":
        return { kind: "get", value };
      case "put":
        store.set(input.key, input.value);
        return { kind: "put" };
      case "append":
        store.set(input.key, value + input.value);
        return { kind: "append" };
    }
  });
}

/**
 * One operation of the given kind that returned an output (a candidate for corruption), chosen
 * by `pick`, or `undefined` when there is none.
 */
function pickReturned<Input extends { readonly kind: string }, Output>(
  history: readonly Operation<Input, Output>[],
  kind: Input["kind"],
  pick: number,
): { readonly index: number; readonly output: Output } | undefined {
  const candidates = history.flatMap((operation, index) =>
    operation.input.kind === kind && operation.output !== undefined
      ? [{ index, output: operation.output }]
      : [],
  );
  return candidates[pick % Math.max(1, candidates.length)];
}

function withOutput<Input, Output>(
  history: readonly Operation<Input, Output>[],
  index: number,
  output: Output,
): Operation<Input, Output>[] {
  return history.map((operation, at) => (at === index ? { ...operation, output } : operation));
}

/** The reference answer: tries every order that respects real time (feasible for a few operations). */
function linearizableByBruteForce<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: readonly Operation<Input, Output>[],
): boolean {
  const done = history.map(() => false);
  const search = (state: State, remaining: number): boolean => {
    if (remaining === 0) return true;
    // An operation may go next unless some other pending operation returned before it was called.
    const earliestReturn = Math.min(...history.filter((_, index) => !done[index]).map((op) => op.returnTime));
    return history.some((operation, index) => {
      if (done[index] || operation.callTime > earliestReturn) return false;
      const next = model.step(state, operation.input, operation.output);
      if (!next.ok) return false;
      done[index] = true;
      const found = search(next.state, remaining - 1);
      done[index] = false;
      return found;
    });
  };
  return search(model.init(), history.length);
}

// Safety nets, far above what a run takes (about a millisecond on average): the check is
// synchronous, so a regression that made it explode would otherwise stall the test runner.
const check = { timeoutMs: 5_000 };
const runs = (numRuns: number) => ({
  numRuns,
  interruptAfterTimeLimit: 20_000,
  markInterruptAsFailure: true,
});

describe("histories of sequential executions with random timing", () => {
  it("are linearizable (register)", () => {
    fc.assert(
      fc.property(planned(registerInput, 40), (plan) => {
        expect(checkLinearizability(registerModel, executeRegister(plan), check).verdict).toBe(
          "linearizable",
        );
      }),
      runs(300),
    );
  });

  it("are linearizable (key-value, partitioned by key)", () => {
    fc.assert(
      fc.property(planned(kvInput, 60), (plan) => {
        expect(checkLinearizability(kvModel, executeKv(plan), check).verdict).toBe("linearizable");
      }),
      runs(300),
    );
  });

  it("are not linearizable once a read returns a value never written (register)", () => {
    fc.assert(
      fc.property(planned(registerInput, 40), fc.nat(), (plan, pick) => {
        const history = executeRegister(plan);
        const read = pickReturned(history, "read", pick);
        fc.pre(read !== undefined);
        const corrupted = withOutput(history, read.index, { kind: "read", value: 1000 });
        expect(checkLinearizability(registerModel, corrupted, check).verdict).toBe("not-linearizable");
      }),
      runs(300),
    );
  });

  it("are not linearizable once a get returns a value never written (key-value)", () => {
    fc.assert(
      fc.property(planned(kvInput, 60), fc.nat(), (plan, pick) => {
        const history = executeKv(plan);
        const get = pickReturned(history, "get", pick);
        fc.pre(get !== undefined && get.output.kind === "get");
        const corrupted = withOutput(history, get.index, { kind: "get", value: `${get.output.value}#` });
        expect(checkLinearizability(kvModel, corrupted, check).verdict).toBe("not-linearizable");
      }),
      runs(300),
    );
  });

  it("are judged as a brute-force search judges them once a read returns another value", () => {
    const verdicts = { linearizable: 0, "not-linearizable": 0 };
    fc.assert(
      fc.property(
        planned(registerInput, 7),
        fc.nat(),
        fc.constantFrom<RegisterValue>(null, 0, 1, 2, 3),
        (plan, pick, value) => {
          const history = executeRegister(plan);
          const read = pickReturned(history, "read", pick);
          fc.pre(read !== undefined && read.output.kind === "read" && read.output.value !== value);
          const corrupted = withOutput(history, read.index, { kind: "read", value });
          const result = checkLinearizability(registerModel, corrupted, check);
          if (result.verdict === "unknown") throw new Error("a tiny history ran out of budget");
          verdicts[result.verdict] += 1;
          expect(result.verdict === "linearizable").toBe(linearizableByBruteForce(registerModel, corrupted));
        },
      ),
      runs(400),
    );
    // Overlaps excuse some corrupted reads but not most; both outcomes must really be exercised.
    expect(verdicts["not-linearizable"]).toBeGreaterThan(verdicts.linearizable);
    expect(verdicts.linearizable).toBeGreaterThan(0);
  });
});
