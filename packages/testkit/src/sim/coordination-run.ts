/**
 * One randomized simulation of the Coordination API: real sessions, on the real session layer of
 * every member, run the register workload in virtual time while the seed's faults strike, and
 * the histories they leave are checked.
 *
 * @module
 */
import { connect, type ServerId } from "@zab/core";
import { checkLinearizability } from "../linearizability/check-linearizability.js";
import { registerModel } from "../linearizability/register-model.js";
import {
  RegisterWorkload,
  type RegisterWorkloadOptions,
  type RegisterWorkloadStats,
} from "../workload/register-workload.js";
import { coordinationApplication } from "./coordination-application.js";
import { InvariantViolation } from "./invariants.js";
import { SeededRandom } from "./random.js";
import { Simulation } from "./simulation.js";

/**
 * Knobs of a Coordination API run; the rest is drawn from the seed.
 *
 * @since 0.1.0
 */
export interface CoordinationRunOptions {
  /** The seed. */
  readonly seed: number;
  /** Virtual ms the clients work while faults run. Default 1,500. */
  readonly workMs?: number;
  /** Receives the simulation's trace lines. */
  readonly trace?: (line: string) => void;
  /** Record plain local reads as if linearizable (see {@link RegisterWorkloadOptions.recordLocalReads}). */
  readonly recordLocalReads?: boolean;
}

/**
 * What a Coordination API run did.
 *
 * @since 0.1.0
 */
export interface CoordinationRunReport {
  /** The seed; it replays the run exactly. */
  readonly seed: number;
  /** How many clients the seed chose. */
  readonly clients: number;
  /** Faults struck while the clients worked. */
  readonly faults: number;
  /** What the clients did. */
  readonly stats: RegisterWorkloadStats;
  /** Operations per register history, checked linearizable. */
  readonly operations: number;
}

const REGISTERS = ["/r0", "/r1", "/r2"];
const SESSION_TIMEOUT_MS = 1_000;

/**
 * Runs 5 to 10 clients of the Coordination API against a simulated 3-member ensemble under the
 * seed's crashes, restarts, partitions, pauses and client-side channel faults, then checks that
 * every register's history is linearizable and that no session broke its guarantees.
 *
 * @param options - The seed and how long to work.
 * @returns What the run did.
 * @throws {@link InvariantViolation} for a broken protocol invariant, a non-linearizable history
 *   or a breached session guarantee, with the seed in the message.
 * @since 0.1.0
 */
export async function runCoordinationSimulation(
  options: CoordinationRunOptions,
): Promise<CoordinationRunReport> {
  const { seed } = options;
  const sim = new Simulation({
    seed,
    voters: 3,
    application: coordinationApplication({ sessionTimeoutMinMs: 200 }),
    ...(options.trace === undefined ? {} : { trace: options.trace }),
  });
  const random = new SeededRandom(seed ^ 0x776b6c64);
  const clock = sim.clientClock();
  const members = sim.voterIds;
  const clients = random.int(5, 10);
  const workload = new RegisterWorkload({
    registers: REGISTERS,
    clients,
    durationMs: options.workMs ?? 1_500,
    clock,
    random: random.fork(),
    recordLocalReads: options.recordLocalReads ?? false,
    connect: (client) => {
      // Each client starts at its own member and moves through the others in order.
      const first = client < 0 ? 0 : client % members.length;
      return connect({
        dialer: sim.clientDialer(),
        clock,
        members: [...members.slice(first), ...members.slice(0, first)],
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
        requestTimeoutMs: 400,
      });
    },
  });
  const faults = new FaultSchedule(sim, random.fork());
  let finished = false;
  let failure: unknown;
  workload.run().then(
    () => {
      finished = true;
    },
    (error: unknown) => {
      finished = true;
      failure = error;
    },
  );
  try {
    await sim.runUntilAsync(() => finished || faults.strike(), 60_000);
    faults.healAll();
    await sim.runUntilAsync(() => finished, 60_000);
  } catch (error) {
    throw withSeed(seed, error);
  }
  if (failure !== undefined) throw withSeed(seed, failure);
  if (!finished) throw new InvariantViolation(`seed ${seed}: the clients did not finish`);
  if (workload.sessionViolations.length > 0) {
    throw new InvariantViolation(`seed ${seed}: session guarantee broken: ${workload.sessionViolations[0]}`);
  }
  let operations = 0;
  for (const [path, builder] of workload.histories) {
    const history = builder.build();
    operations += history.length;
    const result = checkLinearizability(registerModel, history, { timeoutMs: 10_000 });
    if (result.verdict !== "linearizable") {
      throw new InvariantViolation(`seed ${seed}: the history of ${path} is ${result.verdict}`);
    }
  }
  return { seed, clients, faults: faults.count, stats: workload.stats, operations };
}

/** Prefixes an error's message with the seed that replays it. */
function withSeed(seed: number, error: unknown): Error {
  if (error instanceof Error) {
    error.message = `seed ${seed}: ${error.message}`;
    return error;
  }
  return new Error(`seed ${seed}: ${String(error)}`);
}

/**
 * The faults of one run: at random intervals, one of crash-and-restart, a partition of one member
 * from its peers (silent or not), a pause longer or shorter than the session timeout, cutting a
 * member off from clients, or breaking one client channel; each undone after a while.
 */
class FaultSchedule {
  count = 0;
  #nextAt: number;

  constructor(
    private readonly sim: Simulation,
    private readonly random: SeededRandom,
  ) {
    this.#nextAt = random.int(100, 400);
  }

  /** Strikes when due; always `false`, to serve as a `runUntil` condition that never stops it. */
  strike(): boolean {
    const { sim, random } = this;
    if (sim.now < this.#nextAt) return false;
    this.#nextAt = sim.now + random.int(150, 500);
    this.count += 1;
    const victim: ServerId = random.pick(sim.voterIds);
    const undoAt = sim.now + random.int(50, 400);
    switch (random.int(0, 5)) {
      case 0:
        sim.crash(victim);
        sim.at(undoAt, () => sim.restart(victim));
        break;
      case 1:
        sim.partition([[victim]], { silent: random.chance(0.5) });
        sim.at(undoAt, () => sim.heal());
        break;
      case 2:
        sim.pause(victim);
        // Sometimes longer than a session timeout: its sessions must move or expire.
        sim.at(sim.now + random.int(50, 1_500), () => sim.resume(victim));
        break;
      case 3:
        sim.clients.isolate(victim);
        sim.at(undoAt, () => sim.clients.reconnect(victim));
        break;
      default:
        sim.clients.breakOne((count) => random.int(0, count - 1));
        break;
    }
    return false;
  }

  /** Undoes every fault at once. */
  healAll(): void {
    this.sim.heal();
    for (const id of this.sim.voterIds) {
      this.sim.restart(id);
      this.sim.resume(id);
      this.sim.clients.reconnect(id);
    }
  }
}
