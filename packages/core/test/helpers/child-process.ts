// A child Node process running a TypeScript fixture, for tests that need a second process
// (directory locks, SIGKILL mid-append). Dispose it (`await using`) so that no child outlives its
// test, pass or fail.

import { type ChildProcessByStdio, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

/** A running fixture with its stdout as lines. */
export class FixtureProcess implements AsyncDisposable {
  readonly #child: ChildProcessByStdio<null, Readable, Readable>;
  readonly #exited: Promise<void>;
  #stderr = "";
  // Read with next() only: a for-await loop that exits early would close the stream for good.
  readonly #lines: AsyncIterableIterator<string>;

  /**
   * @param script - Absolute path of the fixture (.ts), run with tsx.
   * @param args - Its arguments.
   */
  constructor(script: string, args: readonly string[]) {
    this.#child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#exited = once(this.#child, "exit").then(() => undefined);
    this.#child.stderr.on("data", (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    this.#lines = createInterface({ input: this.#child.stdout })[Symbol.asyncIterator]();
  }

  /** The child's PID. */
  get pid(): number {
    const pid = this.#child.pid;
    if (pid === undefined) throw new Error(`the fixture did not start: ${this.#stderr}`);
    return pid;
  }

  /** What the child wrote to stderr so far, for failure messages. */
  get stderr(): string {
    return this.#stderr;
  }

  /** The next line of stdout, or `undefined` once stdout has ended. */
  async readLine(): Promise<string | undefined> {
    const next = await this.#lines.next();
    return next.done === true ? undefined : next.value;
  }

  /** Reads stdout lines until one matches, or fails with the child's stderr when output ends. */
  async waitForLine(pattern: RegExp): Promise<RegExpExecArray> {
    for (let line = await this.readLine(); line !== undefined; line = await this.readLine()) {
      const match = pattern.exec(line);
      if (match !== null) return match;
    }
    throw new Error(`the fixture ended before printing ${pattern}; stderr:\n${this.#stderr}`);
  }

  /** Sends SIGKILL to the child's PID (only) and waits until it is reaped. */
  async kill(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) process.kill(this.pid, "SIGKILL");
    await this.#exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }
}
