/**
 * A single compare-and-set register, the object of Jepsen's etcd and cas-register tests: reads,
 * blind writes, and compare-and-set, starting from `nil`.
 *
 * @module
 */
import type { Model } from "./model.js";

/**
 * A register value: an integer, or `null` for Jepsen's `nil` (never written).
 *
 * @since 0.1.0
 */
export type RegisterValue = number | null;

/**
 * A register operation.
 *
 * @since 0.1.0
 */
export type RegisterInput =
  | {
      /** Read the register. */
      readonly kind: "read";
    }
  | {
      /** Write `value`. */
      readonly kind: "write";
      /** The value written. */
      readonly value: number;
    }
  | {
      /** Write `to` if the register holds `from`. */
      readonly kind: "cas";
      /** The value expected. */
      readonly from: number;
      /** The value written when the expectation holds. */
      readonly to: number;
    };

/**
 * A register operation's response: the value read, that a write completed, or whether a
 * compare-and-set's comparison held (and so whether it wrote).
 *
 * @since 0.1.0
 */
export type RegisterOutput =
  | {
      /** Answers a read. */
      readonly kind: "read";
      /** The value read (`null` before any write). */
      readonly value: RegisterValue;
    }
  | {
      /** A write completed. */
      readonly kind: "write";
    }
  | {
      /** Answers a compare-and-set. */
      readonly kind: "cas";
      /** Whether the comparison held, and so whether it wrote. */
      readonly ok: boolean;
    };

/**
 * The compare-and-set register model: initially `null`; `cas` writes `to` iff the value is
 * `from`, and reports whether it did.
 *
 * @remarks
 * A failed `cas` is a real answer (the comparison did not hold, nothing was written), not an
 * unknown outcome. An operation whose output is unknown is accepted in every state and applied
 * as if it took effect. There is a single register, so the model does not partition.
 *
 * @example
 * ```ts
 * import { checkLinearizability, registerModel } from "@zab/testkit";
 *
 * const result = checkLinearizability(registerModel, [
 *   { process: 0, input: { kind: "write", value: 1 }, output: { kind: "write" }, callTime: 0, returnTime: 2 },
 *   { process: 1, input: { kind: "read" }, output: { kind: "read", value: 1 }, callTime: 1, returnTime: 3 },
 * ]);
 * // result.verdict === "linearizable": the read may follow the overlapping write.
 * ```
 * @since 0.1.0
 */
export const registerModel: Model<RegisterValue, RegisterInput, RegisterOutput> = {
  init: () => null,
  step(state, input, output) {
    switch (input.kind) {
      case "read":
        return { ok: output === undefined || (output.kind === "read" && output.value === state), state };
      case "write":
        return { ok: output === undefined || output.kind === "write", state: input.value };
      case "cas": {
        const holds = state === input.from;
        return {
          ok: output === undefined || (output.kind === "cas" && output.ok === holds),
          state: holds ? input.to : state,
        };
      }
    }
  },
  equal: (a, b) => a === b,
  // null cannot be a number key, so it gets a string one; a collision would only cost speed.
  hash: (state) => state ?? "nil",
};
