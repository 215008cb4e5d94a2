#!/usr/bin/env node
/**
 * The `zab-check` command: checks recorded histories for linearizability.
 *
 * ```text
 * zab-check history --format etcd|kv [--timeout-ms N] FILE...
 * ```
 *
 * It prints one line per file, `FILE: linearizable`, `FILE: not linearizable` or
 * `FILE: unknown (timed out)` (or `(cache limit reached)`), and exits with
 *
 * - 0 when every file is linearizable;
 * - 1 when some file is not linearizable (whatever happened to the others);
 * - 2 on a usage error, or when some file could not be read or held no operation of the format
 *   (which usually means the wrong `--format`); the reason goes to stderr;
 * - 3 when the verdict for some file is unknown and nothing else went wrong.
 *
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  checkLinearizability,
  type LinearizabilityResult,
} from "../linearizability/check-linearizability.js";
import { kvModel } from "../linearizability/kv-model.js";
import { parseEtcdHistory } from "../linearizability/parse-etcd-history.js";
import { parseKvHistory } from "../linearizability/parse-kv-history.js";
import { registerModel } from "../linearizability/register-model.js";

const usage = "usage: zab-check history --format etcd|kv [--timeout-ms N] FILE...";
const help = `${usage}

Checks each history FILE for linearizability and prints "FILE: VERDICT".
  --format etcd    Jepsen etcd compare-and-set register logs
  --format kv      key-value histories of EDN maps (get, put, append)
  --timeout-ms N   time budget per file (default 60000); past it the verdict is unknown

Exit status: 0 all linearizable, 1 some file not linearizable, 2 usage error or a file
that could not be read or held no operations, 3 some verdict unknown.`;
/** Files are read whole into memory, so their size is bounded. */
const historyBytesMax = 64 * 1024 * 1024;
const timeoutMsDefault = 60_000;

const exitSuccess = 0;
const exitNotLinearizable = 1;
const exitUsageOrInput = 2;
const exitUnknown = 3;

type Verdict = "linearizable" | "not linearizable" | "unknown (timed out)" | "unknown (cache limit reached)";

/** Parses and checks one history text; `undefined` when it holds no operation of the format. */
type Checker = (text: string, timeoutMs: number) => Verdict | undefined;

// A Map, not an object literal, so that --format toString finds nothing.
const checkers = new Map<string, Checker>([
  [
    "etcd",
    (text, timeoutMs) => {
      const history = parseEtcdHistory(text);
      return history.length === 0
        ? undefined
        : describe(checkLinearizability(registerModel, history, { timeoutMs }));
    },
  ],
  [
    "kv",
    (text, timeoutMs) => {
      const history = parseKvHistory(text);
      return history.length === 0
        ? undefined
        : describe(checkLinearizability(kvModel, history, { timeoutMs }));
    },
  ],
]);

function describe(result: LinearizabilityResult<unknown, unknown>): Verdict {
  switch (result.verdict) {
    case "linearizable":
      return "linearizable";
    case "not-linearizable":
      return "not linearizable";
    case "unknown":
      return result.reason === "timed-out" ? "unknown (timed out)" : "unknown (cache limit reached)";
  }
}

function main(args: readonly string[]): number {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(args);
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(`${help}\n`);
    return exitSuccess;
  }
  const [command, ...files] = positionals;
  if (command !== "history")
    return usageError(command === undefined ? "missing command" : `unknown command "${command}"`);
  const checker = values.format === undefined ? undefined : checkers.get(values.format);
  if (checker === undefined)
    return usageError(`--format must be etcd or kv, not ${values.format ?? "missing"}`);
  const timeoutMs = Number(values["timeout-ms"] ?? timeoutMsDefault);
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0)
    return usageError("--timeout-ms must be a positive integer");
  if (files.length === 0) return usageError("no history files given");

  const seen = new Set<number>();
  for (const file of files) {
    const text = readHistory(file);
    if (text === undefined) {
      seen.add(exitUsageOrInput);
      continue;
    }
    const verdict = checker(text, timeoutMs);
    if (verdict === undefined) {
      process.stderr.write(`zab-check: ${file}: no ${values.format} operations found; is --format right?\n`);
      seen.add(exitUsageOrInput);
      continue;
    }
    process.stdout.write(`${file}: ${verdict}\n`);
    if (verdict === "not linearizable") seen.add(exitNotLinearizable);
    else if (verdict !== "linearizable") seen.add(exitUnknown);
  }
  // A violation is the most important finding, then a file that was not checked at all.
  return [exitNotLinearizable, exitUsageOrInput, exitUnknown].find((code) => seen.has(code)) ?? exitSuccess;
}

function parseOptions(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: "string" },
      "timeout-ms": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function readHistory(file: string): string | undefined {
  try {
    const stats = statSync(file);
    if (!stats.isFile()) throw new Error("not a regular file");
    if (stats.size > historyBytesMax) throw new Error(`larger than ${historyBytesMax} bytes`);
    return readFileSync(file, "utf8");
  } catch (error) {
    process.stderr.write(
      `zab-check: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return undefined;
  }
}

function usageError(message: string): number {
  process.stderr.write(`zab-check: ${message}\n${usage}\n`);
  return exitUsageOrInput;
}

process.exitCode = main(process.argv.slice(2));
