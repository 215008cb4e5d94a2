/**
 * `zab get PATH`: a znode's data, and optionally its stat.
 *
 * @module
 */
import { parseCommandArgs, positionalArgs } from "../args/parse-command-args.js";
import type { CommandIo } from "../command-io.js";
import { EXIT_STATUS } from "../exit-status.js";
import { statFields, statLines } from "../format/stat.js";
import { CLIENT_OPTIONS, CLIENT_USAGE, withEnsembleSession } from "../session/ensemble-session.js";
import type { Command } from "./command.js";

const OPTIONS = { ...CLIENT_OPTIONS, stat: { type: "boolean" }, json: { type: "boolean" } } as const;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * `zab get`.
 *
 * @since 0.1.0
 * @internal
 */
export const getCommand: Command = {
  name: "get",
  summary: "print a znode's data",
  usage: `usage: zab get PATH [--stat] [--json] (--config FILE | --members HOST:PORT,... AUTH)

Prints PATH's data as it is stored, followed by a line break. The read is linearizable: it sees
every write completed before it started, whichever member served it.

  --stat                        also print the stat (czxid, mzxid, version, ...), one field a line
  --json                        print {"path", "data", "dataBase64", "stat"}; "data" is the text,
                                or null when the data is not UTF-8
${CLIENT_USAGE}`,
  run: get,
};

async function get(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  const [path] = positionalArgs(positionals, ["PATH"]);
  const { data, stat } = await withEnsembleSession(values, io, "zab get", (session, signal) =>
    session.getData(path, { signal, linearizable: true }),
  );
  if (values.json === true) {
    const document = {
      path,
      data: textOf(data),
      dataBase64: Buffer.from(data).toString("base64"),
      stat: statFields(stat),
    };
    io.stdout.write(`${JSON.stringify(document)}\n`);
    return EXIT_STATUS.ok;
  }
  io.stdout.write(data);
  io.stdout.write("\n");
  if (values.stat === true) io.stdout.write(statLines(stat));
  return EXIT_STATUS.ok;
}

function textOf(data: Uint8Array): string | null {
  try {
    return strictUtf8.decode(data);
  } catch {
    // Not UTF-8: binary data shows in dataBase64 only.
    return null;
  }
}
