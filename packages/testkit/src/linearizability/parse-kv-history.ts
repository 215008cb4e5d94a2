/**
 * Reads a Jepsen-style key-value history (the format of Porcupine's `kv/*.txt` files) into a
 * history for the key-value model. Each line is one flat EDN map:
 *
 * `{:process P, :type :invoke|:ok, :f :get|:put|:append, :key "K", :value "V"|nil}`
 *
 * An invocation of `:get` has `:value nil`; its `:ok` carries the value read. Invocations with no
 * matching `:ok` are indeterminate. Any other line, and any `:ok` that does not match its
 * process's pending invocation, is ignored.
 *
 * @module
 */
import { type EdnScalar, parseEdnMap } from "./edn-map.js";
import { HistoryBuilder, type HistoryBuilderOptions } from "./history-builder.js";
import type { KvInput, KvOutput } from "./kv-model.js";
import type { Operation } from "./operation.js";

/**
 * Parses a key-value history (see the module description).
 *
 * @remarks
 * Times count the invocations and completions in line order. The result is for {@link kvModel}.
 *
 * @param text - The whole history.
 * @param options - Limits; see {@link HistoryBuilderOptions}.
 * @returns The operations, sorted by call time.
 * @throws RangeError if the history has more than `operationsMax` invocations.
 * @example
 * ```ts
 * import { checkLinearizability, kvModel, parseKvHistory } from "@zab/testkit";
 *
 * const history = parseKvHistory('{:process 0, :type :invoke, :f :get, :key "k", :value nil}\n');
 * checkLinearizability(kvModel, history).verdict; // "linearizable": the get never returned
 * ```
 * @since 0.1.0
 */
export function parseKvHistory(
  text: string,
  options: HistoryBuilderOptions = {},
): Operation<KvInput, KvOutput>[] {
  const builder = new HistoryBuilder<KvInput, KvOutput>(options);
  for (const line of text.split("\n")) {
    const entries = parseEdnMap(line);
    if (entries === undefined) continue;
    const process = entries.get("process");
    const type = keywordOf(entries.get("type"));
    const operation = keywordOf(entries.get("f"));
    const key = stringOf(entries.get("key"));
    const value = entries.get("value");
    if (process?.type !== "integer" || key === undefined || value === undefined) continue;
    const valueString = stringOf(value);
    if (type === "invoke") {
      if (operation === "get" && value.type === "nil") builder.invoke(process.value, { kind: "get", key });
      else if ((operation === "put" || operation === "append") && valueString !== undefined) {
        builder.invoke(process.value, { kind: operation, key, value: valueString });
      }
    } else if (type === "ok") {
      const pending = builder.pendingInput(process.value);
      if (pending === undefined || pending.kind !== operation || pending.key !== key) continue;
      if (pending.kind === "get") {
        if (valueString !== undefined) builder.complete(process.value, { kind: "get", value: valueString });
      } else {
        builder.complete(process.value, { kind: pending.kind });
      }
    }
  }
  return builder.build();
}

function keywordOf(scalar: EdnScalar | undefined): string | undefined {
  return scalar?.type === "keyword" ? scalar.name : undefined;
}

function stringOf(scalar: EdnScalar | undefined): string | undefined {
  return scalar?.type === "string" ? scalar.value : undefined;
}
