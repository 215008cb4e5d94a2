/**
 * A key-value store of strings with get, put and append, as in Porcupine's kv tests: a missing
 * key reads as the empty string and append concatenates. Partitioned by key, so each key is
 * checked as its own small register-like object.
 *
 * @module
 */
import type { Model } from "./model.js";
import type { Operation } from "./operation.js";

/**
 * A key-value operation.
 *
 * @since 0.1.0
 */
export type KvInput =
  | {
      /** Read a key. */
      readonly kind: "get";
      /** The key. */
      readonly key: string;
    }
  | {
      /** Replace a key's value. */
      readonly kind: "put";
      /** The key. */
      readonly key: string;
      /** The new value. */
      readonly value: string;
    }
  | {
      /** Append to a key's value. */
      readonly kind: "append";
      /** The key. */
      readonly key: string;
      /** What is appended. */
      readonly value: string;
    };

/**
 * A key-value operation's response: the value a get returned, or that a put or append completed.
 *
 * @since 0.1.0
 */
export type KvOutput =
  | {
      /** Answers a get. */
      readonly kind: "get";
      /** The value read ("" for a missing key). */
      readonly value: string;
    }
  | {
      /** A put completed. */
      readonly kind: "put";
    }
  | {
      /** An append completed. */
      readonly kind: "append";
    };

/**
 * The key-value model. Its state is the value of one key, which is sound only because
 * `partition` gives each key its own sub-history.
 *
 * @remarks
 * A get with an unknown output is accepted in every state; a put or append with an unknown
 * output is applied as if it took effect.
 *
 * @example
 * ```ts
 * import { checkLinearizability, kvModel } from "@zab/testkit";
 *
 * const result = checkLinearizability(kvModel, [
 *   { process: 0, input: { kind: "append", key: "k", value: "a" }, output: { kind: "append" }, callTime: 0, returnTime: 1 },
 *   { process: 1, input: { kind: "get", key: "k" }, output: { kind: "get", value: "" }, callTime: 2, returnTime: 3 },
 * ]);
 * // result.verdict === "not-linearizable": the get began after the append finished.
 * ```
 * @since 0.1.0
 */
export const kvModel: Model<string, KvInput, KvOutput> = {
  init: () => "",
  step(state, input, output) {
    switch (input.kind) {
      case "get":
        return { ok: output === undefined || (output.kind === "get" && output.value === state), state };
      case "put":
        return { ok: output === undefined || output.kind === "put", state: input.value };
      case "append":
        return { ok: output === undefined || output.kind === "append", state: state + input.value };
    }
  },
  equal: (a, b) => a === b,
  hash: (state) => state,
  partition(history) {
    const byKey = new Map<string, Operation<KvInput, KvOutput>[]>();
    for (const operation of history) {
      const operations = byKey.get(operation.input.key);
      if (operations === undefined) byKey.set(operation.input.key, [operation]);
      else operations.push(operation);
    }
    return [...byKey.values()];
  },
};
