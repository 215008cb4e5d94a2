// Goal: the participant rules of the barriers, one schedule each, in a fault-free simulated
// ensemble: a participant whose session ends before the trip does not count; one whose client
// dies while the others wait to leave holds them back only until its session expires; a wait
// given up (timeout or abort) removes its node, so it neither counts nor blocks; a late arrival
// passes a tripped double barrier at once; the same rules hold for a cyclic barrier's
// generation; the latch and the plain barrier honour their bounds too.
// Method: real sessions on a CoordinationScenario, virtual time; the checks read the barrier
// node's children and the order of events on the virtual clock.
import { type Coordination, ZabError } from "@zab/core";
import { CoordinationScenario } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { Barrier } from "../src/barrier.js";
import { CountDownLatch } from "../src/count-down-latch.js";
import { CyclicBarrier } from "../src/cyclic-barrier.js";
import { DoubleBarrier } from "../src/double-barrier.js";
import { isParticipantName } from "../src/participant-node.js";
import { connectKillable } from "./support/killable-client.js";
import { sleep } from "./support/scenario-clients.js";

const SESSION_TIMEOUT_MS = 1_000;

/** `count` sessions, as a tuple of that length, so that destructured sessions are all defined. */
type Sessions<Count extends number, Opened extends Coordination[] = []> = Opened["length"] extends Count
  ? Opened
  : Sessions<Count, [...Opened, Coordination]>;

/** Runs `body` on a fresh scenario with `count` sessions, in virtual time, and closes them. */
async function withSessions<Count extends number>(
  count: Count,
  body: (scenario: CoordinationScenario, sessions: Sessions<Count>) => Promise<void>,
): Promise<void> {
  const scenario = new CoordinationScenario({ seed: 5 });
  const work = (async () => {
    const sessions = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        scenario.connect(index, { sessionTimeoutMs: SESSION_TIMEOUT_MS }),
      ),
    );
    try {
      await body(scenario, sessions as Sessions<Count>);
    } finally {
      await Promise.all(sessions.map((session) => session.close().catch(() => undefined)));
    }
  })();
  await scenario.runUntilSettled(work, 120_000);
}

async function participantNodes(session: Coordination, path: string): Promise<string[]> {
  const { children } = await session.getChildren(path, { linearizable: true });
  return children.filter((name) => isParticipantName(name));
}

/** Settles `promise` into a record of when and how. */
function track(scenario: CoordinationScenario, promise: Promise<unknown>) {
  const outcome: { at?: number; error?: unknown } = {};
  promise.then(
    () => {
      outcome.at = scenario.clock.now();
    },
    (error: unknown) => {
      outcome.at = scenario.clock.now();
      outcome.error = error;
    },
  );
  return outcome;
}

describe("double barrier participants", () => {
  it("does not count a participant whose session closed before the trip", async () => {
    await withSessions(4, async (scenario, [a, b, c, d]) => {
      const clock = scenario.clock;
      const barrier = (session: Coordination) => new DoubleBarrier(session, "/b", { participants: 3, clock });
      const first = track(scenario, barrier(a).enter());
      const second = track(scenario, barrier(b).enter());
      const third = track(scenario, barrier(c).enter());
      await sleep(scenario, 50);
      expect(first.at).toBeUndefined();
      // The third participant's session ends; it is two of three again.
      await c.close();
      await sleep(scenario, 200);
      expect(third.error).toSatisfy((error) => ZabError.isInstance(error, "Closed"));
      expect(first.at).toBeUndefined();
      expect(await participantNodes(a, "/b")).toHaveLength(2);
      const arrivedAt = clock.now();
      await barrier(d).enter();
      await sleep(scenario, 50);
      expect(first.at).toBeGreaterThanOrEqual(arrivedAt);
      expect(second.at).toBeGreaterThanOrEqual(arrivedAt);
      expect(first.error).toBeUndefined();
    });
  });

  it("gives up on timeout or abort, removes the node, and does not count", async () => {
    await withSessions(3, async (scenario, [a, b, c]) => {
      const clock = scenario.clock;
      await using timingOut = new DoubleBarrier(a, "/b", { participants: 2, clock });
      await expect(timingOut.enter({ timeoutMs: 300 })).rejects.toSatisfy((error) =>
        ZabError.isInstance(error, "Timeout"),
      );
      expect(timingOut.state).toBe("failed");
      await timingOut[Symbol.asyncDispose]();
      expect(await participantNodes(a, "/b")).toEqual([]);
      const controller = new AbortController();
      await using aborted = new DoubleBarrier(b, "/b", { participants: 2, clock });
      const entering = aborted.enter({ signal: controller.signal });
      await sleep(scenario, 100);
      controller.abort();
      await expect(entering).rejects.toSatisfy((error) => ZabError.isInstance(error, "Aborted"));
      await aborted[Symbol.asyncDispose]();
      expect(await participantNodes(a, "/b")).toEqual([]);
      // Neither counted: a lone new participant still waits.
      const lone = track(
        scenario,
        new DoubleBarrier(c, "/b", { participants: 2, clock }).enter({ timeoutMs: 500 }),
      );
      await sleep(scenario, 600);
      expect(lone.error).toSatisfy((error) => ZabError.isInstance(error, "Timeout"));
    });
  });

  it("lets a late arrival pass a tripped barrier at once, and waits for it to leave", async () => {
    await withSessions(3, async (scenario, [a, b, c]) => {
      const clock = scenario.clock;
      const early = [
        new DoubleBarrier(a, "/b", { participants: 2, clock }),
        new DoubleBarrier(b, "/b", { participants: 2, clock }),
      ];
      await Promise.all(early.map((barrier) => barrier.enter()));
      const late = new DoubleBarrier(c, "/b", { participants: 2, clock });
      await late.enter({ timeoutMs: 100 });
      const leaving = early.map((barrier) => track(scenario, barrier.leave()));
      await sleep(scenario, 300);
      expect(leaving.map((outcome) => outcome.at)).toEqual([undefined, undefined]);
      const lateLeftAt = clock.now();
      await late.leave();
      await sleep(scenario, 100);
      for (const outcome of leaving) {
        expect(outcome.error).toBeUndefined();
        expect(outcome.at).toBeGreaterThanOrEqual(lateLeftAt);
      }
    });
  });

  it("holds the others back only until a dead participant's session expires", async () => {
    // Reliability scenario 44: a double barrier of 5, one participant's process dies inside it.
    await withSessions(4, async (scenario, sessions) => {
      const clock = scenario.clock;
      const doomed = await connectKillable(scenario, SESSION_TIMEOUT_MS);
      const barriers = [...sessions, doomed.session].map(
        (session) => new DoubleBarrier(session, "/b", { participants: 5, clock }),
      );
      await Promise.all(barriers.map((barrier) => barrier.enter()));
      const leaving = barriers.slice(0, 4).map((barrier) => track(scenario, barrier.leave()));
      await sleep(scenario, 200);
      expect(leaving.map((outcome) => outcome.at)).toEqual([undefined, undefined, undefined, undefined]);
      const killedAt = clock.now();
      doomed.kill();
      await sleep(scenario, SESSION_TIMEOUT_MS * 4);
      for (const outcome of leaving) {
        expect(outcome.error).toBeUndefined();
        expect(outcome.at).toBeGreaterThan(killedAt);
      }
      expect(await participantNodes(sessions[0] as Coordination, "/b")).toEqual([]);
      await doomed.session.close().catch(() => undefined);
    });
  });

  it("refuses misuse: bad arguments, enter twice, leave before enter", async () => {
    await withSessions(1, async (scenario, [a]) => {
      const clock = scenario.clock;
      for (const participants of [0, -1, 1.5, 1000, Number.NaN]) {
        expect(() => new DoubleBarrier(a, "/b", { participants })).toThrow(
          expect.objectContaining({ code: "Invalid" }) as ZabError,
        );
      }
      for (const path of ["", "/", "b", "/b/", "/a//b"]) {
        expect(() => new DoubleBarrier(a, path, { participants: 1 })).toThrow(
          expect.objectContaining({ code: "Invalid" }) as ZabError,
        );
      }
      const barrier = new DoubleBarrier(a, "/b", { participants: 1, clock });
      await expect(barrier.leave()).rejects.toThrow(/not entered/);
      await barrier.enter();
      await expect(barrier.enter()).rejects.toThrow(/not idle/);
      await barrier.leave();
      expect(barrier.state).toBe("left");
      await expect(barrier.enter({ timeoutMs: -1 })).rejects.toThrow(/not idle/);
      await expect(
        new DoubleBarrier(a, "/c", { participants: 1, clock }).enter({ timeoutMs: -1 }),
      ).rejects.toSatisfy((error) => ZabError.isInstance(error, "Invalid"));
    });
  });
});

describe("cyclic barrier parties", () => {
  it("does not count a party whose session closed, nor one that gave up", async () => {
    await withSessions(4, async (scenario, [a, b, c, d]) => {
      const clock = scenario.clock;
      const barrier = (session: Coordination) => new CyclicBarrier(session, "/c", { parties: 3, clock });
      const first = track(scenario, barrier(a).await());
      const quitter = barrier(b);
      await expect(quitter.await({ timeoutMs: 200 })).rejects.toSatisfy((error) =>
        ZabError.isInstance(error, "Timeout"),
      );
      await quitter[Symbol.asyncDispose]();
      const closing = track(scenario, barrier(c).await());
      await sleep(scenario, 50);
      await c.close();
      await sleep(scenario, 100);
      expect(closing.error).toSatisfy((error) => ZabError.isInstance(error, "Closed"));
      expect(first.at).toBeUndefined();
      const second = track(scenario, barrier(b).await());
      await sleep(scenario, 100);
      expect(first.at).toBeUndefined();
      const arrivedAt = clock.now();
      const passage = await barrier(d).await();
      await sleep(scenario, 100);
      expect(first.at).toBeGreaterThanOrEqual(arrivedAt);
      expect(second.at).toBeGreaterThanOrEqual(arrivedAt);
      expect(passage.generation).toBe(1);
      // Passed arrivals delete their nodes; the next generation starts empty.
      await sleep(scenario, 100);
      expect(await participantNodes(a, "/c")).toEqual([]);
    });
  });
});

describe("latch and plain barrier bounds", () => {
  it("times out waiting, counts down to open, and refuses another count", async () => {
    await withSessions(2, async (scenario, [a, b]) => {
      const clock = scenario.clock;
      const latch = new CountDownLatch(a, "/l", 2, { clock });
      await expect(latch.await({ timeoutMs: 100 })).rejects.toSatisfy((error) =>
        ZabError.isInstance(error, "Timeout"),
      );
      expect(await latch.getCount()).toBe(2);
      const waiting = track(scenario, new CountDownLatch(b, "/l", 2, { clock }).await());
      await latch.countDown();
      await sleep(scenario, 100);
      expect(waiting.at).toBeUndefined();
      expect(await latch.getCount()).toBe(1);
      await new CountDownLatch(b, "/l", 2, { clock }).countDown();
      await sleep(scenario, 100);
      expect(waiting.at).toBeDefined();
      expect(waiting.error).toBeUndefined();
      await latch.countDown();
      expect(await latch.getCount()).toBe(0);
      await expect(new CountDownLatch(a, "/l", 3, { clock }).countDown()).rejects.toSatisfy((error) =>
        ZabError.isInstance(error, "Invalid"),
      );
    });
  });

  it("holds waiters while set, releases them on removal, and times out", async () => {
    await withSessions(2, async (scenario, [a, b]) => {
      const clock = scenario.clock;
      const gate = new Barrier(a, "/gates/g", { clock });
      await new Barrier(b, "/gates/g", { clock }).wait({ timeoutMs: 10 });
      await gate.set();
      await gate.set();
      await expect(new Barrier(b, "/gates/g", { clock }).wait({ timeoutMs: 100 })).rejects.toSatisfy(
        (error) => ZabError.isInstance(error, "Timeout"),
      );
      const waiting = track(scenario, new Barrier(b, "/gates/g", { clock }).wait());
      await sleep(scenario, 100);
      expect(waiting.at).toBeUndefined();
      const removedAt = clock.now();
      await gate.remove();
      await gate.remove();
      await sleep(scenario, 50);
      expect(waiting.at).toBeGreaterThanOrEqual(removedAt);
      expect(waiting.error).toBeUndefined();
    });
  });
});
