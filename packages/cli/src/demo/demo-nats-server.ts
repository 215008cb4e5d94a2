/**
 * The NATS server `zab demo --transport nats` runs when it is given none: the `nats-server` binary
 * on a free loopback port, for as long as the demo runs.
 *
 * (Tests start theirs with `@zab/testkit`'s `startNatsServer`, which also restarts and configures
 * one; the demo needs only this, and the CLI does not depend on the testkit.)
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { freePorts, LOOPBACK } from "../local-ensemble/free-ports.js";

/** Where the OS package (Debian, Ubuntu: `apt-get install nats-server`) puts the binary. */
const OS_PACKAGE_PATH = "/usr/sbin/nats-server";
/** How long the server may take to accept connections. */
const READY_TIMEOUT_MS = 10_000;

/**
 * A `nats-server` the demo started.
 *
 * @since 0.1.0
 * @internal
 */
export interface DemoNatsServer extends AsyncDisposable {
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** The binary that runs. */
  readonly binary: string;
  /** Its process id. */
  readonly pid: number;
}

/**
 * Where `nats-server` is: `$NATS_SERVER_BIN`, else the first on `$PATH`, else the OS package's.
 *
 * @returns Its path, or `undefined` when there is none.
 * @since 0.1.0
 * @internal
 */
export function findNatsServer(): string | undefined {
  const { NATS_SERVER_BIN: fromEnv, PATH: searchPath = "" } = process.env;
  const onPath = searchPath
    .split(delimiter)
    .filter((dir) => dir.length > 0)
    .map((dir) => join(dir, "nats-server"));
  return [...(fromEnv === undefined || fromEnv === "" ? [] : [fromEnv]), ...onPath, OS_PACKAGE_PATH].find(
    executable,
  );
}

/**
 * Starts `nats-server` on a free loopback port and waits until it accepts connections.
 *
 * @param binary - The binary ({@link findNatsServer}).
 * @returns The server; disposing it kills it (SIGKILL, by PID) and waits until it is gone.
 * @throws Error with the server's last output when it exits or does not become ready in time.
 * @since 0.1.0
 * @internal
 */
export async function startDemoNatsServer(binary: string): Promise<DemoNatsServer> {
  const [port] = await freePorts(1);
  const child = spawn(binary, ["-a", LOOPBACK, "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const dispose = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, "SIGKILL");
    }
    await exited;
  };
  try {
    await untilReady(child, exited);
  } catch (error) {
    await dispose();
    throw error;
  }
  return { url: `nats://${LOOPBACK}:${port}`, binary, pid: child.pid ?? 0, [Symbol.asyncDispose]: dispose };
}

/** Resolves once the server logs that it is ready; rejects when it exits first or takes too long. */
function untilReady(child: ChildProcess, exited: Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`nats-server did not become ready within ${READY_TIMEOUT_MS} ms:\n${output}`)),
      READY_TIMEOUT_MS,
    );
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      output = `${output}${chunk}`.slice(-2_000);
      // The server prints this once its client port accepts connections.
      if (output.includes("Server is ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited before it was ready:\n${output}`));
    });
  });
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    // Not there, or not executable: the next candidate is tried.
    return false;
  }
}
