// Goal: a write whose connection breaks while it is in flight applies exactly once, whatever
// the moment of the break: before the request reached the member (the resend applies it), or
// after it applied (the resend fails on the version guard and the receipt proves it applied),
// with an explicit expectedVersion too. Method: CoordinationScenario with one client; a
// compare-and-set is started and the client's only channel is broken 0 to 24 virtual ms later,
// sweeping the moment of the break across the write's round trip. Each time, the call must
// succeed with the next version, the value must be the one written, and history must hold
// exactly one entry for that version. The sweep must hit both cases, or it proves little.
import { type Coordination, ZabError } from "@zab/core";
import { CoordinationScenario } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { ConfigStore } from "../src/index.js";
import { extraSeeds } from "./helpers/extra-seeds.js";
import { counterSchema } from "./helpers/schemas.js";

describe("a write whose connection breaks in flight", () => {
  it("applies exactly once, wherever the break falls", async () => {
    const outcomes = await sweepBreaks(11);
    // Both sides of the race were exercised.
    expect(outcomes.resent).toBeGreaterThan(3);
    expect(outcomes.provedByReceipt).toBeGreaterThan(0);
    expect(outcomes.provedByReceipt).toBeLessThan(outcomes.resent);
  });

  it.each(extraSeeds)(
    "applies exactly once on extra seed %i",
    async (seed) => {
      await sweepBreaks(seed);
    },
    600_000,
  );
});

/** Sweeps the moment of the break over 25 compare-and-sets; returns what the store had to do. */
async function sweepBreaks(seed: number): Promise<{ resent: number; provedByReceipt: number }> {
  const scenario = new CoordinationScenario({ seed });
  const outcomes = { resent: 0, provedByReceipt: 0 };
  await scenario.runUntilSettled(
    (async () => {
      const session = await scenario.connect(0, { sessionTimeoutMs: 10_000, requestTimeoutMs: 3_000 });
      const { multi, exists } = instrument(session, outcomes);
      session.multi = multi;
      session.exists = exists;
      try {
        await using store = new ConfigStore(session, "/cas", {
          schema: counterSchema,
          clock: scenario.clock,
        });
        let current = await store.set({ count: 0 });
        for (let delayMs = 0; delayMs < 25; delayMs += 1) {
          const next = { count: current.value.count + 1 };
          const write = store.set(next, { expectedVersion: current.version });
          await new Promise<void>((resolve) => scenario.clock.setTimeout(resolve, delayMs));
          scenario.sim.clients.breakOne(() => 0);
          const written = await write;
          expect(written.version, `break after ${delayMs} ms`).toBe(current.version + 1);
          const read = await readAfterBreak(store);
          expect(read.version, `break after ${delayMs} ms`).toBe(written.version);
          expect(read.value, `break after ${delayMs} ms`).toEqual(next);
          current = written;
        }
        const history = await store.history();
        expect(history.map((entry) => entry.version)).toEqual([25, 24, 23, 22, 21, 20, 19, 18, 17, 16]);
      } finally {
        await session.close();
      }
    })(),
  );
  return outcomes;
}

/** Reads through the leader; the break may still be on its way and fail a read or two. */
async function readAfterBreak(store: ConfigStore<{ count: number }>) {
  for (let tries = 0; ; tries += 1) {
    try {
      return await store.get({ linearizable: true });
    } catch (error) {
      if (!ZabError.isInstance(error, "ConnectionLoss") || tries > 3) throw error;
    }
  }
}

/** Wraps the session's multi and exists to count resends and receipts found after them. */
function instrument(session: Coordination, outcomes: { resent: number; provedByReceipt: number }) {
  const multi = session.multi.bind(session);
  const exists = session.exists.bind(session);
  return {
    multi: (async (...args) => {
      try {
        return await multi(...args);
      } catch (error) {
        if (ZabError.isInstance(error, "ConnectionLoss")) outcomes.resent += 1;
        throw error;
      }
    }) as Coordination["multi"],
    exists: (async (path, options) => {
      const result = await exists(path, options);
      if (path.includes("/.receipts/") && result.stat !== undefined) outcomes.provedByReceipt += 1;
      return result;
    }) as Coordination["exists"],
  };
}
