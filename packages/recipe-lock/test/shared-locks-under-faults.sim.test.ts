// Goal: the read-write lock and the semaphore keep their sharing rules under faults, and a writer
// is not starved by readers that come after it. Method: the same randomized runs as the mutex's
// (lock-under-faults.ts: 4 to 7 real sessions, the scenario's faults plus holders cut off past
// their session timeout, then a liveness round and a leftover check), with the read-write lock
// (30% writers) and a 2-permit semaphore; the checker allows any number of readers together but a
// writer only alone, and at most 2 semaphore holders. Then, without faults, a fixed interleaving:
// a reader holds, a writer queues, a later reader must wait behind the writer.
import { CoordinationScenario } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { participantsOf, ReadWriteLock, Semaphore } from "../src/index.js";
import { type RunReport, runLockUnderFaults } from "./lock-under-faults.js";

const { LOCK_SIM_SEEDS } = process.env;
const SEEDS = Number(LOCK_SIM_SEEDS ?? 15);

describe("shared locks under faults", () => {
  for (const recipe of ["read-write", "semaphore"] as const) {
    it(`keep their sharing rules and leave nothing behind (${recipe}, ${SEEDS} seeds)`, async () => {
      const reports: RunReport[] = [];
      for (let seed = 1; seed <= SEEDS; seed += 1) {
        reports.push(await runLockUnderFaults({ seed, abortOn: "suspended", recipe }));
      }
      for (const [index, report] of reports.entries())
        expect(report.leftover, `seed ${index + 1}`).toEqual([]);
      const total = (pick: (report: RunReport) => number) => reports.reduce((sum, r) => sum + pick(r), 0);
      expect(reports.every((report) => report.grants > 0)).toBe(true);
      expect(total((r) => r.grants)).toBeGreaterThan(SEEDS * 10);
      expect(total((r) => r.finalGrants)).toBeGreaterThan(SEEDS);
      // Sharing must actually have happened, or the rules were never put to the test.
      expect(Math.max(...reports.map((r) => r.overlapMax))).toBeGreaterThanOrEqual(2);
      expect(total((r) => r.sessionsLost)).toBeGreaterThan(0);
    }, 600_000);
  }
});

describe("ReadWriteLock ordering", () => {
  it("makes a reader that comes after a waiting writer wait behind it", async () => {
    const scenario = new CoordinationScenario({ seed: 5 });
    const { clock } = scenario;
    const path = "/locks/rw-order";
    const order: string[] = [];
    const work = (async () => {
      const [a, b, c] = await Promise.all([0, 1, 2].map((client) => scenario.connect(client)));
      if (a === undefined || b === undefined || c === undefined) throw new Error("no session");
      const queued = async (count: number) => {
        for (;;) {
          if (participantsOf((await a.getChildren(path)).children).length === count) return;
          await new Promise<void>((resolve) => clock.setTimeout(resolve, 1));
        }
      };
      const firstReader = await new ReadWriteLock(a, path, { clock }).readLock.acquire();
      order.push("reader 1");
      const writer = new ReadWriteLock(b, path, { clock }).writeLock.acquire().then((lease) => {
        order.push("writer");
        return lease;
      });
      await queued(2);
      const laterReader = new ReadWriteLock(c, path, { clock }).readLock.acquire().then((lease) => {
        order.push("reader 2");
        return lease;
      });
      await queued(3);
      // Readers share, but not with a writer waiting ahead: reader 2 is still waiting.
      expect(order).toEqual(["reader 1"]);
      await firstReader.release();
      await (await writer).release();
      await (await laterReader).release();
      await Promise.all([a.close(), b.close(), c.close()]);
    })();
    await scenario.runUntilSettled(work);
    expect(order).toEqual(["reader 1", "writer", "reader 2"]);
  });

  it("lets readers share, and a semaphore let in exactly its permits", async () => {
    const scenario = new CoordinationScenario({ seed: 6 });
    const { clock } = scenario;
    const work = (async () => {
      const sessions = await Promise.all([0, 1, 2].map((client) => scenario.connect(client)));
      const readers = await Promise.all(
        sessions.map((session) =>
          new ReadWriteLock(session, "/locks/rw-share", { clock }).readLock.acquire(),
        ),
      );
      const leases = await Promise.all(
        sessions.map((session) => new Semaphore(session, "/locks/sem", 2, { clock }).tryAcquire()),
      );
      const granted = leases.filter((lease) => lease !== undefined).length;
      await Promise.all([...readers, ...leases].map((lease) => lease?.release()));
      await Promise.all(sessions.map((session) => session.close()));
      return { readers: readers.length, granted };
    })();
    expect(await scenario.runUntilSettled(work)).toEqual({ readers: 3, granted: 2 });
  });
});
