/**
 * `zab ls PATH`: a znode's children.
 *
 * @module
 */
import { parseCommandArgs, positionalArgs } from "../args/parse-command-args.js";
import type { CommandIo } from "../command-io.js";
import { EXIT_STATUS } from "../exit-status.js";
import { CLIENT_OPTIONS, CLIENT_USAGE, withEnsembleSession } from "../session/ensemble-session.js";
import type { Command } from "./command.js";

const OPTIONS = { ...CLIENT_OPTIONS, json: { type: "boolean" } } as const;

/**
 * `zab ls`.
 *
 * @since 0.1.0
 * @internal
 */
export const lsCommand: Command = {
  name: "ls",
  summary: "list a znode's children",
  usage: `usage: zab ls PATH [--json] (--config FILE | --members HOST:PORT,... AUTH)

Prints the names of PATH's children, sorted, one per line. The read is linearizable: it sees
every write completed before it started, whichever member served it.

  --json                        print a JSON array of the names
${CLIENT_USAGE}`,
  run: ls,
};

async function ls(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  const [path] = positionalArgs(positionals, ["PATH"]);
  const { children } = await withEnsembleSession(values, io, "zab ls", (session, signal) =>
    session.getChildren(path, { signal, linearizable: true }),
  );
  const sorted = [...children].sort();
  io.stdout.write(
    values.json === true ? `${JSON.stringify(sorted)}\n` : sorted.map((name) => `${name}\n`).join(""),
  );
  return EXIT_STATUS.ok;
}
