/**
 * One randomized simulation of the Coordination API: real sessions, on the real session layer of
 * every member, run the register workload in virtual time while the seed's faults strike, and
 * the histories they leave are checked.
 *
 * @module
 */
import { checkLinearizability } from "../linearizability/check-linearizability.js";
import { registerModel } from "../linearizability/register-model.js";
import {
  RegisterWorkload,
  type RegisterWorkloadOptions,
  type RegisterWorkloadStats,
} from "../workload/register-workload.js";
import { CoordinationScenario } from "./coordination-scenario.js";
import { InvariantViolation } from "./invariants.js";

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
  const scenario = new CoordinationScenario({
    seed,
    ...(options.trace === undefined ? {} : { trace: options.trace }),
  });
  const clients = scenario.random.int(5, 10);
  const workload = new RegisterWorkload({
    registers: REGISTERS,
    clients,
    durationMs: options.workMs ?? 1_500,
    clock: scenario.clock,
    random: scenario.random.fork(),
    recordLocalReads: options.recordLocalReads ?? false,
    connect: (client) =>
      scenario.connect(client, { sessionTimeoutMs: SESSION_TIMEOUT_MS, requestTimeoutMs: 400 }),
  });
  await scenario.runWithFaults(workload.run());
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
  return { seed, clients, faults: scenario.faults.count, stats: workload.stats, operations };
}
