// Goal: real processes, real crashes. Acknowledged writes survive SIGKILL of the leader under load,
// SIGKILL of a follower, a leader frozen (SIGSTOP) for longer than the session timeout, and all
// three members killed at once and restarted; afterwards the members agree (same applied zxid,
// same tree digest) and sessions behave as DESIGN.md §5 says: a session whose member dies moves
// and keeps its ephemeral node; a session nobody hears from expires and its ephemeral goes.
// Method: three `zab serve` processes on loopback TCP with fsync'd file storage (LocalEnsemble),
// clients in this process writing sequential znodes with 8 writers in flight; every write a client
// saw succeed is read back, linearizably, at the end.
import { type Coordination, type ServerId, ZabError } from "@zab/core";
import { afterEach, describe, expect, it } from "vitest";
import { LocalEnsemble } from "../src/local-ensemble/local-ensemble.js";

let ensemble: LocalEnsemble | undefined;
afterEach(async () => {
  await ensemble?.stop();
  ensemble = undefined;
});

async function start(): Promise<LocalEnsemble> {
  ensemble = await LocalEnsemble.start({ size: 3, tickMs: 20, sessionTimeoutMinMs: 500 });
  return ensemble;
}

/** Writers that create sequential znodes back to back and remember the acknowledged ones. */
class Writers {
  readonly acknowledged: string[] = [];
  #stopping = false;
  readonly #done: Promise<void>[];

  constructor(session: Coordination, count = 8) {
    this.#done = Array.from({ length: count }, async () => {
      while (!this.#stopping) {
        try {
          this.acknowledged.push(await session.create("/log/e-", { mode: "persistentSequential" }));
        } catch (error) {
          // Unknown outcome while the session moves: the write may or may not have committed.
          // With every member down the session is given up: nothing more can be written.
          if (ZabError.isInstance(error, "SessionExpired")) return;
          if (!ZabError.isInstance(error, "ConnectionLoss") && !ZabError.isInstance(error, "Timeout"))
            throw error;
        }
      }
    });
  }

  /** Waits until `count` more writes are acknowledged. */
  async more(count: number): Promise<void> {
    const target = this.acknowledged.length + count;
    const deadline = Date.now() + 20_000;
    while (this.acknowledged.length < target) {
      if (Date.now() > deadline) throw new Error(`writes stalled at ${this.acknowledged.length}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#done);
  }
}

/** Every acknowledged write is readable, linearizably. */
async function expectNoneLost(session: Coordination, acknowledged: readonly string[]): Promise<void> {
  const { children } = await session.getChildren("/log", { linearizable: true });
  const present = new Set(children.map((name) => `/log/${name}`));
  expect(acknowledged.filter((path) => !present.has(path))).toEqual([]);
}

/** Every member serves at one applied zxid, and they hold one tree digest there. */
async function expectMembersAgree(local: LocalEnsemble): Promise<void> {
  const statuses = await local.waitUntilCaughtUp();
  expect(new Set(statuses.map((status) => status.digest)).size).toBe(1);
}

function others(local: LocalEnsemble, id: ServerId): ServerId[] {
  return local.ids.filter((other) => other !== id);
}

describe("real processes under real faults", () => {
  it("SIGKILL of the leader under write load loses no acknowledged write; it restarts and catches up", async () => {
    const local = await start();
    const leader = await local.waitForLeader();
    const followers = others(local, leader);
    await using session = await local.connect({ members: followers, sessionTimeoutMs: 5_000 });
    await session.create("/log");
    await session.create("/owned", { mode: "ephemeral" });
    const writers = new Writers(session);
    await writers.more(200);
    await local.kill(leader);
    await local.waitForLeader({ among: followers });
    await writers.more(200);
    await local.startMember(leader);
    await writers.more(100);
    await writers.stop();
    await expectNoneLost(session, writers.acknowledged);
    // The session rode out the crash: its ephemeral node is still there.
    await expect(session.exists("/owned", { linearizable: true })).resolves.toMatchObject({
      stat: expect.anything(),
    });
    await expectMembersAgree(local);
  });

  it("SIGKILL of a follower: its clients move with their session and ephemerals; writes go on", async () => {
    const local = await start();
    const leader = await local.waitForLeader();
    const [victim, survivor] = others(local, leader) as [ServerId, ServerId];
    await using session = await local.connect({ members: [victim, survivor], sessionTimeoutMs: 5_000 });
    await session.create("/log");
    await session.create("/mine", { mode: "ephemeral" });
    const writers = new Writers(session);
    await writers.more(100);
    await local.kill(victim);
    await writers.more(200);
    await writers.stop();
    await expect(session.exists("/mine", { linearizable: true })).resolves.toMatchObject({
      stat: expect.anything(),
    });
    await expectNoneLost(session, writers.acknowledged);
    await local.startMember(victim);
    await expectMembersAgree(local);
  });

  it("a leader frozen past the session timeout is replaced; its only client's session expires, others live", async () => {
    const local = await start();
    const leader = await local.waitForLeader();
    const followers = others(local, leader);
    await using mover = await local.connect({ members: followers, sessionTimeoutMs: 1_000 });
    const stranded = await local.connect({ members: [leader], sessionTimeoutMs: 1_000 });
    await mover.create("/log");
    await stranded.create("/stranded", { mode: "ephemeral" });
    await mover.create("/moving", { mode: "ephemeral" });
    const writers = new Writers(mover);
    await writers.more(100);
    local.pause(leader);
    const newLeader = await local.waitForLeader({ among: followers });
    expect(newLeader).not.toBe(leader);
    // The stranded session can reach nobody else: the new leader expires it and deletes its node.
    const deadline = Date.now() + 15_000;
    while ((await mover.exists("/stranded", { linearizable: true })).stat !== undefined) {
      if (Date.now() > deadline)
        throw new Error("the stranded session's ephemeral node outlived its timeout");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await writers.more(100);
    local.resume(leader);
    await writers.more(100);
    await writers.stop();
    await expect(mover.exists("/moving", { linearizable: true })).resolves.toMatchObject({
      stat: expect.anything(),
    });
    await expectNoneLost(mover, writers.acknowledged);
    // The thawed old leader rejoins as a follower; the expired session cannot come back.
    await expectMembersAgree(local);
    await expect(stranded.getData("/log")).rejects.toSatisfy(
      (error) => ZabError.isInstance(error, "SessionExpired") || ZabError.isInstance(error, "Closed"),
    );
    await stranded.close().catch(() => undefined);
  });

  it("all three members killed at once and restarted: every acknowledged write is back", async () => {
    const local = await start();
    await local.waitForLeader();
    const acknowledged: string[] = [];
    const session = await local.connect({ sessionTimeoutMs: 5_000 });
    await session.create("/log");
    const writers = new Writers(session);
    await writers.more(300);
    await Promise.all(local.ids.map((id) => local.kill(id)));
    await writers.stop();
    acknowledged.push(...writers.acknowledged);
    // Its members are gone: the session can only be abandoned.
    await session.close().catch(() => undefined);
    await Promise.all(local.ids.map((id) => local.startMember(id)));
    await local.waitForLeader();
    await using reader = await local.connect({ sessionTimeoutMs: 5_000 });
    await expectNoneLost(reader, acknowledged);
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);
    await expectMembersAgree(local);
  });
});
