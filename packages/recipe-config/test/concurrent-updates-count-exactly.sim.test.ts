// Goal: update(fn) applies exactly once per successful call, even when the connection breaks
// with the outcome unknown: 10 clients each incrementing one counter 100 times through
// ConfigStore.update end at exactly 1,000, on a quiet ensemble and under faults. Method:
// CoordinationScenario (3 members running the real session layer, real connect() clients in
// virtual time); each client has its own session, spread over the members, and its own store.
// Under faults, members crash and restart, are partitioned, paused, cut off from their clients,
// and client channels break while updates are in flight, so many multis end in ConnectionLoss
// and are resent; the version guard and the write receipt must keep every increment single. The
// sessions' timeout (4 s) outlasts every fault the scenario strikes, so no session is lost (a
// lost session leaves an in-flight write's outcome unknown, as in ZooKeeper). An update that
// gives up after its attempts (BadVersion: nothing written) is called again.
// `CONFIG_SIM_SEEDS=N` runs N more seeds under faults locally.
import { ZabError } from "@zab/core";
import { CoordinationScenario } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { ConfigStore } from "../src/index.js";
import { extraSeeds } from "./helpers/extra-seeds.js";
import { counterSchema } from "./helpers/schemas.js";

const CLIENTS = 10;
const INCREMENTS = 100;

interface CounterRun {
  readonly count: number;
  readonly version: number;
  readonly historyLength: number;
  readonly gaveUp: number;
  readonly faults: number;
  /** Resends after ConnectionLoss, seen as the store's receipts confirmed without a reply. */
  readonly connectionLosses: number;
}

async function runCounter(seed: number, faults: boolean): Promise<CounterRun> {
  const scenario = new CoordinationScenario({ seed });
  let gaveUp = 0;
  let connectionLosses = 0;
  const client = async (index: number) => {
    const session = await scenario.connect(index, { sessionTimeoutMs: 4_000, requestTimeoutMs: 2_000 });
    // Count the multis whose reply was lost: the store resends them.
    const multi = session.multi.bind(session);
    session.multi = async (...args) => {
      try {
        return await multi(...args);
      } catch (error) {
        if (ZabError.isInstance(error, "ConnectionLoss") || ZabError.isInstance(error, "Timeout"))
          connectionLosses += 1;
        throw error;
      }
    };
    try {
      await using counter = new ConfigStore(session, "/counter", {
        schema: counterSchema,
        clock: scenario.clock,
      });
      for (let done = 0; done < INCREMENTS; ) {
        try {
          await counter.update((current) => ({ count: (current?.count ?? 0) + 1 }));
          done += 1;
        } catch (error) {
          if (!ZabError.isInstance(error, "BadVersion")) throw error;
          gaveUp += 1;
        }
      }
    } finally {
      await session.close();
    }
  };
  const work = Promise.all(Array.from({ length: CLIENTS }, (_, index) => client(index)));
  if (faults) await scenario.runWithFaults(work, { maxMs: 600_000 });
  else await scenario.runUntilSettled(work, 600_000);
  const result = await scenario.runUntilSettled(
    (async () => {
      await using session = await scenario.connect(0);
      await using counter = new ConfigStore(session, "/counter", {
        schema: counterSchema,
        clock: scenario.clock,
      });
      const { value, version } = await counter.get({ linearizable: true });
      return { count: value.count, version, historyLength: (await counter.history()).length };
    })(),
  );
  return { ...result, gaveUp, faults: scenario.faults.count, connectionLosses };
}

describe("concurrent update(fn) counts exactly", () => {
  it(`${CLIENTS} clients x ${INCREMENTS} increments end at exactly ${CLIENTS * INCREMENTS} on a quiet ensemble`, async () => {
    const run = await runCounter(1, false);
    expect(run.count).toBe(CLIENTS * INCREMENTS);
    // One version per increment: no write happened twice or went missing.
    expect(run.version).toBe(CLIENTS * INCREMENTS - 1);
    expect(run.historyLength).toBe(10);
  }, 60_000);

  it(`${CLIENTS} clients x ${INCREMENTS} increments end at exactly ${CLIENTS * INCREMENTS} under faults`, async () => {
    const runs: CounterRun[] = [];
    for (const seed of [1, 2]) {
      const run = await runCounter(seed, true);
      expect(run.count, `seed ${seed}`).toBe(CLIENTS * INCREMENTS);
      expect(run.version, `seed ${seed}`).toBe(CLIENTS * INCREMENTS - 1);
      runs.push(run);
    }
    // The faults must have struck while writes were in flight, or the test proves little.
    expect(runs.reduce((sum, run) => sum + run.faults, 0)).toBeGreaterThan(10);
    expect(runs.reduce((sum, run) => sum + run.connectionLosses, 0)).toBeGreaterThan(5);
    console.log(
      runs
        .map((run) => `${run.faults} faults, ${run.connectionLosses} lost replies, ${run.gaveUp} gave up`)
        .join("; "),
    );
  }, 120_000);

  it.each(extraSeeds)(
    "counts exactly on extra seed %i under faults",
    async (seed) => {
      const run = await runCounter(seed, true);
      expect(run.count, `seed ${seed}`).toBe(CLIENTS * INCREMENTS);
      expect(run.version, `seed ${seed}`).toBe(CLIENTS * INCREMENTS - 1);
    },
    3_600_000,
  );
});
