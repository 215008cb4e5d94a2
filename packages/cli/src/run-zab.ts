/**
 * The `zab` command line: picks the command, runs it, and turns whatever it throws into one
 * `error: <code>: <message>` line and an exit status.
 *
 * @module
 */
import { ZabError } from "@zab/core";
import type { CommandIo } from "./command-io.js";
import type { Command } from "./commands/command.js";
import { createCommand } from "./commands/create.js";
import { demoCommand } from "./commands/demo.js";
import { getCommand } from "./commands/get.js";
import { lsCommand } from "./commands/ls.js";
import { rmCommand } from "./commands/rm.js";
import { serveCommand } from "./commands/serve.js";
import { setCommand } from "./commands/set.js";
import { statusCommand } from "./commands/status.js";
import { watchCommand } from "./commands/watch.js";
import { EXIT_STATUS, reportError } from "./exit-status.js";
import { cliVersion } from "./version.js";

// A Map, not an object literal, so that `zab constructor` finds nothing inherited.
const COMMANDS: ReadonlyMap<string, Command> = new Map(
  [
    serveCommand,
    statusCommand,
    lsCommand,
    getCommand,
    setCommand,
    createCommand,
    rmCommand,
    watchCommand,
    demoCommand,
  ].map((command) => [command.name, command]),
);

const HELP_FLAGS = new Set(["--help", "-h"]);

/**
 * Runs the `zab` command line.
 *
 * @remarks
 * Commands:
 *
 * - `serve`: run one ensemble member until SIGINT or SIGTERM;
 * - `status`: every member's role, epoch, zxids, lag, sessions, connections and watches;
 * - `ls`, `get`, `set`, `create`, `rm`: znode operations, as in zkCli;
 * - `watch`: print every change under a znode until stopped;
 * - `demo`: start a local three-member ensemble and narrate a leader crash;
 * - `help [COMMAND]`, `--version`.
 *
 * Results go to `io.stdout`; logs, progress and errors to `io.stderr`. A failure is reported as
 * one line, `error: <code>: <message>` (the {@link ZabError} code, or a system error's code such
 * as `EADDRINUSE`), with no stack trace. `io.signal` stops long-running commands cleanly.
 * @param argv - The arguments after the program name, such as `["get", "/app", "--config", "zab.json"]`.
 * @param io - Where output goes, and the signal that stops the command.
 * @returns The exit status: 0 on success (or a clean stop), 1 when the operation failed, 2 for a
 *   bad command line or configuration.
 * @example
 * ```ts
 * import { runZab } from "@zab/cli";
 *
 * const controller = new AbortController();
 * process.once("SIGINT", () => controller.abort());
 * process.exitCode = await runZab(["status", "--config", "zab.json"], {
 *   stdout: process.stdout,
 *   stderr: process.stderr,
 *   signal: controller.signal,
 * });
 * ```
 * @since 0.1.0
 */
export async function runZab(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "help" || HELP_FLAGS.has(name)) {
    return help(args[0], io);
  }
  if (name === "--version" || name === "-v") {
    io.stdout.write(`${cliVersion()}\n`);
    return EXIT_STATUS.ok;
  }
  const command = COMMANDS.get(name);
  if (command === undefined) {
    return reportError(
      new ZabError("Invalid", `unknown command "${name}"; run "zab help" for the list`),
      io.stderr,
    );
  }
  if (args.some((arg) => HELP_FLAGS.has(arg))) {
    io.stdout.write(`${command.usage}\n`);
    return EXIT_STATUS.ok;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    return reportError(error, io.stderr);
  }
}

function help(topic: string | undefined, io: CommandIo): number {
  if (topic !== undefined) {
    const command = COMMANDS.get(topic);
    if (command === undefined)
      return reportError(new ZabError("Invalid", `unknown command "${topic}"`), io.stderr);
    io.stdout.write(`${command.usage}\n`);
    return EXIT_STATUS.ok;
  }
  const width = Math.max(...[...COMMANDS.keys()].map((name) => name.length));
  const list = [...COMMANDS.values()].map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  io.stdout.write(
    `usage: zab COMMAND [ARGS]\n\nZooKeeper's ZAB for Node.js: run and drive an ensemble.\n\n${list.join("\n")}\n\n` +
      `Run "zab help COMMAND" for a command's flags. Exit status: 0 done, 1 failed, 2 bad usage or config.\n`,
  );
  return EXIT_STATUS.ok;
}
