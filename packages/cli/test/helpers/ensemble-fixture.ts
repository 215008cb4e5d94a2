// Loopback ensembles for the tests: free ports, a temporary directory, and a config file for
// `zab serve` and the client commands.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "../../src/local-ensemble/free-ports.js";

/** The shared secret of every test ensemble. */
export const SECRET = "a-test-secret-that-is-long-enough";

/** A temporary directory; remove it with the returned function. */
export async function tempDir(): Promise<{ readonly path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "zab-cli-test-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** One member's ports. */
export interface MemberPorts {
  readonly peerPort: number;
  readonly clientPort: number;
}

/** Free ports for `count` members. */
export async function memberPorts(count: number): Promise<MemberPorts[]> {
  const ports = await freePorts(count * 2);
  return Array.from({ length: count }, (_, index) => ({
    peerPort: ports[index * 2] ?? 0,
    clientPort: ports[index * 2 + 1] ?? 0,
  }));
}

/**
 * Writes a config for members 1..n on 127.0.0.1 with the test secret and fast ticks, plus
 * `extra` top-level fields, as `dir/name`.
 */
export async function writeConfig(
  dir: string,
  members: readonly MemberPorts[],
  extra: Record<string, unknown> = {},
  name = "zab.json",
): Promise<string> {
  const path = join(dir, name);
  const config = {
    transport: "tcp",
    members: Object.fromEntries(
      members.map((ports, index) => [String(index + 1), { host: "127.0.0.1", ...ports }]),
    ),
    security: { secret: SECRET },
    tickMs: 20,
    ...extra,
  };
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
}
