/**
 * `zab rm PATH`: delete a znode.
 *
 * @module
 */
import { parseCommandArgs, positionalArgs } from "../args/parse-command-args.js";
import { VERSION_OPTION, versionFlag } from "../args/version-flag.js";
import type { CommandIo } from "../command-io.js";
import { EXIT_STATUS } from "../exit-status.js";
import { CLIENT_OPTIONS, CLIENT_USAGE, withEnsembleSession } from "../session/ensemble-session.js";
import type { Command } from "./command.js";

const OPTIONS = { ...CLIENT_OPTIONS, ...VERSION_OPTION } as const;

/**
 * `zab rm`.
 *
 * @since 0.1.0
 * @internal
 */
export const rmCommand: Command = {
  name: "rm",
  summary: "delete a znode",
  usage: `usage: zab rm PATH [--version N] (--config FILE | --members HOST:PORT,... AUTH)

Deletes PATH, which must have no children (else NotEmpty). Prints nothing.

  --version N                   only if the node's data version is N; else fails with BadVersion
${CLIENT_USAGE}`,
  run: rm,
};

async function rm(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  const [path] = positionalArgs(positionals, ["PATH"]);
  const version = versionFlag(values.version);
  await withEnsembleSession(values, io, "zab rm", (session, signal) =>
    session.delete(path, { version, signal }),
  );
  return EXIT_STATUS.ok;
}
