// Goal: an ensemble whose members know only a NATS URL, a cluster name, the secret and their id
// commits writes and survives the same process faults as over TCP (SIGKILL of the leader under
// load, then its restart), and the NATS-specific one: the NATS server stopped for longer than
// the session timeout, then started again. Afterwards no acknowledged write is lost, the members
// agree, and the client's session either survived or ended with SessionExpired, never silently.
// Method: a real nats-server on a free port (started here, killed by PID at the end), three
// `zab serve --transport nats` processes (LocalEnsemble) with fsync'd file storage, a client in
// this process over the NATS client transport with 8 writers in flight; every write a client saw
// succeed is read back, linearizably, at the end.
import { type Coordination, ZabError } from "@zab/core";
import { type NatsServerProcess, startNatsServer } from "@zab/testkit";
import { afterEach, expect, it } from "vitest";
import { LocalEnsemble } from "../src/local-ensemble/local-ensemble.js";

let nats: NatsServerProcess | undefined;
let ensemble: LocalEnsemble | undefined;
afterEach(async () => {
  await ensemble?.stop();
  ensemble = undefined;
  await nats?.[Symbol.asyncDispose]();
  nats = undefined;
});

async function start(): Promise<{ nats: NatsServerProcess; ensemble: LocalEnsemble }> {
  nats = await startNatsServer();
  ensemble = await LocalEnsemble.start({
    size: 3,
    tickMs: 20,
    sessionTimeoutMinMs: 500,
    nats: { servers: nats.url },
  });
  return { nats, ensemble };
}

/** Writers creating sequential znodes back to back, remembering the acknowledged ones. */
function writers(session: Coordination, acknowledged: string[], outcome: { expired: boolean }) {
  let stopping = false;
  const done = Array.from({ length: 8 }, async () => {
    while (!stopping) {
      try {
        acknowledged.push(await session.create("/log/e-", { mode: "persistentSequential" }));
      } catch (error) {
        if (ZabError.isInstance(error, "SessionExpired")) {
          outcome.expired = true;
          return;
        }
        // Unknown outcome while the session moves: the write may or may not have committed.
        if (!ZabError.isInstance(error, "ConnectionLoss") && !ZabError.isInstance(error, "Timeout"))
          throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  });
  return {
    more: async (count: number) => {
      const target = acknowledged.length + count;
      const deadline = Date.now() + 30_000;
      while (acknowledged.length < target) {
        if (outcome.expired) throw new Error("the session expired");
        if (Date.now() > deadline) throw new Error(`writes stalled at ${acknowledged.length}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    stop: async () => {
      stopping = true;
      await Promise.all(done);
    },
  };
}

async function expectNoneLost(local: LocalEnsemble, acknowledged: readonly string[]): Promise<void> {
  await using reader = await local.connect();
  const { children } = await reader.getChildren("/log", { linearizable: true });
  const present = new Set(children.map((name) => `/log/${name}`));
  expect(acknowledged.filter((path) => !present.has(path))).toEqual([]);
  const statuses = await local.waitUntilCaughtUp(30_000);
  expect(new Set(statuses.map((status) => status.digest)).size).toBe(1);
}

it("commits writes over NATS; SIGKILL of the leader under load loses none; it restarts and catches up", async () => {
  const { ensemble: local } = await start();
  const leader = await local.waitForLeader();
  const followers = local.ids.filter((id) => id !== leader);
  await using session = await local.connect({ members: [...followers, leader], sessionTimeoutMs: 10_000 });
  await session.create("/log");
  const acknowledged: string[] = [];
  const outcome = { expired: false };
  const load = writers(session, acknowledged, outcome);
  await load.more(200);
  await local.kill(leader);
  const next = await local.waitForLeader({ among: followers, timeoutMs: 30_000 });
  expect(next).not.toBe(leader);
  await load.more(200);
  await local.startMember(leader);
  await load.more(100);
  await load.stop();
  expect(outcome.expired).toBe(false);
  await expectNoneLost(local, acknowledged);
}, 120_000);

it("recovers when the NATS server is down for longer than the session timeout: no acknowledged write lost, the session survives or expires loudly", async () => {
  const { nats: server, ensemble: local } = await start();
  await local.waitForLeader();
  await using session = await local.connect({ sessionTimeoutMs: 1_000 });
  await session.create("/log");
  const acknowledged: string[] = [];
  const outcome = { expired: false };
  const load = writers(session, acknowledged, outcome);
  await load.more(200);
  const ephemeral = await session.create("/owner", { mode: "ephemeral" });
  await server.stop("SIGKILL");
  // Down for three session timeouts: every member and the client lose NATS at once.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await server.start();
  await local.waitForLeader({ timeoutMs: 30_000 });
  if (!outcome.expired) {
    // The session survived only if the ensemble never saw it silent for its timeout; then it
    // keeps writing and its ephemeral node is still there.
    try {
      await load.more(50);
      expect((await session.exists(ephemeral)).stat).toBeDefined();
    } catch (error) {
      if (!outcome.expired) throw error;
    }
  }
  await load.stop();
  if (outcome.expired) {
    // Expired loudly: the client gave the session up on its own timers; the leader, whose session
    // clocks restart with its epoch, expires it too, and its ephemeral node goes for everyone.
    await using other = await local.connect();
    const deadline = Date.now() + 20_000;
    for (;;) {
      await other.sync("/");
      if ((await other.exists(ephemeral)).stat === undefined) break;
      if (Date.now() > deadline)
        throw new Error(`the expired session's ephemeral ${ephemeral} is still there`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await expectNoneLost(local, acknowledged);
}, 120_000);
