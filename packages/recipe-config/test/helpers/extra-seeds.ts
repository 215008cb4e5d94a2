/**
 * The seeds the simulation tests run beyond CI's: `CONFIG_SIM_SEEDS=N` locally adds seeds 100 to
 * 100 + N - 1, one test each; in CI the list is empty and adds no test.
 *
 * @module
 */
const { CONFIG_SIM_SEEDS } = process.env;

/** Extra seeds to run; none in CI. */
export const extraSeeds: readonly number[] = Array.from(
  { length: Number(CONFIG_SIM_SEEDS ?? 0) },
  (_, index) => 100 + index,
);
