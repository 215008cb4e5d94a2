// Goal: a double barrier's watch notifications grow linearly with its participants (ZooKeeper's
// recipe watches only the ready node to enter and the lowest or highest node to leave), not
// quadratically as watching every child would. Method: rounds of N = 25 and N = 50 participants,
// each on its own session, in a fault-free CoordinationScenario; every frame the members send to
// the clients is decoded on the wire and its watch notifications counted. Doubling N must about
// double the count (a quadratic recipe would quadruple it), and the count stays within a few
// notifications per participant. The "watch all children" variant is measured the same way on
// the same schedule, as the control that shows the counter can see quadratic growth.
import { type Coordination, connect } from "@zab/core";
import { CoordinationScenario } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { DoubleBarrier } from "../src/double-barrier.js";
import { sleep } from "./support/scenario-clients.js";
import { WatchEventCounter } from "./support/watch-event-counter.js";

async function openSessions(scenario: CoordinationScenario, counter: WatchEventCounter, count: number) {
  const members = scenario.sim.voterIds;
  return await Promise.all(
    Array.from({ length: count }, (_, index) =>
      connect({
        dialer: counter.wrap(scenario.sim.clientDialer()),
        clock: scenario.clock,
        members: [...members.slice(index % members.length), ...members.slice(0, index % members.length)],
        sessionTimeoutMs: 10_000,
      }),
    ),
  );
}

async function closeAll(sessions: readonly Coordination[]): Promise<void> {
  await Promise.all(sessions.map((session) => session.close()));
}

/**
 * Notifications for one double barrier round of `participants`, who arrive one by one (7 ms
 * apart) and leave one by one (in reverse order, so the lowest has to wait for everyone).
 */
async function notificationsOfRound(seed: number, participants: number): Promise<number> {
  const scenario = new CoordinationScenario({ seed });
  const counter = new WatchEventCounter();
  const sessions = await scenario.runUntilSettled(openSessions(scenario, counter, participants));
  const work = (async () => {
    await Promise.all(
      sessions.map(async (session, index) => {
        await sleep(scenario, index * 7);
        await using barrier = new DoubleBarrier(session, "/jobs/1/barrier", {
          participants,
          clock: scenario.clock,
        });
        await barrier.enter();
        await sleep(scenario, (participants - index) * 7);
        await barrier.leave();
      }),
    );
    await closeAll(sessions);
  })();
  await scenario.runUntilSettled(work);
  return counter.events;
}

/** Notifications when every participant waits on a child watch of the barrier node instead. */
async function notificationsWatchingAllChildren(seed: number, participants: number): Promise<number> {
  const scenario = new CoordinationScenario({ seed });
  const counter = new WatchEventCounter();
  const sessions = await scenario.runUntilSettled(openSessions(scenario, counter, participants));
  const work = (async () => {
    const [first] = sessions;
    await first?.create("/naive");
    await Promise.all(
      sessions.map(async (session, index) => {
        await sleep(scenario, index * 7);
        await session.create(`/naive/p-${index}`, { mode: "ephemeral" });
        for (;;) {
          const { children, watch } = await session.getChildren("/naive", { watch: true });
          if (children.length >= participants) return;
          await watch;
        }
      }),
    );
    await closeAll(sessions);
  })();
  await scenario.runUntilSettled(work);
  return counter.events;
}

describe("double barrier notifications", () => {
  it("grow linearly with the participants: 50 cost about twice 25", async () => {
    const at25 = await notificationsOfRound(11, 25);
    const at50 = await notificationsOfRound(11, 50);
    console.log(`double barrier watch notifications: ${at25} for 25 participants, ${at50} for 50`);
    expect(at25).toBeGreaterThanOrEqual(25);
    expect(at50 / at25).toBeGreaterThan(1.5);
    expect(at50 / at25).toBeLessThan(2.5);
    // A few per participant: one for the trip, about two while leaving.
    expect(at50).toBeLessThanOrEqual(50 * 4);
  });

  it("would grow quadratically if every participant watched every child (the counter's control)", async () => {
    const at25 = await notificationsWatchingAllChildren(11, 25);
    const at50 = await notificationsWatchingAllChildren(11, 50);
    console.log(`watching every child instead: ${at25} for 25 participants, ${at50} for 50`);
    expect(at50 / at25).toBeGreaterThan(3);
  });
});
