// Goal: pin down the second schedule in which the mutex simulation (seed 232 of 300, abortOn
// "lost") saw two holders believe at once, and show which policy is safe against it.
//
// The schedule: a holder's session is served by follower M. The holder is idle for 300 ms (less
// than the third of a session timeout after which its client pings), then makes one call; M
// answers it — the client counts the session confirmed from that call — and crashes before its
// next tick, which would have reported that activity to the leader. The leader last heard of the
// session 300 ms earlier and expires it that much sooner than the client reckons, handing the
// lock to a waiter on another member while the holder, with abortOn "lost", still believes.
//
// That was a bug in @zab/core: the client's expiry timer must stay a lower bound of the leader's.
// The leader now waits a third of the timeout plus its members' sync limit past the timeout
// (sessionExpiryGraceMs), which covers activity a member acknowledged but never reported, so both
// policies must hold. With abortOn "suspended" (the default) the holder stops believing the
// moment M's channel breaks.
import { connect, type ServerId } from "@zab/core";
import { CoordinationScenario } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { type AbortOn, Mutex } from "../src/index.js";

const LOCK = "/locks/member-crash";
const SESSION_TIMEOUT_MS = 1_000;

/** Runs the schedule; returns for how long both the holder and the waiter believed at once. */
async function overlapMs(abortOn: AbortOn): Promise<number> {
  const scenario = new CoordinationScenario({ seed: 232 });
  const { sim, clock } = scenario;
  const pause = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
  const work = (async () => {
    let leader = sim.leader();
    while (leader === undefined) {
      await pause(5);
      leader = sim.leader();
    }
    const leaderId: ServerId = leader;
    const [member, other] = sim.voterIds.filter((id) => id !== leaderId) as [ServerId, ServerId];
    const options = { sessionTimeoutMs: SESSION_TIMEOUT_MS, dialer: sim.clientDialer(), clock };
    const holderSession = await connect({ ...options, members: [member] });
    const waiterSession = await connect({ ...options, members: [other, leaderId] });
    const holder = await new Mutex(holderSession, LOCK, { clock, abortOn }).acquire();
    let holderBelievesUntil = Number.POSITIVE_INFINITY;
    holder.signal.addEventListener("abort", () => {
      holderBelievesUntil = clock.now();
    });
    const waiting = new Mutex(waiterSession, LOCK, { clock, abortOn }).acquire();
    await pause(300);
    await holderSession.exists("/");
    // Right after M answered, before its next tick reports the call to the leader.
    sim.crash(member);
    const waiter = await waiting;
    const grantedAt = clock.now();
    await pause(SESSION_TIMEOUT_MS * 2);
    await waiter.release();
    sim.restart(member);
    await Promise.allSettled([holderSession.close(), waiterSession.close()]);
    return Math.max(0, holderBelievesUntil - grantedAt);
  })();
  return scenario.runUntilSettled(work, 30_000);
}

describe("a holder whose member crashes before reporting its last call to the leader", () => {
  it("has stopped believing before anyone else is granted the lock (abortOn suspended)", async () => {
    expect(await overlapMs("suspended")).toBe(0);
  });

  it("has stopped believing before anyone else is granted the lock (abortOn lost)", async () => {
    expect(await overlapMs("lost")).toBe(0);
  });
});
