/**
 * `zab demo`: starts a three-member ensemble on loopback and narrates what ZAB does with it.
 *
 * @module
 */
import { ZabError } from "@zab/core";
import { parseCommandArgs, positionalArgs } from "../args/parse-command-args.js";
import type { CommandIo } from "../command-io.js";
import { choiceField } from "../config/json-fields.js";
import { runDemo } from "../demo/demo.js";
import { EXIT_STATUS } from "../exit-status.js";
import type { Command } from "./command.js";

/**
 * `zab demo`.
 *
 * @since 0.1.0
 * @internal
 */
export const demoCommand: Command = {
  name: "demo",
  summary: "watch ZAB at work: three members, a leader killed, nothing lost",
  usage: `usage: zab demo [--transport tcp|nats] [--nats URL]

Starts three members as separate \`zab serve\` processes on loopback TCP (data in a temporary
directory), then narrates a short scenario: writes committed by a quorum, a watch firing, the
leader killed with SIGKILL while writes continue, a new leader elected, every acknowledged write
checked, and the old leader restarted and caught up. Stops everything it started and exits 0,
or exits 1 when something it checks does not hold.

  --transport nats   run the members over NATS instead
  --nats URL[,URL]   the NATS server(s), which must be reachable; without it the demo starts
                     nats-server on a free loopback port (and stops it at the end), or, when
                     the binary is not installed, tries nats://127.0.0.1:4222`,
  run: demo,
};

async function demo(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    transport: { type: "string" },
    nats: { type: "string" },
  });
  positionalArgs(positionals, []);
  const transport =
    values.transport === undefined ? "tcp" : choiceField(values.transport, "--transport", ["tcp", "nats"]);
  if (transport === "tcp" && values.nats !== undefined) {
    throw new ZabError("Invalid", "--nats goes with --transport nats");
  }
  const servers = values.nats?.split(",").map((url) => url.trim());
  await runDemo({
    print: (line) => io.stdout.write(`${line}\n`),
    signal: io.signal,
    ...(transport === "nats" ? { nats: { servers } } : {}),
  });
  return EXIT_STATUS.ok;
}
