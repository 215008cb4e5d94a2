/**
 * A `redis-server` of the benchmark's own, on a free loopback port with known durability settings
 * (append-only file, fsync on every write), in a temporary directory; stopped by its PID.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePorts, LOOPBACK } from "../../packages/cli/src/local-ensemble/free-ports.js";

/** A running Redis server. */
export class RedisServer implements AsyncDisposable {
  readonly port: number;
  readonly #process: ChildProcess;
  readonly #dir: string;

  private constructor(port: number, process: ChildProcess, dir: string) {
    this.port = port;
    this.#process = process;
    this.#dir = dir;
  }

  /**
   * Starts `redis-server` with `appendonly yes`, `appendfsync always` and no RDB snapshots, and
   * waits until it answers PING.
   *
   * @throws When `redis-server` is not installed or does not come up within 10 s.
   */
  static async start(): Promise<RedisServer> {
    const [port] = await freePorts(1);
    if (port === undefined) throw new Error("no free port");
    const dir = await mkdtemp(join(tmpdir(), "zab-bench-redis-"));
    const child = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        LOOPBACK,
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--protected-mode",
        "no",
      ],
      { stdio: "ignore" },
    );
    const failed = new Promise<never>((_, reject) => {
      child.once("error", (error) =>
        reject(new Error(`cannot start redis-server (apt-get install redis-server): ${error.message}`)),
      );
    });
    const server = new RedisServer(port, child, dir);
    const probe = new Redis({ host: LOOPBACK, port, lazyConnect: true, maxRetriesPerRequest: 0 });
    // Refused connections while the server starts are expected; the loop below retries.
    probe.on("error", () => undefined);
    try {
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await Promise.race([probe.connect().then(() => probe.ping()), failed]);
          break;
        } catch (error) {
          probe.disconnect();
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    } catch (error) {
      await server.stop();
      throw error;
    } finally {
      probe.disconnect();
    }
    return server;
  }

  /** A new client connection to it. */
  client(): Redis {
    return RedisServer.clientFor(this.port);
  }

  /** A client of the server on `port` (from another process). */
  static clientFor(port: number): Redis {
    return new Redis({ host: LOOPBACK, port });
  }

  /** Stops the server (SIGTERM to its PID) and removes its directory. Idempotent. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(child.pid, "SIGTERM");
      await exited;
    }
    await rm(this.#dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
