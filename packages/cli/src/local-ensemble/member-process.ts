/**
 * One `zab serve` child process of a {@link LocalEnsemble}: started from the same build (or the
 * same sources) as the code that starts it, watched for its ready line, and ended by signal.
 *
 * @module
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { ServerId } from "@zab/core";

/**
 * The command line that runs `zab` the way this module itself runs: the built JavaScript, or the
 * TypeScript sources through tsx (in this repository, without a build).
 */
function zabCommand(): readonly string[] {
  const fromSources = import.meta.url.endsWith(".ts");
  const entry = fileURLToPath(new URL(`../bin/zab.${fromSources ? "ts" : "js"}`, import.meta.url));
  return fromSources ? ["--conditions=@zab/source", "--import", import.meta.resolve("tsx"), entry] : [entry];
}

/**
 * How a member process ended.
 *
 * @since 0.1.0
 */
export interface MemberExit {
  /** The exit status, or `null` when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, if one did. */
  readonly signal: NodeJS.Signals | null;
}

/** A running `zab serve`. */
export class MemberProcess {
  readonly #child: ChildProcessByStdio<null, Readable, Readable>;
  readonly exited: Promise<MemberExit>;
  readonly ready: Promise<void>;
  #stderrTail = "";

  /**
   * Starts `zab serve --config CONFIG --id ID --data-dir DIR`.
   *
   * @param id - The member.
   * @param args - The arguments after `serve`.
   * @param onLog - Receives each line the member logs (stderr).
   */
  constructor(
    readonly id: ServerId,
    args: readonly string[],
    onLog: (line: string) => void,
  ) {
    this.#child = spawn(process.execPath, [...zabCommand(), "serve", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.exited = new Promise((resolve, reject) => {
      this.#child.once("error", reject);
      this.#child.once("close", (code, signal) => resolve({ code, signal }));
    });
    this.#child.stderr.setEncoding("utf8");
    forEachLine(this.#child.stderr, (line) => {
      // The last lines explain a member that exits before it is ready.
      this.#stderrTail = `${this.#stderrTail}${line}\n`.slice(-2_000);
      onLog(line);
    });
    this.ready = new Promise((resolve, reject) => {
      this.#child.stdout.setEncoding("utf8");
      forEachLine(this.#child.stdout, (line) => {
        if (line.startsWith(`zab member ${id} ready`)) resolve();
      });
      void this.exited.then((exit) =>
        reject(
          new Error(
            `member ${id} exited (${exit.signal ?? exit.code}) before it was ready:\n${this.#stderrTail}`,
          ),
        ),
      );
    });
    // Nobody may be waiting for readiness when a member dies later: that is not an error.
    this.ready.catch(() => undefined);
  }

  /** The process id. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Whether the process has not ended yet. */
  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /**
   * Sends a signal (if the process still runs).
   *
   * @param signal - SIGKILL, SIGTERM, SIGSTOP, SIGCONT, ...
   */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.#child.kill(signal);
  }
}

/** Calls `each` with every complete line the stream produces. */
function forEachLine(stream: Readable, each: (line: string) => void): void {
  let partial = "";
  stream.on("data", (chunk: string) => {
    const lines = `${partial}${chunk}`.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) each(line);
  });
}
