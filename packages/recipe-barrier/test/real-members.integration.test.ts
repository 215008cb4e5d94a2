// Goal: the recipes run unchanged on real members — three CoordinationServers with their own
// storage, peer links and timers, in real time — with embedded sessions (a member's own
// `session()`) and remote ones side by side, and a double barrier round survives the loss of the
// leader in the middle of it. Method: three members on the in-process peer and client networks
// (@zab/testkit's MemoryNetwork and MemoryClientNetwork) with memory storage; ten participants
// (five embedded on the followers, five remote) run a round of runDoubleBarrierRound, whose own
// checks fail if anyone passes enter before all are in or leave before all are leaving; the
// leader is stopped once every participant has entered.
import type { Coordination } from "@zab/core";
import { type MemoryEnsemble, startMemoryEnsemble, waitUntil } from "@zab/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { CountDownLatch } from "../src/count-down-latch.js";
import { CyclicBarrier } from "../src/cyclic-barrier.js";
import { runDoubleBarrierRound } from "../src/double-barrier-round.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A three-member ensemble, stopped after the sessions the test tracks are closed. */
async function startEnsemble(): Promise<MemoryEnsemble> {
  const ensemble = await startMemoryEnsemble();
  cleanups.push(() => ensemble.close());
  return ensemble;
}

function track(sessions: Coordination[]): Coordination[] {
  cleanups.push(async () => {
    await Promise.all(sessions.map((session) => session.close().catch(() => undefined)));
  });
  return sessions;
}

describe("barriers on real members", () => {
  it("runs a double barrier round of embedded and remote sessions through the leader's loss", async () => {
    const ensemble = await startEnsemble();
    const { members } = ensemble;
    const leader = members.find((member) => member.status.role === "leading");
    const followers = members.filter((member) => member !== leader);
    if (leader === undefined || followers.length !== 2) throw new Error("no leader");
    const followerIds = followers.map((member) => member.status.id);
    const sessions = track([
      ...(
        await Promise.all(
          Array.from({ length: 5 }, (_, index) => followers[index % 2]?.session({ sessionTimeoutMs: 5_000 })),
        )
      ).filter((session): session is Coordination => session !== undefined),
      ...(await Promise.all(
        Array.from({ length: 5 }, (_, index) =>
          ensemble.connect({
            members:
              index % 2 === 0 ? [leader.status.id, ...followerIds] : [...followerIds, leader.status.id],
            sessionTimeoutMs: 5_000,
          }),
        ),
      )),
    ]);
    expect(sessions).toHaveLength(10);
    let entered = 0;
    let leaderStopped: Promise<void> | undefined;
    const report = await runDoubleBarrierRound(sessions, "/jobs/real/barrier", {
      timeoutMs: 30_000,
      work: async () => {
        entered += 1;
        // The last one in stops the leader; everyone must still leave together.
        if (entered === 10) leaderStopped = leader.close();
        await waitUntil(() => (leaderStopped === undefined ? undefined : true), { timeoutMs: 10_000 });
        await leaderStopped;
      },
    });
    expect(report.participants).toBe(10);
    // Every leave ran after the leader was stopped: a follower took over to commit them.
    expect(followers.some((member) => member.status.role === "leading")).toBe(true);
    expect(report.allLeftMs).toBeGreaterThanOrEqual(report.allEnteredMs);
    const survivor = sessions[0];
    const { children } = (await survivor?.getChildren("/jobs/real/barrier", { linearizable: true })) ?? {
      children: ["missing session"],
    };
    expect(children).toEqual(["ready"]);
  });

  it("runs a latch and a cyclic barrier across members", async () => {
    const { members } = await startEnsemble();
    const sessions = track(
      await Promise.all(members.map((member) => member.session({ sessionTimeoutMs: 5_000 }))),
    );
    const order: string[] = [];
    await Promise.all(
      sessions.map(async (session, index) => {
        const latch = new CountDownLatch(session, "/jobs/real/loaded", 3);
        await latch.countDown();
        await latch.await({ timeoutMs: 10_000 });
        order.push(`loaded ${index}`);
        await using barrier = new CyclicBarrier(session, "/jobs/real/step", { parties: 3 });
        for (let step = 0; step < 3; step += 1) {
          await barrier.await({ timeoutMs: 10_000 });
          order.push(`step ${step}`);
        }
      }),
    );
    // Nobody passed the latch before all three counted down, nor step n + 1 before every party
    // passed step n (it must arrive at step n + 1 first); the generation advanced once per step.
    expect(order.slice(0, 3).every((entry) => entry.startsWith("loaded"))).toBe(true);
    const steps = order.slice(3).map((entry) => Number(entry.split(" ")[1]));
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    const generation = (await sessions[0]?.getData("/jobs/real/step", { linearizable: true }))?.stat.version;
    expect(generation).toBe(3);
  });
});
