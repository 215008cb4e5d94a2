/**
 * `zab create PATH [DATA]`: create a znode; an ephemeral one lives as long as the command runs.
 *
 * @module
 */
import type { CreateMode } from "@zab/core";
import { parseCommandArgs, positionalArgs } from "../args/parse-command-args.js";
import type { CommandIo } from "../command-io.js";
import { EXIT_STATUS } from "../exit-status.js";
import { CLIENT_OPTIONS, CLIENT_USAGE, withEnsembleSession } from "../session/ensemble-session.js";
import { followConnection } from "../session/follow-connection.js";
import type { Command } from "./command.js";

const OPTIONS = {
  ...CLIENT_OPTIONS,
  ephemeral: { type: "boolean" },
  sequential: { type: "boolean" },
} as const;

/**
 * `zab create`.
 *
 * @since 0.1.0
 * @internal
 */
export const createCommand: Command = {
  name: "create",
  summary: "create a znode (ephemeral ones live while the command runs)",
  usage: `usage: zab create PATH [DATA] [--ephemeral] [--sequential] (--config FILE | --members HOST:PORT,... AUTH)

Creates PATH with DATA (as UTF-8; empty when absent) and prints the path created. The parent must
exist.

  --sequential                  append a 10-digit, increasing number to the name (the printed
                                path has it)
  --ephemeral                   tie the node to this command's session: the command keeps running,
                                and the node is deleted when it stops (Ctrl-C, SIGTERM) or its
                                session expires
${CLIENT_USAGE}`,
  run: create,
};

async function create(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  const [path, data] = positionalArgs(positionals, ["PATH"], 1);
  const ephemeral = values.ephemeral === true;
  const mode = createMode(ephemeral, values.sequential === true);
  await withEnsembleSession(values, io, "zab create", async (session, signal) => {
    const created = await session.create(path, { data: new TextEncoder().encode(data ?? ""), mode, signal });
    io.stdout.write(`${created}\n`);
    if (!ephemeral) return;
    io.stderr.write(`holding the ephemeral node ${created}; Ctrl-C deletes it\n`);
    await followConnection(session, io.signal, io.stderr);
  });
  return EXIT_STATUS.ok;
}

function createMode(ephemeral: boolean, sequential: boolean): CreateMode {
  if (ephemeral) return sequential ? "ephemeralSequential" : "ephemeral";
  return sequential ? "persistentSequential" : "persistent";
}
