/**
 * `zab status`: every member's role, epoch, zxids, lag, sessions, connections and watches.
 *
 * @module
 */
import { ZabError } from "@zab/core";
import { integerFlag, parseCommandArgs, positionalArgs } from "../args/parse-command-args.js";
import type { CommandIo } from "../command-io.js";
import { ENSEMBLE_OPTIONS, ENSEMBLE_USAGE, ensembleTarget } from "../config/ensemble-target.js";
import { EXIT_STATUS, reportError } from "../exit-status.js";
import { queryEnsemble } from "../status/ensemble-status.js";
import { statusJson, statusTable } from "../status/status-output.js";
import type { Command } from "./command.js";

const OPTIONS = { ...ENSEMBLE_OPTIONS, "timeout-ms": { type: "string" }, json: { type: "boolean" } } as const;

/** A member that has not answered by then is reported as unreachable; a healthy one takes ms. */
const MEMBER_TIMEOUT_MS_DEFAULT = 3_000;

/**
 * `zab status`.
 *
 * @since 0.1.0
 * @internal
 */
export const statusCommand: Command = {
  name: "status",
  summary: "show each member's role, epoch, zxids, lag, sessions, connections and watches",
  usage: `usage: zab status (--config FILE | --members HOST:PORT,... AUTH) [--json] [--timeout-ms N]

Asks every member at once how it is doing, over its client port without opening a session
(like ZooKeeper's srvr and mntr), and prints one row per member. LAG is how many transactions a
member's log is behind the leader's. A member that does not answer is shown as unreachable with
the reason; the exit status is 0 when at least one member answered, 1 when none did.

  --json                        print JSON instead of a table
${ENSEMBLE_USAGE}
  --timeout-ms N                time each member has to answer (default 3000)`,
  run: status,
};

async function status(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  positionalArgs(positionals, []);
  const timeoutMs =
    integerFlag("timeout-ms", values["timeout-ms"], { min: 1, max: 0x7fff_ffff }) ??
    MEMBER_TIMEOUT_MS_DEFAULT;
  const target = await ensembleTarget(values);
  const reports = await queryEnsemble(target, { signal: io.signal, timeoutMs });
  io.stdout.write(values.json === true ? statusJson(reports) : statusTable(reports));
  if (reports.some((report) => report.answered)) return EXIT_STATUS.ok;
  return reportError(new ZabError("ConnectionLoss", "no member answered"), io.stderr);
}
