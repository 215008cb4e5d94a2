// Goal: the mutex is safe and live under the faults a real deployment meets. Safety: at no
// instant do two holders believe they hold the lock (belief ends when the lease's signal fires),
// the fencing tokens of successive holders strictly increase, and the protected resource never
// refuses a write from a holder that still believes. Liveness and hygiene: every client keeps
// getting the lock, and when the work is over no participant node is left behind — no ghost
// waiter from a create retried after a connection loss, no node of a waiter that gave up, none
// of a session that expired.
//
// Method: per seed, 4 to 7 real sessions against a simulated 3-member ensemble contend for one
// Mutex with tryAcquire and random timeouts, hold it for a few fenced writes (sometimes for long),
// and release; meanwhile the seed's faults strike: member crashes and restarts, partitions
// (silent or not), member pauses longer than the session timeout, members cut off from their
// clients, client channels broken. On top, one member at a time is cut off from its clients for
// a little longer than the 1 s session timeout: half the clients are pinned to one member, so
// their sessions are lost, sometimes while holding the lock (and holding long, like a process in
// a GC pause); the others move to another member and take the lock as soon as the ensemble has
// expired the holder's session. Lost sessions are replaced. At the end, after every fault is
// healed and more than a session timeout has passed, the lock's directory must be empty.
//
// CI runs 30 seeds per policy; LOCK_SIM_SEEDS=300 runs more. Seeds 184 and 232 once failed with
// abortOn "lost": two ways the ensemble expired a session before its client's timer said it may,
// pinned down by reconnect-through-partitioned-member.sim.test.ts and
// member-crash-before-reporting.sim.test.ts and fixed in @zab/core (reconnects ordered through
// the leader, and the leader's expiry grace).
import { describe, expect, it } from "vitest";
import { type RunReport, runMutexUnderFaults } from "./lock-under-faults.js";

const { LOCK_SIM_SEEDS } = process.env;
const SEEDS = Number(LOCK_SIM_SEEDS ?? 30);

describe("Mutex under faults", () => {
  for (const abortOn of ["lost", "suspended"] as const) {
    it(`keeps one believing holder, increasing tokens and no leftover nodes (abortOn ${abortOn}, ${SEEDS} seeds)`, async () => {
      const reports: RunReport[] = [];
      for (let seed = 1; seed <= SEEDS; seed += 1) reports.push(await runMutexUnderFaults(seed, abortOn));
      for (const [index, report] of reports.entries()) {
        expect(report.leftover, `seed ${index + 1}`).toEqual([]);
      }
      const total = (pick: (report: RunReport) => number) => reports.reduce((sum, r) => sum + pick(r), 0);
      // The batch must have done real work through real faults, or it proves little.
      expect(reports.every((report) => report.grants > 0)).toBe(true);
      expect(total((r) => r.finalGrants)).toBeGreaterThan(SEEDS);
      // About 8 grants a seed: a crashed holder's session now outlives its timeout by the leader's
      // expiry grace, so fewer hand-overs fit in a run.
      expect(total((r) => r.grants)).toBeGreaterThan(SEEDS * 6);
      expect(total((r) => r.faults)).toBeGreaterThan(SEEDS * 3);
      expect(total((r) => r.cuts)).toBeGreaterThan(SEEDS / 2);
      expect(total((r) => r.timeouts)).toBeGreaterThan(0);
      expect(total((r) => r.sessionsLost)).toBeGreaterThan(0);
    }, 600_000);
  }
});
