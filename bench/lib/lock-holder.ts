/**
 * The stale lock holder of the lock benchmark's pause demonstration, run as its own process so
 * that it can be stopped with SIGSTOP:
 *
 *   node --conditions=@zab/source --import tsx bench/lib/lock-holder.ts '<json>'
 *
 * It takes the lock (zab's Mutex or Redlock), checks that it still holds it, prints `checked`, and
 * then — with no chance for its event loop to run, as in a GC pause — blocks for `stallMs`, during
 * which the benchmark stops it; once resumed it writes to the resource with what it believes is
 * its lock (its fencing token, for zab), prints the resource's answer as one JSON line, and exits.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import Redlock from "redlock";
import { connect, serverId } from "../../packages/core/src/index.js";
import { Mutex } from "../../packages/recipe-lock/src/index.js";
import { tcpClientDialer } from "../../packages/transport-tcp/src/index.js";
import { RedisServer } from "./redis-server.js";

/** What the benchmark tells the holder. */
export type HolderTask =
  | {
      readonly kind: "zab";
      readonly configPath: string;
      readonly lockPath: string;
      readonly sessionTimeoutMs: number;
      readonly resourceUrl: string;
      readonly stallMs: number;
    }
  | {
      readonly kind: "redlock";
      readonly redisPort: number;
      readonly resource: string;
      readonly ttlMs: number;
      readonly resourceUrl: string;
      readonly stallMs: number;
    };

/** Blocks the thread, event loop included, for `ms`: the process's "pause". */
function stall(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

async function write(url: string, body: object): Promise<unknown> {
  const response = await fetch(url, { method: "POST", body: JSON.stringify(body) });
  return response.json();
}

async function holdWithZab(task: Extract<HolderTask, { kind: "zab" }>): Promise<unknown> {
  const config = JSON.parse(await readFile(task.configPath, "utf8")) as {
    members: Record<string, { host: string; clientPort: number }>;
    security: { secret: string };
  };
  const members = Object.fromEntries(
    Object.entries(config.members).map(([id, member]) => [
      id,
      { host: member.host, port: member.clientPort },
    ]),
  );
  const session = await connect({
    dialer: tcpClientDialer({ members, secret: config.security.secret }),
    members: Object.keys(config.members).map((id) => serverId(Number(id))),
    sessionTimeoutMs: task.sessionTimeoutMs,
  });
  const lease = await new Mutex(session, task.lockPath).acquire();
  if (lease.signal.aborted) throw new Error("lost the lock before writing");
  console.log("checked");
  stall(task.stallMs);
  // Resumed: the write goes out before the event loop could run the lease's abort.
  const answer = await write(task.resourceUrl, {
    writer: "stale holder",
    token: lease.fencingToken.toString(),
  });
  session.close().catch(() => undefined);
  return answer;
}

async function holdWithRedlock(task: Extract<HolderTask, { kind: "redlock" }>): Promise<unknown> {
  const client = RedisServer.clientFor(task.redisPort);
  const redlock = new Redlock([client], { retryCount: -1, retryDelay: 10, retryJitter: 10 });
  const lock = await redlock.acquire([task.resource], task.ttlMs);
  if (lock.expiration <= Date.now()) throw new Error("lost the lock before writing");
  console.log("checked");
  stall(task.stallMs);
  const answer = await write(task.resourceUrl, { writer: "stale holder" });
  client.disconnect();
  return answer;
}

const task = JSON.parse(process.argv[2] ?? "{}") as HolderTask;
const answer = task.kind === "zab" ? await holdWithZab(task) : await holdWithRedlock(task);
console.log(JSON.stringify(answer));
process.exit(0);
