/**
 * Reads the Jepsen log of an etcd compare-and-set register test (the format of Porcupine's and
 * ahorn/linearizability-checker's `etcd_*.log` files) into a register history.
 *
 * Each line is `INFO  jepsen.util - PROCESS :TYPE :F VALUE`, whitespace-separated:
 *
 * - `:invoke :read nil`, `:invoke :write V`, `:invoke :cas [FROM TO]` start an operation;
 * - `:ok :read V` (V an integer or `nil`), `:ok :write V`, `:ok :cas [FROM TO]` complete it;
 * - `:fail :cas [FROM TO]` completes a compare-and-set whose comparison did not hold;
 * - `:fail :read :timed-out` completes a read with an unknown result;
 * - `:info …` leaves the process's operation indeterminate, as does never completing it.
 *
 * Any other line, and any completion that does not match its process's pending invocation, is
 * ignored.
 *
 * @module
 */
import { HistoryBuilder, type HistoryBuilderOptions } from "./history-builder.js";
import type { Operation } from "./operation.js";
import type { RegisterInput, RegisterOutput } from "./register-model.js";

const linePattern =
  /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*?)\s*$/;
const integerPattern = /^-?\d+$/;
const pairPattern = /^\[\s*(-?\d+)\s+(-?\d+)\s*\]$/;

/**
 * Parses an etcd/Jepsen compare-and-set register log (see the module description).
 *
 * @remarks
 * Times count the invocations and completions in line order. The result is for {@link registerModel}.
 *
 * @param text - The whole log.
 * @param options - Limits; see {@link HistoryBuilderOptions}.
 * @returns The operations, sorted by call time.
 * @throws RangeError if the log has more than `operationsMax` invocations.
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { checkLinearizability, parseEtcdHistory, registerModel } from "@zab/testkit";
 *
 * const history = parseEtcdHistory(readFileSync("etcd_000.log", "utf8"));
 * console.log(checkLinearizability(registerModel, history).verdict);
 * ```
 * @since 0.1.0
 */
export function parseEtcdHistory(
  text: string,
  options: HistoryBuilderOptions = {},
): Operation<RegisterInput, RegisterOutput>[] {
  const builder = new HistoryBuilder<RegisterInput, RegisterOutput>(options);
  for (const line of text.split("\n")) {
    const match = linePattern.exec(line);
    if (match === null) continue;
    const [, processText = "", type, operation = "", value = ""] = match;
    const process = Number(processText);
    if (type === "invoke") {
      const input = invocation(operation, value);
      if (input !== undefined) builder.invoke(process, input);
    } else if (builder.pendingInput(process)?.kind === operation) {
      // A completion of something the process is not doing matches no documented shape: skipped.
      if (type === "info") builder.markIndeterminate(process);
      else {
        const outcome = completion(type === "ok", operation, value);
        if (outcome !== undefined) builder.complete(process, outcome.output);
      }
    }
  }
  return builder.build();
}

/** The input of an `:invoke` line, or `undefined` if its value does not fit the operation. */
function invocation(operation: string, value: string): RegisterInput | undefined {
  const pair = pairPattern.exec(value);
  if (operation === "read") return value === "nil" ? { kind: "read" } : undefined;
  if (operation === "write")
    return integerPattern.test(value) ? { kind: "write", value: Number(value) } : undefined;
  return pair === null ? undefined : { kind: "cas", from: Number(pair[1]), to: Number(pair[2]) };
}

/**
 * The output of an `:ok` or `:fail` line (`undefined` inside when the result is unknown), or
 * `undefined` if the line has no documented meaning.
 */
function completion(
  ok: boolean,
  operation: string,
  value: string,
): { readonly output: RegisterOutput | undefined } | undefined {
  const integer = integerPattern.test(value) ? Number(value) : undefined;
  const pair = pairPattern.test(value);
  if (ok) {
    if (operation === "read") {
      if (value === "nil") return { output: { kind: "read", value: null } };
      return integer === undefined ? undefined : { output: { kind: "read", value: integer } };
    }
    if (operation === "write") return integer === undefined ? undefined : { output: { kind: "write" } };
    return pair ? { output: { kind: "cas", ok: true } } : undefined;
  }
  // A failed compare-and-set is a real answer; a failed read only says it timed out.
  if (operation === "cas") return pair ? { output: { kind: "cas", ok: false } } : undefined;
  return operation === "read" && value === ":timed-out" ? { output: undefined } : undefined;
}
