/**
 * Which seeds a recipe simulation runs: a fixed batch in CI, more on demand.
 *
 * `BARRIER_SIM_SEEDS=500 BARRIER_SIM_FIRST_SEED=1000 npx vitest run --project recipe-barrier
 * test/double-barrier-faults.sim.test.ts` runs 500 seeds from 1000; `BARRIER_SIM_VERBOSE=1`
 * prints each run's record. A failing seed is replayed exactly by running it alone.
 *
 * @module
 */
const { BARRIER_SIM_SEEDS, BARRIER_SIM_FIRST_SEED, BARRIER_SIM_VERBOSE } = process.env;

/** The seeds to run: `defaultCount` from 1 unless the environment says otherwise. */
export function simSeeds(defaultCount: number): number[] {
  const count = Number(BARRIER_SIM_SEEDS ?? defaultCount);
  const first = Number(BARRIER_SIM_FIRST_SEED ?? 1);
  return Array.from({ length: count }, (_, index) => first + index);
}

/** Whether to print each run's record. */
export const simVerbose = BARRIER_SIM_VERBOSE !== undefined && BARRIER_SIM_VERBOSE !== "";
