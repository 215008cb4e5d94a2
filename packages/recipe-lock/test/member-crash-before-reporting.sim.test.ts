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
import { describe, expect, it } from "vitest";
import type { AbortOn } from "../src/index.js";
import { startLockHandOver } from "./lock-hand-over.js";
import { runOnceElected } from "./run-once-elected.js";

const LOCK = "/locks/member-crash";
const SESSION_TIMEOUT_MS = 1_000;

/** Runs the schedule; returns for how long both the holder and the waiter believed at once. */
function overlapMs(abortOn: AbortOn): Promise<number> {
  return runOnceElected({ seed: 232, maxMs: 30_000 }, async (elected) => {
    const { sim, clock, pause } = elected;
    const handOver = await startLockHandOver(elected, {
      lock: LOCK,
      abortOn,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
    });
    await pause(300);
    await handOver.holderSession.exists("/");
    // Right after M answered, before its next tick reports the call to the leader.
    sim.crash(handOver.member);
    const waiter = await handOver.waiting;
    const grantedAt = clock.now();
    await pause(SESSION_TIMEOUT_MS * 2);
    await waiter.release();
    sim.restart(handOver.member);
    await handOver.close();
    return handOver.overlapMsAfter(grantedAt);
  });
}

describe("a holder whose member crashes before reporting its last call to the leader", () => {
  it("has stopped believing before anyone else is granted the lock (abortOn suspended)", async () => {
    expect(await overlapMs("suspended")).toBe(0);
  });

  it("has stopped believing before anyone else is granted the lock (abortOn lost)", async () => {
    expect(await overlapMs("lost")).toBe(0);
  });
});
