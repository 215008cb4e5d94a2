// The zab command run from source as a child process, exactly as `pnpm --filter @zab/cli zab`
// runs it: node with the @zab/source condition and tsx. Every child is registered when it starts
// so that a test's afterEach/afterAll can kill whatever is still running, by PID, pass or fail.

import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
const entry = "src/bin/zab.ts";

/** How a finished child ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** What a finished command printed, and how it ended. */
export interface Outcome extends Exit {
  readonly stdout: string;
  readonly stderr: string;
}

const running = new Set<ZabProcess>();

/** A running `zab` child, with its output as lines. */
export class ZabProcess {
  readonly #child: ChildProcessByStdio<null, Readable, Readable>;
  readonly #exited: Promise<Exit>;
  #stdout = "";
  #stderr = "";
  #exit: Exit | undefined;

  /** Starts `zab ARGS`. */
  constructor(args: readonly string[]) {
    this.#child = spawn(process.execPath, ["--conditions=@zab/source", "--import", "tsx", entry, ...args], {
      cwd: packageRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(this);
    this.#child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      this.#stdout += chunk;
    });
    this.#child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      this.#stderr += chunk;
    });
    this.#exited = new Promise((resolve, reject) => {
      this.#child.on("error", reject);
      // "close", not "exit": by then both pipes are drained, so the output is complete.
      this.#child.on("close", (code, signal) => {
        running.delete(this);
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
  }

  /** The child's PID. */
  get pid(): number {
    const pid = this.#child.pid;
    if (pid === undefined) throw new Error(`zab did not start: ${this.#stderr}`);
    return pid;
  }

  /** Everything written to stdout so far. */
  get stdout(): string {
    return this.#stdout;
  }

  /** Everything written to stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** How it ended, once it has. */
  get exit(): Exit | undefined {
    return this.#exit;
  }

  /** Resolves when the child has exited and its output is complete. */
  exited(): Promise<Exit> {
    return this.#exited;
  }

  /** Waits until a line of `stream` matches, failing (with the child's output) on exit or timeout. */
  async waitForLine(stream: "stdout" | "stderr", pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this[stream].split("\n").find((candidate) => pattern.test(candidate));
      if (line !== undefined) return line;
      if (this.#exit !== undefined || Date.now() > deadline) {
        const why =
          this.#exit === undefined
            ? `within ${timeoutMs} ms`
            : `before exiting (${JSON.stringify(this.#exit)})`;
        throw new Error(
          `zab printed no ${stream} line matching ${pattern} ${why}\nstdout:\n${this.#stdout}\nstderr:\n${this.#stderr}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Sends a signal to the child's PID (only). */
  signal(name: NodeJS.Signals): void {
    if (this.#exit === undefined) process.kill(this.pid, name);
  }

  /** Kills the child with SIGKILL if it still runs, and waits until it is reaped. */
  async kill(): Promise<void> {
    this.signal("SIGKILL");
    await this.#exited;
  }
}

/** Runs `zab ARGS` to completion. */
export async function zab(args: readonly string[], timeoutMs = 30_000): Promise<Outcome> {
  const child = new ZabProcess(args);
  const timer = setTimeout(() => child.signal("SIGKILL"), timeoutMs);
  try {
    const exit = await child.exited();
    return { ...exit, stdout: child.stdout, stderr: child.stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Kills every child still running: call it from afterEach/afterAll so no test leaves one behind. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.kill()));
}
