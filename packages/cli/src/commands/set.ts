/**
 * `zab set PATH DATA`: replace a znode's data.
 *
 * @module
 */
import { parseCommandArgs, positionalArgs } from "../args/parse-command-args.js";
import { VERSION_OPTION, versionFlag } from "../args/version-flag.js";
import type { CommandIo } from "../command-io.js";
import { EXIT_STATUS } from "../exit-status.js";
import { statLines } from "../format/stat.js";
import { CLIENT_OPTIONS, CLIENT_USAGE, withEnsembleSession } from "../session/ensemble-session.js";
import type { Command } from "./command.js";

const OPTIONS = { ...CLIENT_OPTIONS, ...VERSION_OPTION, stat: { type: "boolean" } } as const;

/**
 * `zab set`.
 *
 * @since 0.1.0
 * @internal
 */
export const setCommand: Command = {
  name: "set",
  summary: "replace a znode's data",
  usage: `usage: zab set PATH DATA [--version N] [--stat] (--config FILE | --members HOST:PORT,... AUTH)

Replaces PATH's data with DATA (as UTF-8). Prints nothing unless --stat.

  --version N                   only if the node's data version is N (compare-and-set); else
                                fails with BadVersion
  --stat                        print the node's stat after the write
${CLIENT_USAGE}`,
  run: set,
};

async function set(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  const [path, data] = positionalArgs(positionals, ["PATH", "DATA"]);
  const version = versionFlag(values.version);
  const stat = await withEnsembleSession(values, io, "zab set", (session, signal) =>
    session.setData(path, new TextEncoder().encode(data), { version, signal }),
  );
  if (values.stat === true) io.stdout.write(statLines(stat));
  return EXIT_STATUS.ok;
}
