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
 * One operation is one awaited call. Concurrency is the number of calls in flight: that many
 * workers each loop "take the next operation index i, call on session i mod 3, await the reply"
 * until the level's time is up; the run then drains what is in flight. Throughput is replies
 * over the level's wall clock; latency is per call (nearest-rank percentiles).
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
import { LatencyRecorder } from "./lib/latency.js";
import { printTable } from "./lib/table.js";

const VOTERS = [serverId(1), serverId(2), serverId(3)];
const TICK_MS = 50;
const VALUE_BYTES = 100;
const ZNODES = 1024;
const WARMUP_MS = 1_500;
// Time per level: long enough for stable p99s, short enough to keep the file well under 40 s.
const LEVEL_MS = 4_000;
const LEVELS = [
  { op: "setData", concurrency: 1 },
  { op: "setData", concurrency: 16 },
  { op: "setData", concurrency: 128 },
  { op: "getData", concurrency: 128 },
] as const;

type Op = (typeof LEVELS)[number]["op"];

interface Ensemble {
  readonly storages: readonly FileStorage[];
  readonly sessions: readonly Coordination[];
}

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
    const ensemble: Ensemble = { storages, sessions };
    const paths = await createZnodes(ensemble);
    await runLevel(ensemble, paths, "setData", 16, WARMUP_MS);
    await runLevel(ensemble, paths, "getData", 16, WARMUP_MS / 3);
    const rows = [];
    for (const level of LEVELS)
      rows.push(await runLevel(ensemble, paths, level.op, level.concurrency, LEVEL_MS));
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

/** Creates `/bench/n-0000` … with 100-byte values, a few hundred calls in flight at a time. */
async function createZnodes({ sessions }: Ensemble): Promise<string[]> {
  const first = sessions[0];
  if (first === undefined) throw new Error("no session");
  await first.create("/bench");
  const paths = Array.from({ length: ZNODES }, (_, i) => `/bench/n-${String(i).padStart(4, "0")}`);
  const data = value(0);
  for (let start = 0; start < paths.length; start += 256) {
    await Promise.all(paths.slice(start, start + 256).map((path) => first.create(path, { data })));
  }
  // Every session reads its own member's tree: wait until each one has every znode.
  await Promise.all(sessions.map((session) => session.sync("/bench")));
  return paths;
}

async function runLevel(
  { sessions, storages }: Ensemble,
  paths: readonly string[],
  op: Op,
  concurrency: number,
  durationMs: number,
) {
  const recorder = new LatencyRecorder();
  const data = value(concurrency);
  const datasyncsBefore = storages.map((storage) => storage.stats().datasyncs);
  let next = 0;
  let errors = 0;
  let deadline = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const i = next++;
      const session = sessions[i % sessions.length];
      const path = paths[i % paths.length];
      if (session === undefined || path === undefined) throw new Error("no session or path");
      const began = recorder.now();
      try {
        if (op === "setData") await session.setData(path, data);
        else await session.getData(path);
        recorder.record(began);
      } catch {
        errors++;
      }
    }
  };
  recorder.start();
  deadline = performance.now() + durationMs;
  await Promise.all(Array.from({ length: concurrency }, worker));
  recorder.stop();
  const summary = recorder.summary();
  const datasyncs =
    storages.reduce((sum, storage, i) => sum + storage.stats().datasyncs - (datasyncsBefore[i] ?? 0), 0) /
    storages.length;
  return {
    op,
    concurrency,
    ops: summary.count,
    "ops/s": Math.round(summary.opsPerSecond),
    "p50 ms": summary.p50Ms,
    "p99 ms": summary.p99Ms,
    "p999 ms": summary.p999Ms,
    "max ms": summary.maxMs,
    errors,
    "fdatasyncs/member": op === "setData" ? Math.round(datasyncs) : "-",
    "writes/fdatasync": op === "setData" && datasyncs > 0 ? summary.count / datasyncs : "-",
  };
}

/** A 100-byte value, filled with `seed` (the level's concurrency, so levels write different data). */
function value(seed: number): Uint8Array {
  return new Uint8Array(VALUE_BYTES).fill(seed & 0xff);
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`the ensemble did not serve within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
