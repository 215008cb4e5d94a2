// Goal: a multi-key release is atomic and exactly-once under faults: 5 clients each commit 40
// transactions that increment two counters together (ConfigTransaction with two updates) while
// members crash, are partitioned or paused and client channels break; both counters end at
// exactly 200, at the same version, and no reader ever sees them differ. Method:
// CoordinationScenario with its random faults; sessions with a 4 s timeout (longer than any
// fault, so no session is lost and every outcome is known); meanwhile a reader reads the two
// counters back to back, in alternating order: the one read first is never ahead of the other,
// as it would be if a transaction applied one key without the other.
import { type Coordination, ZabError } from "@zab/core";
import { CoordinationScenario } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { ConfigStore, ConfigTransaction } from "../src/index.js";
import { counterSchema } from "./helpers/schemas.js";

const CLIENTS = 5;
const COMMITS = 40;

describe("ConfigTransaction under faults", () => {
  it(`${CLIENTS} clients x ${COMMITS} two-key releases: both counters end at ${CLIENTS * COMMITS}, never apart`, async () => {
    const scenario = new CoordinationScenario({ seed: 3 });
    const open = (client: number) =>
      scenario.connect(client, { sessionTimeoutMs: 4_000, requestTimeoutMs: 2_000 });
    const stores = (session: Coordination) => ({
      a: new ConfigStore(session, "/release/a", { schema: counterSchema, clock: scenario.clock }),
      b: new ConfigStore(session, "/release/b", { schema: counterSchema, clock: scenario.clock }),
    });
    let writing = CLIENTS;
    let apart = 0;
    let checks = 0;
    const client = async (index: number) => {
      const session = await open(index);
      const { a, b } = stores(session);
      try {
        for (let done = 0; done < COMMITS; ) {
          try {
            await new ConfigTransaction()
              .update(a, (current) => ({ count: (current?.count ?? 0) + 1 }))
              .update(b, (current) => ({ count: (current?.count ?? 0) + 1 }))
              .commit();
            done += 1;
          } catch (error) {
            // Every attempt overtaken: nothing written; commit again.
            if (!ZabError.isInstance(error, "BadVersion")) throw error;
          }
        }
      } finally {
        writing -= 1;
        await a.close();
        await b.close();
        await session.close();
      }
    };
    const reader = async () => {
      const session = await open(CLIENTS);
      try {
        while (writing > 0) {
          try {
            // Two reads in a row, in alternating order. Versions only grow and a commit moves both
            // counters together, so the second read can never be behind the first; a counter
            // committed alone would show up as the first read ahead of the second.
            const [first, second] =
              checks % 2 === 0 ? ["/release/a", "/release/b"] : ["/release/b", "/release/a"];
            const [early, late] = await Promise.all([
              session.getData(first as string, { linearizable: true }),
              session.getData(second as string),
            ]);
            checks += 1;
            if (early.stat.version > late.stat.version) apart += 1;
          } catch (error) {
            if (!ZabError.isInstance(error)) throw error;
          }
          await new Promise<void>((resolve) => scenario.clock.setTimeout(resolve, 5));
        }
      } finally {
        await session.close();
      }
    };
    await scenario.runWithFaults(
      Promise.all([...Array.from({ length: CLIENTS }, (_, index) => client(index)), reader()]),
      { maxMs: 600_000 },
    );
    const final = await scenario.runUntilSettled(
      (async () => {
        const session = await open(0);
        const { a, b } = stores(session);
        try {
          return [await a.get({ linearizable: true }), await b.get()];
        } finally {
          await session.close();
        }
      })(),
    );
    expect(final.map((snapshot) => snapshot.value.count)).toEqual([CLIENTS * COMMITS, CLIENTS * COMMITS]);
    expect(final.map((snapshot) => snapshot.version)).toEqual([CLIENTS * COMMITS - 1, CLIENTS * COMMITS - 1]);
    expect(final[0]?.zxid).toBe(final[1]?.zxid);
    expect(apart).toBe(0);
    expect(checks).toBeGreaterThan(20);
    expect(scenario.faults.count).toBeGreaterThan(5);
  }, 60_000);
});
