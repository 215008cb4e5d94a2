// Goal: when every member loses every peer and every client at once (a switch or a NATS server
// down) for longer than a session's timeout, the session ends loudly on both sides: the client
// reports it lost (SessionExpired), and once the ensemble is back its leader expires the session
// too, so its ephemeral node goes for everyone. Nobody is left believing in a session the other
// side has given up (the silent inconsistency a lock holder cannot survive).
//
// Method: a client writes to its ephemeral node in a loop; all members are cut from each other
// and from clients for three session timeouts; then everything heals. Another session then
// watches the ephemeral node disappear. Several seeds, so the outage strikes the leader at
// different points of its pipeline.
import { type Coordination, ZabError } from "@zab/core";
import { expect, it } from "vitest";
import { CoordinationScenario } from "../../src/index.js";

const SESSION_TIMEOUT_MS = 1_000;

it.each([1, 2, 3, 4, 5, 6])(
  "seed %i: a total outage longer than the session timeout ends the session on both sides",
  async (seed) => {
    const scenario = new CoordinationScenario({ seed });
    const { sim, clock } = scenario;
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(() => resolve(), ms));

    const work = async () => {
      const session = await scenario.connect(seed, { sessionTimeoutMs: SESSION_TIMEOUT_MS });
      const path = await session.create("/owner", { mode: "ephemeral" });
      const writer = keepWriting(session, path, sleep);
      await sleep(300);
      sim.partition(sim.voterIds.map((id) => [id]));
      for (const id of sim.voterIds) sim.clients.isolate(id);
      await sleep(3 * SESSION_TIMEOUT_MS);
      sim.heal();
      for (const id of sim.voterIds) sim.clients.reconnect(id);

      const ending = await writer;
      const other = await scenario.connect(0, { sessionTimeoutMs: 5_000 });
      let gone = false;
      for (let attempt = 0; attempt < 100 && !gone; attempt += 1) {
        await other.sync("/");
        gone = (await other.exists(path)).stat === undefined;
        if (!gone) await sleep(100);
      }
      return { ending, state: session.state, gone };
    };

    const outcome = await scenario.runUntilSettled(work(), 120_000);
    expect(outcome).toEqual({ ending: "SessionExpired", state: "lost", gone: true });
  },
);

/** Writes until the session ends; returns the code that ended it. */
async function keepWriting(
  session: Coordination,
  path: string,
  sleep: (ms: number) => Promise<unknown>,
): Promise<string> {
  for (;;) {
    try {
      await session.setData(path, new Uint8Array([1]));
    } catch (error) {
      if (!ZabError.isInstance(error)) throw error;
      if (session.state === "lost" || session.state === "closed") return error.code;
    }
    await sleep(20);
  }
}
