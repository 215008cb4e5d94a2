/**
 * `zab watch PATH`: print every change under a znode until stopped.
 *
 * @module
 */
import { formatZxid, type WatchEvent } from "@zab/core";
import { parseCommandArgs, positionalArgs } from "../args/parse-command-args.js";
import type { CommandIo } from "../command-io.js";
import { EXIT_STATUS } from "../exit-status.js";
import { CLIENT_OPTIONS, CLIENT_USAGE, withEnsembleSession } from "../session/ensemble-session.js";
import { followConnection } from "../session/follow-connection.js";
import type { Command } from "./command.js";

const OPTIONS = { ...CLIENT_OPTIONS, json: { type: "boolean" } } as const;

/**
 * `zab watch`.
 *
 * @since 0.1.0
 * @internal
 */
export const watchCommand: Command = {
  name: "watch",
  summary: "print every change to a znode and its descendants until Ctrl-C",
  usage: `usage: zab watch PATH [--json] (--config FILE | --members HOST:PORT,... AUTH)

Sets a persistent recursive watch on PATH and prints one line per event, in zxid order, until
Ctrl-C or SIGTERM (then exits 0):

  nodeCreated /app/config 0x0000000100000004

Events follow the session when it moves to another member, without a gap. Connection changes are
reported on stderr. Events are hints: read the node to learn its state.

  --json                        print each event as {"type", "path", "zxid"}
${CLIENT_USAGE}`,
  run: watch,
};

async function watch(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  const [path] = positionalArgs(positionals, ["PATH"]);
  const format = values.json === true ? eventJson : eventLine;
  await withEnsembleSession(values, io, "zab watch", async (session, signal) => {
    const events = session.watch(path, { recursive: true, signal: io.signal });
    // A read answered after the watch request means the member has set the watch: from here on,
    // no change is missed, and a script waiting for this line can start writing.
    await session.exists(path, { signal });
    io.stderr.write(`watching ${path} and everything below it; Ctrl-C to stop\n`);
    const printing = (async () => {
      try {
        for await (const event of events) io.stdout.write(format(event));
      } catch (error) {
        // The stream ends with the signal's error when the command is told to stop: a clean end.
        if (!io.signal.aborted) throw error;
      }
    })();
    await Promise.all([printing, followConnection(session, io.signal, io.stderr)]);
  });
  return EXIT_STATUS.ok;
}

function eventLine(event: WatchEvent): string {
  return `${event.type} ${event.path} ${formatZxid(event.zxid)}\n`;
}

function eventJson(event: WatchEvent): string {
  return `${JSON.stringify({ type: event.type, path: event.path, zxid: formatZxid(event.zxid) })}\n`;
}
