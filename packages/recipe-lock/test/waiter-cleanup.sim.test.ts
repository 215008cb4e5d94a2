// Goal: a waiter that gives up leaves nothing in the queue, whatever makes it give up: its
// caller's AbortSignal, a tryAcquire timeout, tryAcquire without waiting, or the recipe's close().
// And the rejection carries the caller's reason. Method: a real holder keeps the lock on a
// simulated ensemble (no faults); each kind of waiter joins and gives up; after its background
// removal has run (the recipe's close() waits for it), only the holder's node is in line, and the
// holder's release lets a fresh waiter in at once (no ghost ahead of it).
import { ZabError } from "@zab/core";
import { CoordinationScenario } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { Mutex, participantsOf } from "../src/index.js";

const LOCK = "/locks/cleanup";

describe("a waiter that gives up", () => {
  it("leaves no node behind, and rejects with the caller's reason", async () => {
    const scenario = new CoordinationScenario({ seed: 21 });
    const { clock } = scenario;
    const work = (async () => {
      const [holderSession, waiterSession] = await Promise.all(
        [0, 1].map((client) => scenario.connect(client)),
      );
      if (holderSession === undefined || waiterSession === undefined) throw new Error("no session");
      const line = async () => participantsOf((await holderSession.getChildren(LOCK)).children).length;
      const held = await new Mutex(holderSession, LOCK, { clock }).acquire();
      const outcomes: string[] = [];

      // 1. The caller's signal, with a reason of its own.
      const aborting = new Mutex(waiterSession, LOCK, { clock });
      const controller = new AbortController();
      const aborted = aborting.acquire({ signal: controller.signal });
      clock.setTimeout(() => controller.abort(new ZabError("Aborted", "the user gave up")), 30);
      await aborted.catch((error: unknown) =>
        outcomes.push(ZabError.isInstance(error) ? error.message : "?"),
      );
      await aborting.close();
      outcomes.push(`after abort: ${await line()}`);

      // 2. tryAcquire with a timeout, and without waiting.
      const trying = new Mutex(waiterSession, LOCK, { clock });
      outcomes.push(`timeout: ${await trying.tryAcquire({ timeoutMs: 40 })}`);
      outcomes.push(`no wait: ${await trying.tryAcquire()}`);
      await trying.close();
      outcomes.push(`after try: ${await line()}`);

      // 3. close() while waiting.
      const closing = new Mutex(waiterSession, LOCK, { clock });
      const pending = closing.acquire();
      clock.setTimeout(() => void closing.close(), 30);
      await pending.catch((error: unknown) =>
        outcomes.push(ZabError.isInstance(error, "Closed") ? "closed" : "?"),
      );
      await closing.close();
      outcomes.push(`after close: ${await line()}`);

      // No ghost ahead of a new waiter: it gets the lock right after the holder releases.
      const next = new Mutex(waiterSession, LOCK, { clock }).acquire();
      await held.release();
      const lease = await next;
      outcomes.push(`granted after release: ${!lease.signal.aborted}`);
      await lease.release();
      await Promise.all([holderSession.close(), waiterSession.close()]);
      return outcomes;
    })();
    expect(await scenario.runUntilSettled(work)).toEqual([
      "the user gave up",
      "after abort: 1",
      "timeout: undefined",
      "no wait: undefined",
      "after try: 1",
      "closed",
      "after close: 1",
      "granted after release: true",
    ]);
  });
});
