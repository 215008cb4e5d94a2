#!/usr/bin/env node
/**
 * The `zab` binary: {@link runZab} with the process's streams, stopped by SIGINT or SIGTERM.
 *
 * A first signal asks the command to stop cleanly (a member closes and releases its data
 * directory); a second one exits at once. Run it from source with
 * `node --conditions=@zab/source --import tsx packages/cli/src/bin/zab.ts`.
 *
 * @module
 */
import { ZabError } from "@zab/core";
import { runZab } from "../run-zab.js";

/**
 * How long the process may take to exit once the command returned: long enough to flush output,
 * short enough that a socket or timer left behind cannot keep a stopped member's process alive.
 */
const EXIT_GRACE_MS = 2_000;

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

const controller = new AbortController();
for (const name of ["SIGINT", "SIGTERM"] as const) {
  process.on(name, () => {
    if (controller.signal.aborted) process.exit(128 + SIGNAL_NUMBERS[name]);
    controller.abort(new ZabError("Aborted", `stopped by ${name}`));
  });
}
// A reader that went away (`zab watch / | head -1`) stops the command instead of crashing it.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  controller.abort(new ZabError("Aborted", "stdout was closed"));
});

const status = await runZab(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
});
process.exitCode = status;
setTimeout(() => process.exit(status), EXIT_GRACE_MS).unref();
