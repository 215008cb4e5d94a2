// Goal: ConfigStore works the same on real members as in the simulator: watchers on every member
// follow a writer across the loss of the leader, each ending on the last version with versions
// only going up; a multi-key release and a rollback behave as documented. Method: three
// CoordinationServers from @zab/core (real session layer, real timers, memory storage) on the
// in-process peer and client networks of @zab/testkit; clients through connect(). The leader is
// closed while the writer works, so sessions on it move to another member and a new leader is
// elected; the writer's in-flight writes may end in ConnectionLoss and must be resolved by the
// store (no lost or doubled version).
import type { Coordination, ServerId, Zxid } from "@zab/core";
import { type MemoryEnsemble, startMemoryEnsemble, waitUntil } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { ConfigStore, ConfigTransaction } from "../src/index.js";
import { counterSchema, zodFlags } from "./helpers/schemas.js";

/** A session trying `first`, then the other members. */
function session(ensemble: MemoryEnsemble, first: ServerId): Promise<Coordination> {
  return ensemble.connect({
    members: [first, ...ensemble.voters.filter((id) => id !== first)],
    sessionTimeoutMs: 5_000,
    requestTimeoutMs: 5_000,
  });
}

describe("ConfigStore on real members", () => {
  it("keeps watchers on every member in step with a writer across the loss of the leader", async () => {
    await using ensemble = await startMemoryEnsemble();
    const { members, voters } = ensemble;
    const leader = members.find((member) => member.status.role === "leading");
    const follower = members.find((member) => member.status.role === "following");
    if (leader === undefined || follower === undefined) throw new Error("no leader or follower");
    const writerSession = await session(ensemble, follower.status.id);
    await using writer = new ConfigStore(writerSession, "/app/counter", { schema: counterSchema });
    await writer.set({ count: 0 });

    const seen: { version: number; zxid: Zxid }[][] = [];
    const stop = new AbortController();
    const watchers = voters.flatMap((id) =>
      [0, 1].map(async () => {
        const log: { version: number; zxid: Zxid }[] = [];
        seen.push(log);
        await using store = new ConfigStore(await session(ensemble, id), "/app/counter", {
          schema: counterSchema,
        });
        try {
          for await (const event of store.watch({ signal: stop.signal })) {
            if (event.kind === "value") log.push({ version: event.version, zxid: event.zxid });
          }
        } catch (error) {
          if (!stop.signal.aborted) throw error;
        }
      }),
    );
    const writes = 300;
    for (let count = 1; count <= writes; count += 1) {
      if (count === writes / 2) await leader.close();
      await writer.update((current) => ({ count: (current?.count ?? 0) + 1 }));
    }
    const final = await writer.get({ linearizable: true });
    expect(final.value.count).toBe(writes);
    expect(final.version).toBe(writes);
    await waitUntil(
      () => (seen.length === 6 && seen.every((log) => log.at(-1)?.zxid === final.zxid) ? true : undefined),
      {
        timeoutMs: 15_000,
      },
    );
    stop.abort();
    await Promise.all(watchers);
    for (const log of seen) {
      for (let at = 1; at < log.length; at += 1) {
        expect(log[at]?.version).toBeGreaterThan(log[at - 1]?.version ?? Number.POSITIVE_INFINITY);
      }
      expect(log.at(-1)?.version).toBe(final.version);
    }
  }, 30_000);

  it("commits a multi-key release atomically and rolls back as a new version", async () => {
    await using ensemble = await startMemoryEnsemble();
    const opened = await session(ensemble, ensemble.voters[0] as ServerId);
    await using flags = new ConfigStore(opened, "/release/flags", { schema: zodFlags, historyMax: 3 });
    await using limits = new ConfigStore(opened, "/release/limits", { schema: counterSchema, historyMax: 3 });
    await flags.set({ newCheckout: false, rolloutPercent: 0 });
    const [flagsAfter, limitsAfter] = await new ConfigTransaction()
      .update(flags, (current) => ({
        newCheckout: true,
        rolloutPercent: (current?.rolloutPercent ?? 0) + 25,
      }))
      .set(limits, { count: 200 })
      .commit();
    expect(flagsAfter?.zxid).toBe(limitsAfter?.zxid);
    expect((await flags.get()).value).toEqual({ newCheckout: true, rolloutPercent: 25 });
    const rolledBack = await flags.rollback(0);
    expect(rolledBack.version).toBe(2);
    expect((await flags.get()).value).toEqual({ newCheckout: false, rolloutPercent: 0 });
    expect((await flags.history()).map((entry) => entry.version)).toEqual([2, 1, 0]);
  }, 30_000);
});
