/**
 * A pinned schedule on a simulated ensemble: a seeded {@link CoordinationScenario} whose work
 * begins once a leader is elected, run without random faults until the work settles.
 *
 * @module
 */
import type { Clock, ServerId } from "@zab/core";
import { CoordinationScenario, type Simulation } from "@zab/testkit";

/** What a schedule works with once a leader is elected. */
export interface Elected {
  /** The scenario the schedule runs in. */
  readonly scenario: CoordinationScenario;
  /** Its simulation, for targeted faults. */
  readonly sim: Simulation;
  /** The clients' virtual clock. */
  readonly clock: Clock;
  /** The leader when the schedule began. */
  readonly leader: ServerId;
  /** Resolves after `ms` of virtual time. */
  pause(ms: number): Promise<void>;
}

/**
 * Runs `schedule` on a new scenario of `seed` as soon as it has a leader, and returns its result.
 *
 * @param options - The scenario's seed, and the virtual ms the whole run may take.
 * @param schedule - The clients' work.
 * @returns What `schedule` returned.
 */
export function runOnceElected<T>(
  options: { readonly seed: number; readonly maxMs: number },
  schedule: (elected: Elected) => Promise<T>,
): Promise<T> {
  const scenario = new CoordinationScenario({ seed: options.seed });
  const { sim, clock } = scenario;
  const pause = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
  const work = (async () => {
    let leader = sim.leader();
    // Ends: the scenario elects a leader within its first virtual seconds, and runUntilSettled
    // gives up after maxMs anyway.
    while (leader === undefined) {
      await pause(5);
      leader = sim.leader();
    }
    return await schedule({ scenario, sim, clock, leader, pause });
  })();
  return scenario.runUntilSettled(work, options.maxMs);
}
