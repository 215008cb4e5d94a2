/**
 * A real `nats-server` process for integration tests: started on a free loopback port with a
 * config file of its own, stopped and restarted on the same port, killed by its PID.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { untilAborted } from "@zab/core";
import { natsServerBinary } from "./nats-server-binary.js";

/**
 * Settings of {@link startNatsServer}.
 *
 * @since 0.1.0
 */
export interface NatsServerOptions {
  /**
   * The largest message the server accepts (`max_payload`), in bytes. Default: the server's
   * (1 MiB). Tests of chunking set it small.
   */
  readonly maxPayloadBytes?: number;
  /**
   * How many bytes the server holds for one slow client before it cuts it off as a slow
   * consumer (`max_pending`). Default: the server's (64 MiB).
   */
  readonly maxPendingBytes?: number;
  /** Lines added to the config file as they are (accounts, authorization, …). */
  readonly extraConfig?: string;
  /** How long the server may take to accept connections, in milliseconds. Default 10,000. */
  readonly readyTimeoutMs?: number;
  /** Receives each line the server logs. Default: dropped. */
  readonly onLog?: (line: string) => void;
}

/**
 * A `nats-server` child process on `127.0.0.1`.
 *
 * @remarks
 * The port stays the same across {@link NatsServerProcess.stop} and
 * {@link NatsServerProcess.start}, so clients configured with {@link NatsServerProcess.url}
 * reconnect to the restarted server. Disposal kills the process (SIGKILL, by PID) and removes
 * its config; it is idempotent.
 * @since 0.1.0
 */
export interface NatsServerProcess extends AsyncDisposable {
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The process id while it runs, else `undefined`. */
  readonly pid: number | undefined;
  /** Whether the process runs. */
  readonly running: boolean;
  /**
   * Starts the server again on the same port and config, once it was stopped.
   *
   * @param options - `signal` to give up waiting for it to accept connections.
   * @returns Once it accepts connections.
   */
  start(options?: { readonly signal?: AbortSignal }): Promise<void>;
  /**
   * Stops the server and waits until its process is gone.
   *
   * @param signal - Default `"SIGKILL"`: a crash, every client cut at once; `"SIGTERM"` lets it
   *   close connections first.
   */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts a `nats-server` on a free loopback port and waits until it accepts connections.
 *
 * @param options - Limits and logging.
 * @returns The running server; dispose it (`await using`) to kill it.
 * @throws Error when the binary is missing (with how to install it) or the server does not come
 *   up in time (with its last log lines).
 * @example
 * ```ts
 * import { startNatsServer } from "@zab/testkit";
 *
 * await using nats = await startNatsServer({ maxPayloadBytes: 64 * 1024 });
 * // connect clients to nats.url; nats.stop() and nats.start() restart it on the same port
 * ```
 * @since 0.1.0
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerProcess> {
  const binary = natsServerBinary();
  const dir = await mkdtemp(join(tmpdir(), "zab-nats-"));
  const port = await freeLoopbackPort();
  const lines = [
    `listen: "127.0.0.1:${port}"`,
    ...(options.maxPayloadBytes === undefined ? [] : [`max_payload: ${options.maxPayloadBytes}`]),
    ...(options.maxPendingBytes === undefined ? [] : [`max_pending: ${options.maxPendingBytes}`]),
    ...(options.extraConfig === undefined ? [] : [options.extraConfig]),
  ];
  const configPath = join(dir, "nats.conf");
  await writeFile(configPath, `${lines.join("\n")}\n`);
  const server = new NatsServer({ binary, configPath, dir, port, options });
  try {
    await server.start();
  } catch (error) {
    await server[Symbol.asyncDispose]();
    throw error;
  }
  return server;
}

class NatsServer implements NatsServerProcess {
  readonly url: string;
  readonly port: number;
  readonly #binary: string;
  readonly #configPath: string;
  readonly #dir: string;
  readonly #options: NatsServerOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #logTail = "";
  #disposed = false;

  constructor(settings: {
    readonly binary: string;
    readonly configPath: string;
    readonly dir: string;
    readonly port: number;
    readonly options: NatsServerOptions;
  }) {
    this.#binary = settings.binary;
    this.#configPath = settings.configPath;
    this.#dir = settings.dir;
    this.port = settings.port;
    this.url = `nats://127.0.0.1:${settings.port}`;
    this.#options = settings.options;
  }

  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined;
  }

  get running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  async start(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    if (this.#disposed) throw new Error("the NATS server was disposed");
    if (this.running) throw new Error("the NATS server already runs");
    const child = spawn(this.#binary, ["-c", this.#configPath], { stdio: ["ignore", "ignore", "pipe"] });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once("close", () => resolve()));
    let ready = false;
    const becameReady = new Promise<void>((resolve, reject) => {
      child.once("error", reject);
      child.stderr?.setEncoding("utf8");
      let partial = "";
      child.stderr?.on("data", (chunk: string) => {
        const split = `${partial}${chunk}`.split("\n");
        partial = split.pop() ?? "";
        for (const line of split) {
          this.#logTail = `${this.#logTail}${line}\n`.slice(-2_000);
          this.#options.onLog?.(line);
          // The server prints this once its client port accepts connections.
          if (line.includes("Server is ready")) {
            ready = true;
            resolve();
          }
        }
      });
      void this.#exited.then(() => {
        if (!ready) reject(new Error(`nats-server exited before it was ready:\n${this.#logTail}`));
      });
    });
    const timeoutMs = this.#options.readyTimeoutMs ?? 10_000;
    const signal = AbortSignal.any([
      AbortSignal.timeout(timeoutMs),
      ...(options.signal === undefined ? [] : [options.signal]),
    ]);
    try {
      await untilAborted(becameReady, signal);
    } catch (error) {
      await this.stop("SIGKILL");
      throw signal.aborted
        ? new Error(`nats-server did not become ready within ${timeoutMs} ms:\n${this.#logTail}`, {
            cause: error,
          })
        : error;
    }
  }

  async stop(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.#child;
    if (child?.pid !== undefined && this.running) process.kill(child.pid, signal);
    await this.#exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.stop("SIGKILL");
    await rm(this.#dir, { recursive: true, force: true });
  }
}

/**
 * A loopback port nothing listens on now (bound to 0 and released). Another process could take
 * it before the server binds it; then the server exits and {@link startNatsServer} says so.
 */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen({ host: "127.0.0.1", port: 0 }, () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => (port === 0 ? reject(new Error("no port bound")) : resolve(port)));
    });
  });
}
