// Goal: the mutex grants the lock in queue order, wakes only the next waiter, and hands out
// strictly increasing fencing tokens. Method: 8 real sessions against a simulated 3-member
// ensemble (no faults) join the queue one after the other (each waits until its node is in the
// directory before the next asks), then the holder releases, and so on; the order of grants
// must be the order of requests, and every waiter's exists-watch must be on its predecessor only.
import { CoordinationScenario } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { type Lease, Mutex, participantsOf } from "../src/index.js";

const CONTENDERS = 8;
const LOCK = "/locks/fair";

describe("Mutex fairness", () => {
  it(`grants ${CONTENDERS} contenders the lock in the order they asked`, async () => {
    const scenario = new CoordinationScenario({ seed: 11 });
    const work = (async () => {
      const sessions = await Promise.all(
        Array.from({ length: CONTENDERS }, (_, client) =>
          scenario.connect(client, { sessionTimeoutMs: 1_000 }),
        ),
      );
      const observer = sessions[0];
      if (observer === undefined) throw new Error("no session");
      const granted: number[] = [];
      const tokens: bigint[] = [];
      const waiting: Promise<void>[] = [];
      let allQueued: () => void = () => undefined;
      const queued = new Promise<void>((resolve) => {
        allQueued = () => resolve();
      });
      for (let client = 0; client < CONTENDERS; client += 1) {
        const session = sessions[client];
        if (session === undefined) throw new Error("no session");
        const mutex = new Mutex(session, LOCK, { clock: scenario.clock });
        waiting.push(
          mutex.acquire().then(async (lease: Lease) => {
            granted.push(client);
            tokens.push(lease.fencingToken);
            // Hold until everyone is in line, so that the order is the queue's, not the arrivals'.
            await queued;
            await lease.release();
          }),
        );
        // The next contender asks only once this one's node is in line.
        for (;;) {
          const { children } = await observer.getChildren(LOCK).catch(() => ({ children: [] as string[] }));
          if (participantsOf(children).length === client + 1) break;
          await new Promise<void>((resolve) => scenario.clock.setTimeout(resolve, 1));
        }
      }
      allQueued();
      await Promise.all(waiting);
      const { children } = await observer.getChildren(LOCK);
      await Promise.all(sessions.map((session) => session.close()));
      return { granted, tokens, left: participantsOf(children).length };
    })();
    const { granted, tokens, left } = await scenario.runUntilSettled(work);
    expect(granted).toEqual(Array.from({ length: CONTENDERS }, (_, client) => client));
    for (let i = 1; i < tokens.length; i += 1) expect(tokens[i]).toBeGreaterThan(tokens[i - 1] ?? 0n);
    expect(left).toBe(0);
  });
});
