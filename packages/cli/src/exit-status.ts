/**
 * How a command ends: its exit status, and the one line that says why it failed.
 *
 * @module
 */
import { ZabError } from "@zab/core";
import type { OutputSink } from "./command-io.js";

/**
 * The exit statuses of `zab`.
 *
 * @since 0.1.0
 */
export const EXIT_STATUS: Readonly<{
  /**
   * 0: done; for `serve`, `watch` and `create --ephemeral`, also a clean stop on SIGINT or
   * SIGTERM.
   */
  ok: 0;
  /**
   * 1: the operation failed (the ensemble's answer, a taken port, a locked data directory, no
   * member answering `status`).
   */
  failed: 1;
  /**
   * 2: the command line or the configuration is wrong and nothing was attempted, or the ensemble
   * refused the input as invalid (a bad path).
   */
  usage: 2;
}> = Object.freeze({ ok: 0, failed: 1, usage: 2 });

/**
 * Prints `error: <code>: <message>` on one line and picks the exit status.
 *
 * @remarks
 * The code is the {@link ZabError}'s code, a system error's code (`EADDRINUSE`, `ENOENT`), or the
 * error's name for anything else. The message is flattened to one line, and no stack trace is
 * printed: every expected failure has a message that says what to do.
 * @param error - What the command threw.
 * @param stderr - Where the line goes.
 * @returns {@link EXIT_STATUS} `usage` for an `"Invalid"` error, `failed` otherwise.
 * @since 0.1.0
 * @internal
 */
export function reportError(error: unknown, stderr: OutputSink): number {
  const { code, message } = describeError(error);
  stderr.write(`error: ${code}: ${message.replace(/\s*\n\s*/g, " ")}\n`);
  return code === "Invalid" ? EXIT_STATUS.usage : EXIT_STATUS.failed;
}

/**
 * The code and message of anything thrown, as `zab` prints them.
 *
 * @param error - What was thrown.
 * @returns The {@link ZabError}'s code, a system error's code, or the error's name; and its message.
 * @since 0.1.0
 * @internal
 */
export function describeError(error: unknown): { readonly code: string; readonly message: string } {
  if (ZabError.isInstance(error)) return { code: error.code, message: error.message };
  if (error instanceof Error) {
    const systemCode = (error as NodeJS.ErrnoException).code;
    return { code: typeof systemCode === "string" ? systemCode : error.name, message: error.message };
  }
  return { code: "Error", message: String(error) };
}
