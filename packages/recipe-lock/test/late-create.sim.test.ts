// Goal: a participant create whose reply is lost never leaves a ghost waiter — a node nobody
// knows about, sitting in the queue until its session ends. Two ways a reply goes missing:
//
// 1. The reply is late: the waiter's session is served by a follower and has a 20 ms request
//    timeout, and the leader is paused (SIGSTOP) for 40 ms — less than the followers' sync limit,
//    so it stays leader — right as the create is forwarded to it. The create times out; the
//    client must find its node by the GUID in its name rather than create a second one.
// 2. The request itself is late: it was held up in a member after the client gave up on it (a
//    paused member process still has the request in its socket buffer; the simulator's channels
//    drop such frames, so a wrapper around the real session injects this: the multi fails with
//    ConnectionLoss at once and is sent 50 ms later). The client finds no node, creates another;
//    the late create must then be refused — the guard node's version moved on before the look-up.
//
// Method: a real holder keeps the lock meanwhile, so a ghost would show as a third participant,
// and the waiter must get the lock once the holder releases, leaving exactly its own node.
import { type Clock, type Coordination, type ServerId, ZabError } from "@zab/core";
import { describe, expect, it } from "vitest";
import { Mutex, participantsOf } from "../src/index.js";
import { runOnceElected } from "./run-once-elected.js";

const LOCK = "/locks/late-create";

type Delay = "late-reply" | "late-request";

function lostCreateReply(seed: number, delay: Delay): Promise<{ during: number; after: number }> {
  return runOnceElected({ seed, maxMs: 20_000 }, async ({ scenario, sim, clock, leader, pause }) => {
    const follower = sim.voterIds.find((id) => id !== leader) as ServerId;
    const holder = await scenario.connect(sim.voterIds.indexOf(leader), { sessionTimeoutMs: 2_000 });
    const session = await scenario.connect(sim.voterIds.indexOf(follower), {
      sessionTimeoutMs: 2_000,
      requestTimeoutMs: delay === "late-reply" ? 20 : 1_000,
    });
    const late = new LateMulti(session, clock);
    const mutex = new Mutex(late.session, LOCK, { clock });
    // Once the guard and the directory exist, an acquire is one multi, forwarded to the leader.
    await (await retryTimeouts(() => mutex.tryAcquire())).release();
    const held = await new Mutex(holder, LOCK, { clock }).acquire();
    if (delay === "late-reply") {
      sim.pause(leader);
      sim.at(sim.now + 40, () => sim.resume(leader));
    } else {
      late.arm(50);
    }
    const acquiring = mutex.acquire();
    await pause(200);
    const during = await countParticipants(holder);
    await held.release();
    const lease = await acquiring;
    const after = await countParticipants(holder);
    await lease.release();
    expect(late.injected).toBe(delay === "late-request");
    await Promise.all([holder.close(), session.close()]);
    return { during, after };
  });
}

/**
 * The real session, except that once armed, its next multi fails at once with ConnectionLoss and
 * is sent for real `delayMs` later: a request that lands after its client gave up on it.
 */
class LateMulti {
  readonly session: Coordination;
  injected = false;
  #delayMs: number | undefined;

  constructor(inner: Coordination, clock: Clock) {
    this.session = new Proxy(inner, {
      get: (target, property) => {
        if (property === "multi" && this.#delayMs !== undefined) {
          const delayMs = this.#delayMs;
          this.#delayMs = undefined;
          return (ops: Parameters<Coordination["multi"]>[0]) => {
            this.injected = true;
            clock.setTimeout(() => {
              // Its outcome goes nowhere, as a late request's reply would.
              target.multi(ops).catch(() => undefined);
            }, delayMs);
            return Promise.reject(
              new ZabError("ConnectionLoss", "injected: the channel broke before the reply"),
            );
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  arm(delayMs: number): void {
    this.#delayMs = delayMs;
  }
}

/** Under the test's tight request timeout, an acquire may itself time out. */
async function retryTimeouts<T>(call: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    try {
      const value = await call();
      if (value !== undefined) return value;
    } catch (error) {
      if (!ZabError.isInstance(error, "Timeout")) throw error;
    }
  }
}

async function countParticipants(session: Coordination): Promise<number> {
  await session.sync(LOCK);
  return participantsOf((await session.getChildren(LOCK)).children).length;
}

describe("a participant create whose reply is lost", () => {
  for (const delay of ["late-reply", "late-request"] as const) {
    it(`leaves no ghost waiter (${delay})`, async () => {
      for (let seed = 1; seed <= 5; seed += 1) {
        const { during, after } = await lostCreateReply(seed, delay);
        // The holder and the waiter: one node each, never a second one of the waiter's.
        expect(during, `seed ${seed}`).toBe(2);
        expect(after, `seed ${seed}`).toBe(1);
      }
    });
  }
});
