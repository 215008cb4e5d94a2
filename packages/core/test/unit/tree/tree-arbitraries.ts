// fast-check arbitraries for sequences of data tree transactions over a small universe of paths,
// so that operations collide and both successes and every kind of refusal occur.

import fc from "fast-check";
import type { CreateMode, MultiItemOp } from "../../../src/protocol/client-messages.js";
import { type SessionId, sessionId } from "../../../src/protocol/ids.js";
import type { TreeTxnOp } from "../../../src/tree/tree-txn.js";
import { passwordFor, TreeDriver } from "./tree-helpers.js";

/** One transaction to apply: an operation and the session it runs for. */
export interface TreeStep {
  readonly sessionId: SessionId;
  readonly op: TreeTxnOp;
}

const path = fc
  .array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 3 })
  .map((segments) => `/${segments.join("/")}`);
const version = fc.constantFrom(-1, 0, 1);
const data = fc.uint8Array({ maxLength: 16 });
const mode = fc.constantFrom<CreateMode>(
  "persistent",
  "ephemeral",
  "persistentSequential",
  "ephemeralSequential",
);
const sessionNumber = fc.constantFrom(1n, 2n, 3n);

const create = fc.record({ op: fc.constant("create"), path, data, mode, ttlMs: fc.constant(0) });
const remove = fc.record({ op: fc.constant("delete"), path, version });
const setData = fc.record({ op: fc.constant("setData"), path, data, version });
const check = fc.record({ op: fc.constant("check"), path, version });

const op: fc.Arbitrary<TreeTxnOp> = fc.oneof(
  { arbitrary: create, weight: 4 },
  { arbitrary: remove, weight: 2 },
  { arbitrary: setData, weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant("multi"),
      ops: fc.array(fc.oneof<fc.Arbitrary<MultiItemOp>[]>(create, remove, setData, check), { maxLength: 3 }),
    }),
    weight: 1,
  },
  {
    arbitrary: sessionNumber.map((id) => ({
      op: "createSession" as const,
      sessionId: sessionId(id),
      timeoutMs: 10_000,
      password: passwordFor(id),
    })),
    weight: 1,
  },
  {
    arbitrary: sessionNumber.map((id) => ({ op: "closeSession" as const, sessionId: sessionId(id) })),
    weight: 1,
  },
);

/** A step, mostly by session 0 (the ensemble) or 1 and 2, sometimes by a session never opened. */
export const treeStepArbitrary: fc.Arbitrary<TreeStep> = fc.record({
  sessionId: fc.constantFrom(0n, 1n, 1n, 2n, 2n, 4n).map(sessionId),
  op,
});

/** A sequence of steps that opens sessions 1 and 2 first, so ephemeral creates often succeed. */
export const treeStepsArbitrary: fc.Arbitrary<TreeStep[]> = fc
  .array(treeStepArbitrary, { maxLength: 60 })
  .map((steps) => [
    ...[1n, 2n].map((id) => ({
      sessionId: sessionId(0n),
      op: {
        op: "createSession" as const,
        sessionId: sessionId(id),
        timeoutMs: 10_000,
        password: passwordFor(id),
      },
    })),
    ...steps,
  ]);

/** Applies steps to a new tree. */
export function replay(steps: readonly TreeStep[]): TreeDriver {
  const driver = new TreeDriver();
  for (const step of steps) driver.apply(step.op, { sessionId: step.sessionId });
  return driver;
}
