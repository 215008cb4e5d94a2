/**
 * Coordination API throughput and latency of a 3-member ensemble, end to end.
 *
 * Three `CoordinationServer`s run in this process over the in-process peer network (no added
 * delay), each on real file storage (`openFileStorage` in a fresh directory under the OS temp
 * dir, fdatasync on; a tmpfs there makes fdatasync free), tickMs 50. Clients are remote sessions
 * through the in-process client network (`MemoryClientNetwork`: the full client codec and session
 * protocol, no sockets), one session per member, so two thirds of the writes reach the leader
 * forwarded by a follower.
 *
 * The load is that of `lib/load-levels.ts`.
 *
 * - setData: 100-byte values on distinct pre-created znodes (operation i writes znode
 *   i mod 1024, so calls in flight do not contend on one znode), at concurrency 1, 16 and 128.
 *   A write is answered once the serving member applied it, after a quorum made it durable.
 *   The fdatasync columns count the members' log fdatasyncs during the level (mean per member).
 * - getData at concurrency 128 on the same znodes: served from each member's local tree.
 *
 * A short untimed warm-up (writes and reads) runs first so that the JIT has compiled the hot
 * paths.
 *
 * Reading the numbers: everything (three members, their clients, the load generator) shares one
 * JavaScript thread and one libuv thread pool, so high-concurrency throughput is that of one core
 * doing the work of the whole ensemble. `MemoryNetwork` with delay 0 delivers each peer frame
 * from `setTimeout(…, 0)`, which Node clamps to 1 ms: every peer hop (REQUEST, PROPOSAL, ACK,
 * COMMIT) costs at least a millisecond, which dominates latency at low concurrency. The code runs
 * from source through tsx, as `pnpm bench` does, not from the built packages.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Coordination,
  CoordinationServer,
  connect,
  type FileStorage,
  openFileStorage,
  serverId,
} from "../packages/core/src/index.js";
import { MemoryClientNetwork, MemoryNetwork } from "../packages/testkit/src/index.js";
import { createZnodes, LEVEL_MS, runStandardLevels, VALUE_BYTES, ZNODES } from "./lib/load-levels.js";
import { printTable } from "./lib/table.js";

const VOTERS = [serverId(1), serverId(2), serverId(3)];
const TICK_MS = 50;

export async function run(): Promise<void> {
  const dirs: string[] = [];
  const members: CoordinationServer[] = [];
  const sessions: Coordination[] = [];
  try {
    const network = new MemoryNetwork({ delayMs: 0 });
    const clients = new MemoryClientNetwork();
    const storages: FileStorage[] = [];
    for (const id of VOTERS) {
      const dir = await mkdtemp(join(tmpdir(), `zab-bench-coordination-${id}-`));
      dirs.push(dir);
      const opened = await openFileStorage({ dir });
      storages.push(opened.storage);
      members.push(
        await CoordinationServer.start({
          id,
          voters: VOTERS,
          tickMs: TICK_MS,
          storage: opened,
          transport: network.transport(id),
          clients: clients.acceptor(id),
        }),
      );
    }
    await waitUntil(() => members.every((member) => member.status.phase === "broadcast"), 10_000);
    for (const id of VOTERS) {
      sessions.push(
        await connect({
          dialer: clients.dialer(),
          members: [id, ...VOTERS.filter((other) => other !== id)],
        }),
      );
    }
    const paths = await createZnodes(sessions);
    const datasyncs = () =>
      storages.reduce((sum, storage) => sum + storage.stats().datasyncs, 0) / storages.length;
    const load = { sessions, paths, datasyncs, processes: () => [{ label: "all", pid: process.pid }] };
    const rows = await runStandardLevels(load);
    const leader = members.find((member) => member.status.role === "leading")?.status.id;
    printTable(
      `Coordination API: ${VOTERS.length} members in one process (leader ${leader}) over MemoryNetwork ` +
        `(delay 0), file storage in ${tmpdir()} with fdatasync, tickMs ${TICK_MS}; ` +
        `${VALUE_BYTES}-byte values on ${ZNODES} pre-created znodes;\nclients: one remote session ` +
        `per member over MemoryClientNetwork, calls spread round-robin over them (setData: 2/3 ` +
        `forwarded by a follower); ${LEVEL_MS / 1000} s per level`,
      rows,
    );
  } finally {
    await Promise.allSettled(sessions.map((session) => session.close()));
    await Promise.allSettled(members.map((member) => member.close()));
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`the ensemble did not serve within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
