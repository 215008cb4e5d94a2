/**
 * The lock benchmark: @zab/recipe-lock's Mutex on a real ensemble against Redlock on Redis, side
 * by side in one run, and a safety demonstration under a process pause.
 *
 * - zab: three `zab serve` processes (LocalEnsemble) on loopback TCP with the shared-secret
 *   handshake, file storage with fdatasync, default settings; this process is the client (8
 *   sessions spread over the members; the uncontended client is on a follower, as two thirds of
 *   a real app's clients are).
 * - Redis: a `redis-server` this benchmark starts on a free port with `appendonly yes` and
 *   `appendfsync always` (so a granted lock is on disk, as zab's is), driven by ioredis and
 *   redlock 5 against that one instance (retry delay 10 ms, jitter 10 ms).
 *
 * Measured: uncontended acquire+release cycles per second with p50/p99 (one client, one lock),
 * and acquisitions per second with 8 clients looping on one lock, with fairness as defined in
 * lib/lock-workload.ts. Then the pause: a holder in a child process (lib/lock-holder.ts) takes
 * the lock, checks it still holds it, and is stopped (SIGSTOP) before its write for longer than
 * its lease (Redlock TTL 1 s; zab session timeout 2 s); a second client takes the lock and writes;
 * the holder is resumed (SIGCONT) and its write goes out. The resource is an HTTP endpoint in
 * this process: for Redlock it has nothing to check; for zab it checks fencing tokens with a
 * FencingGate.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import Redlock from "redlock";
import { LocalEnsemble } from "../packages/cli/src/local-ensemble/local-ensemble.js";
import type { Coordination } from "../packages/core/src/index.js";
import { FencingGate, type FencingToken, Mutex } from "../packages/recipe-lock/src/index.js";
import type { HolderTask } from "./lib/lock-holder.js";
import {
  type ContendedSummary,
  contendedAcquisitions,
  type LockClient,
  uncontendedCycles,
} from "./lib/lock-workload.js";
import { RedisServer } from "./lib/redis-server.js";
import { printTable } from "./lib/table.js";

const WARMUP_MS = 1_000;
const CYCLES_MS = 4_000;
const CONTENDERS = 8;
const CONTENDED_MS = 5_000;
const LOCK = "/bench/lock";
const REDLOCK_TTL_MS = 1_000;
const ZAB_SESSION_TIMEOUT_MS = 2_000;
const HOLDER = fileURLToPath(new URL("./lib/lock-holder.ts", import.meta.url));

export async function run(): Promise<void> {
  const rows: Record<string, string | number>[] = [];
  const demo: Record<string, string | number>[] = [];
  await using redis = await RedisServer.start();
  await using ensemble = await LocalEnsemble.start({ size: 3 });
  await ensemble.waitUntilCaughtUp();
  rows.push(await measureZab(ensemble));
  rows.push(await measureRedlock(redis));
  printTable(
    `Locks: uncontended acquire+release cycles (1 client, ${CYCLES_MS / 1000} s) and ${CONTENDERS} clients ` +
      `on one lock (${CONTENDED_MS / 1000} s). zab: 3 members (zab serve, loopback TCP, fdatasync); ` +
      "Redis: one redis-server with appendfsync always.\n" +
      "Fairness: the fraction of grants that went to the client whose acquire call had been waiting longest; " +
      "queue order: the fraction of grants in the lock's queue order (zab: by fencing token).",
    rows,
  );
  demo.push(await pauseDemoZab(ensemble));
  demo.push(await pauseDemoRedlock(redis));
  printTable(
    "A holder paused (SIGSTOP) between checking its lock and writing, for longer than its lease; " +
      "another client takes the lock and writes; the holder resumes and writes",
    demo,
  );
}

function row(
  name: string,
  cycles: Awaited<ReturnType<typeof uncontendedCycles>>,
  contended: ContendedSummary,
) {
  return {
    lock: name,
    "cycles/s": Math.round(cycles.opsPerSecond),
    "p50 ms": cycles.p50Ms,
    "p99 ms": cycles.p99Ms,
    [`${CONTENDERS}-way acq/s`]: Math.round(contended.acquisitionsPerSecond),
    fairness: contended.fairness.toFixed(3),
    "queue order": contended.queueOrder === undefined ? "no queue" : contended.queueOrder.toFixed(3),
    "per client min/max": `${contended.perClientMin}/${contended.perClientMax}`,
  };
}

async function measureZab(ensemble: LocalEnsemble): Promise<Record<string, string | number>> {
  const leader = await ensemble.waitForLeader();
  const followers = ensemble.ids.filter((id) => id !== leader);
  const sessions: Coordination[] = [];
  try {
    // Contender i starts at member i mod 3, so the contenders spread over the ensemble.
    for (let index = 0; index < CONTENDERS; index += 1) {
      const shift = index % ensemble.ids.length;
      sessions.push(
        await ensemble.connect({ members: [...ensemble.ids.slice(shift), ...ensemble.ids.slice(0, shift)] }),
      );
    }
    const solo = await ensemble.connect({ members: followers });
    sessions.push(solo);
    const zabClient = (session: Coordination): LockClient => {
      const mutex = new Mutex(session, LOCK);
      return {
        acquire: async () => {
          const lease = await mutex.acquire();
          return { release: () => lease.release(), queuePosition: lease.fencingToken };
        },
      };
    };
    const soloClient = zabClient(solo);
    await uncontendedCycles(soloClient, WARMUP_MS);
    const cycles = await uncontendedCycles(soloClient, CYCLES_MS);
    const contended = await contendedAcquisitions(sessions.slice(0, CONTENDERS).map(zabClient), CONTENDED_MS);
    return row("@zab/recipe-lock Mutex", cycles, contended);
  } finally {
    await Promise.allSettled(sessions.map((session) => session.close()));
  }
}

async function measureRedlock(redis: RedisServer): Promise<Record<string, string | number>> {
  const clients = Array.from({ length: CONTENDERS }, () => redis.client());
  try {
    const redlockClient = (client: (typeof clients)[number]): LockClient => {
      const redlock = new Redlock([client], { retryCount: -1, retryDelay: 10, retryJitter: 10 });
      return {
        acquire: async () => {
          const lock = await redlock.acquire(["bench-lock"], 10_000);
          return {
            release: async () => {
              await lock.release();
            },
          };
        },
      };
    };
    const [first] = clients;
    if (first === undefined) throw new Error("no client");
    await uncontendedCycles(redlockClient(first), WARMUP_MS);
    const cycles = await uncontendedCycles(redlockClient(first), CYCLES_MS);
    const contended = await contendedAcquisitions(clients.map(redlockClient), CONTENDED_MS);
    return row("Redlock 5 (ioredis)", cycles, contended);
  } finally {
    for (const client of clients) client.disconnect();
  }
}

/** The protected resource: an HTTP endpoint that records writes, checking tokens when fenced. */
class DemoResource implements AsyncDisposable {
  readonly writes: { readonly writer: string; readonly accepted: boolean }[] = [];
  readonly #gate: FencingGate | undefined;
  readonly #server: Server;

  private constructor(fenced: boolean, server: Server) {
    this.#gate = fenced ? new FencingGate() : undefined;
    this.#server = server;
    server.on("request", (request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on("end", () => {
        const { writer, token } = JSON.parse(body) as { writer: string; token?: string };
        const accepted =
          this.#gate === undefined ||
          (token !== undefined && this.#gate.admit(BigInt(token) as FencingToken));
        this.writes.push({ writer, accepted });
        response.end(JSON.stringify({ accepted }));
      });
    });
  }

  static async start(fenced: boolean): Promise<DemoResource> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new DemoResource(fenced, server);
  }

  get url(): string {
    const address = this.#server.address();
    if (address === null || typeof address === "string") throw new Error("not listening");
    return `http://127.0.0.1:${address.port}/write`;
  }

  write(writer: string, token?: FencingToken): void {
    const accepted = this.#gate === undefined || (token !== undefined && this.#gate.admit(token));
    this.writes.push({ writer, accepted });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** Starts the holder process and resolves once it printed `checked`; then it is stopped. */
async function startStoppedHolder(
  task: HolderTask,
): Promise<{ child: ChildProcess; answer: Promise<string> }> {
  const child = spawn(
    process.execPath,
    ["--conditions=@zab/source", "--import", "tsx", HOLDER, JSON.stringify(task)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines: string[] = [];
  let onLine: (() => void) | undefined;
  let buffered = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts.filter((line) => line.length > 0));
    onLine?.();
  });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = lines.shift();
        if (line !== undefined) resolve(line);
        else if (child.exitCode !== null) reject(new Error(`the holder exited with ${child.exitCode}`));
        else onLine = check;
      };
      child.once("exit", () => onLine?.());
      check();
    });
  const checked = await nextLine();
  if (checked !== "checked") throw new Error(`unexpected holder output: ${checked}`);
  // The holder now stalls for `stallMs` before writing: stop it right there.
  if (child.pid === undefined) throw new Error("no holder process");
  process.kill(child.pid, "SIGSTOP");
  return { child, answer: nextLine() };
}

function resume(child: ChildProcess): void {
  if (child.pid !== undefined) process.kill(child.pid, "SIGCONT");
}

async function pauseDemoZab(ensemble: LocalEnsemble): Promise<Record<string, string | number>> {
  await using resource = await DemoResource.start(true);
  const path = "/bench/pause-demo";
  const { child, answer } = await startStoppedHolder({
    kind: "zab",
    configPath: ensemble.configPath,
    lockPath: path,
    sessionTimeoutMs: ZAB_SESSION_TIMEOUT_MS,
    resourceUrl: resource.url,
    stallMs: 500,
  });
  const stoppedAt = performance.now();
  try {
    await using session = await ensemble.connect();
    const lease = await new Mutex(session, path).acquire({ signal: AbortSignal.timeout(30_000) });
    const waitedMs = performance.now() - stoppedAt;
    resource.write("second holder", lease.fencingToken);
    resume(child);
    const stale = JSON.parse(await answer) as { accepted: boolean };
    await lease.release();
    return demoRow(
      "@zab/recipe-lock Mutex",
      waitedMs,
      resource,
      stale.accepted,
      "its fencing token is lower",
    );
  } finally {
    child.kill("SIGKILL");
  }
}

async function pauseDemoRedlock(redis: RedisServer): Promise<Record<string, string | number>> {
  await using resource = await DemoResource.start(false);
  const { child, answer } = await startStoppedHolder({
    kind: "redlock",
    redisPort: redis.port,
    resource: "pause-demo",
    ttlMs: REDLOCK_TTL_MS,
    resourceUrl: resource.url,
    stallMs: 500,
  });
  const stoppedAt = performance.now();
  const client = redis.client();
  try {
    const redlock = new Redlock([client], { retryCount: -1, retryDelay: 10, retryJitter: 10 });
    const lock = await redlock.acquire(["pause-demo"], REDLOCK_TTL_MS);
    const waitedMs = performance.now() - stoppedAt;
    resource.write("second holder");
    resume(child);
    const stale = JSON.parse(await answer) as { accepted: boolean };
    await lock.release().catch(() => undefined);
    return demoRow("Redlock 5 (ioredis)", waitedMs, resource, stale.accepted, "no token to check");
  } finally {
    child.kill("SIGKILL");
    client.disconnect();
  }
}

function demoRow(
  lock: string,
  waitedMs: number,
  resource: DemoResource,
  staleAccepted: boolean,
  why: string,
): Record<string, string | number> {
  return {
    lock,
    "second holder got the lock after (ms)": Math.round(waitedMs),
    "stale holder's write": staleAccepted ? "accepted (overwrites the second holder's)" : `refused (${why})`,
    "writes accepted": resource.writes
      .filter((write) => write.accepted)
      .map((write) => write.writer)
      .join(", "),
  };
}
