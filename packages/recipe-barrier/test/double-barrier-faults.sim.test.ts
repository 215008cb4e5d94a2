// Goal: a double barrier of 10 participants over 3 simulated members keeps its promises while
// members crash, restart, are partitioned or paused past the session timeout, and client channels
// break: nobody passes enter() before 10 live participants are in (the trip's zxid is checked
// against an independent record of the participant nodes), everybody passes once they are
// (liveness after the faults heal), and leave() returns for every survivor, never before every
// participant node is gone.
// Method: each seed runs 10 workers on real sessions (connect() from @zab/core) against the real
// session layer of a CoordinationScenario, in virtual time; a worker whose session expires before
// it passes enter() starts over with a new session (it no longer counts until it does); after
// leave() a worker writes a marker to get a zxid that follows its return. A monitor session with
// a recursive persistent watch records every creation and deletion under the job's node, in zxid
// order; the checks read that record, not the recipe's own state.
import { type Coordination, ZabError, type Zxid } from "@zab/core";
import { CoordinationScenario } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { DoubleBarrier } from "../src/double-barrier.js";
import { isParticipantName } from "../src/participant-node.js";
import { BarrierMonitor } from "./support/barrier-monitor.js";
import { connectRetrying, sleep } from "./support/scenario-clients.js";
import { simSeeds, simVerbose } from "./support/sim-seeds.js";

const PARTICIPANTS = 10;
const ROOT = "/job";
const BARRIER = `${ROOT}/barrier`;
const SESSION_TIMEOUT_MS = 1_000;

interface WorkerRecord {
  /** Virtual time of each enter() call (one per session the worker used). */
  readonly entering: number[];
  /** Virtual time enter() returned. */
  passed?: number;
  /** Sessions the worker lost before passing. */
  expiredBeforeEnter: number;
  /** The worker's session expired after it passed enter (it then blocks nobody). */
  diedAfterEnter?: boolean;
  /** Why leave() failed, for the report. */
  leaveError?: string;
  /** A zxid written after leave() returned. */
  leftBefore?: Zxid;
}

interface RunReport {
  readonly faults: number;
  readonly workers: readonly WorkerRecord[];
  readonly tripZxid: Zxid;
  readonly aliveAtTrip: number;
}

/** Writes to the job's node until it succeeds, and returns the zxid of the write. */
async function markAfter(session: Coordination): Promise<Zxid> {
  for (;;) {
    try {
      return (await session.setData(ROOT, new Uint8Array([1]))).mzxid;
    } catch (error) {
      if (!ZabError.isInstance(error, "ConnectionLoss") && !ZabError.isInstance(error, "Timeout"))
        throw error;
    }
  }
}

async function worker(scenario: CoordinationScenario, index: number, record: WorkerRecord): Promise<void> {
  await sleep(scenario, scenario.random.int(0, 600));
  for (;;) {
    const session = await connectRetrying(scenario, index, SESSION_TIMEOUT_MS);
    try {
      const barrier = new DoubleBarrier(session, BARRIER, {
        participants: PARTICIPANTS,
        clock: scenario.clock,
      });
      record.entering.push(scenario.clock.now());
      try {
        await barrier.enter();
      } catch (error) {
        if (!ZabError.isInstance(error, "SessionExpired")) throw error;
        // Our session ended before the trip: we no longer count. Start over as a new participant.
        record.expiredBeforeEnter += 1;
        await barrier[Symbol.asyncDispose]();
        continue;
      }
      record.passed = scenario.clock.now();
      // The work between enter and leave: long enough for faults, sessions lost included, to strike.
      await sleep(scenario, scenario.random.int(0, 1_500));
      try {
        await barrier.leave();
      } catch (error) {
        if (!ZabError.isInstance(error, "SessionExpired")) throw error;
        record.diedAfterEnter = true;
        record.leaveError = (error as Error).message;
        return;
      }
      try {
        record.leftBefore = await markAfter(session);
      } catch (error) {
        if (!ZabError.isInstance(error, "SessionExpired")) throw error;
      }
      return;
    } finally {
      await session.close().catch(() => undefined);
    }
  }
}

async function runDoubleBarrierSimulation(seed: number): Promise<RunReport> {
  const scenario = new CoordinationScenario({ seed });
  const records: WorkerRecord[] = Array.from({ length: PARTICIPANTS }, () => ({
    entering: [],
    expiredBeforeEnter: 0,
  }));
  const monitor = await scenario.runUntilSettled(BarrierMonitor.open(scenario, ROOT));
  const work = Promise.all(records.map((record, index) => worker(scenario, index, record)));
  await scenario.runWithFaults(work, { maxMs: 60_000 });
  const last = records.reduce<Zxid | undefined>(
    (max, record) =>
      record.leftBefore !== undefined && (max === undefined || record.leftBefore > max)
        ? record.leftBefore
        : max,
    undefined,
  );
  if (last !== undefined) await scenario.runUntilSettled(monitor.caughtUpTo(scenario, last));
  await scenario.runUntilSettled(monitor.close());
  monitor.check();

  if (simVerbose) {
    const hex = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString(16) : value);
    console.log(
      seed,
      scenario.faults.count,
      JSON.stringify(records, hex),
      JSON.stringify(monitor.events, hex),
    );
  }
  const isParticipant = isParticipantName;
  const readyEvents = monitor.events.filter((event) => event.path === `${BARRIER}/ready`);
  const trip = readyEvents[0];
  if (trip === undefined) throw new Error(`seed ${seed}: the barrier never tripped`);
  // The ready node is never deleted nor created twice: the barrier stays tripped.
  expect(
    readyEvents.map((event) => event.type),
    `seed ${seed}`,
  ).toEqual(["nodeCreated"]);
  // Safety of the trip: at its zxid, at least PARTICIPANTS participant nodes were alive.
  const aliveAtTrip = monitor.aliveAt(BARRIER, trip.zxid, false, isParticipant).size;
  expect(aliveAtTrip, `seed ${seed}: live participants at the trip`).toBeGreaterThanOrEqual(PARTICIPANTS);
  // Nobody passed enter before PARTICIPANTS enter() calls were made. A worker that restarted
  // after its client gave up on its session makes two calls: until the ensemble expires the old
  // session, its old node counts too (the ensemble's view of which sessions live is the one that
  // counts; the check above holds the trip to it).
  const firstPass = Math.min(...records.map((record) => record.passed ?? Number.POSITIVE_INFINITY));
  const callsBeforeFirstPass = records
    .flatMap((record) => record.entering)
    .filter((at) => at <= firstPass).length;
  expect(callsBeforeFirstPass, `seed ${seed}: enter() calls before the first pass`).toBeGreaterThanOrEqual(
    PARTICIPANTS,
  );
  // Liveness: once the faults healed, every worker passed enter.
  for (const record of records)
    expect(record.passed, `seed ${seed}: a worker never passed enter`).toBeDefined();
  // Leave: every survivor's leave returned, and only after a zxid at which no participant node
  // was alive (everyone had left or died), after the trip.
  const emptyAfterTrip = monitor.events
    .filter((event) => event.zxid > trip.zxid)
    .find((event) => monitor.aliveAt(BARRIER, event.zxid, true, isParticipant).size === 0);
  for (const record of records) {
    if (record.diedAfterEnter === true) continue;
    if (record.leftBefore === undefined) continue; // expired just after its leave returned
    expect(emptyAfterTrip, `seed ${seed}: the barrier never emptied`).toBeDefined();
    expect(
      record.leftBefore > (emptyAfterTrip?.zxid ?? record.leftBefore),
      `seed ${seed}: a leave returned early`,
    ).toBe(true);
  }
  return { faults: scenario.faults.count, workers: records, tripZxid: trip.zxid, aliveAtTrip };
}

const SEEDS = simSeeds(100);

describe("double barrier under faults", () => {
  it(`keeps enter and leave safe and live for ${PARTICIPANTS} participants on ${SEEDS.length} seeds`, async () => {
    const reports: RunReport[] = [];
    for (const seed of SEEDS) {
      const report = await runDoubleBarrierSimulation(seed);
      reports.push(report);
    }
    // The batch must have gone through real faults, sessions lost before and after the trip,
    // and mostly completed rounds, or it proves little.
    const total = (count: (report: RunReport) => number) =>
      reports.reduce((sum, report) => sum + count(report), 0);
    expect(total((report) => report.faults)).toBeGreaterThan(SEEDS.length * 2);
    expect(
      total((report) => report.workers.filter((worker) => worker.leftBefore !== undefined).length),
    ).toBeGreaterThan(SEEDS.length * PARTICIPANTS * 0.5);
    expect(
      total((report) => report.workers.filter((worker) => worker.expiredBeforeEnter > 0).length),
    ).toBeGreaterThan(0);
    expect(
      total((report) => report.workers.filter((worker) => worker.diedAfterEnter === true).length),
    ).toBeGreaterThan(0);
  }, 600_000);
});
