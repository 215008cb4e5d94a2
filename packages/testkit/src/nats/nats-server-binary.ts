/**
 * Finds the `nats-server` binary the integration tests start.
 *
 * @module
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** Where the OS package (Debian, Ubuntu: `apt-get install nats-server`) puts the binary. */
const OS_PACKAGE_PATH = "/usr/sbin/nats-server";

/**
 * The path of the `nats-server` binary: `$NATS_SERVER_BIN` if set, else the first
 * `nats-server` on `$PATH`, else the OS package's `/usr/sbin/nats-server`.
 *
 * @remarks
 * A missing binary is an error, never a reason to skip: the NATS tests are part of every run
 * (CI installs the binary; see `.ci/run`).
 * @returns The path of an executable file.
 * @throws Error saying how to install the binary when none is found.
 * @since 0.1.0
 */
export function natsServerBinary(): string {
  const { NATS_SERVER_BIN: fromEnv, PATH: searchPath = "" } = process.env;
  if (fromEnv !== undefined && fromEnv.length > 0) {
    if (!executable(fromEnv)) throw new Error(`NATS_SERVER_BIN=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const candidates = searchPath
    .split(delimiter)
    .filter((dir) => dir.length > 0)
    .map((dir) => join(dir, "nats-server"));
  const found = [...candidates, OS_PACKAGE_PATH].find(executable);
  if (found !== undefined) return found;
  throw new Error(
    "nats-server is not installed, and the NATS tests need it: install it with " +
      "`sudo apt-get install nats-server` (or from https://github.com/nats-io/nats-server/releases), " +
      "or point NATS_SERVER_BIN at the binary",
  );
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
