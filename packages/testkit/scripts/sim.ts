/**
 * Runs randomized simulations from the command line.
 *
 *   pnpm --filter @zab/testkit sim --seed 42 [--trace]   replay one seed exactly
 *   pnpm --filter @zab/testkit sim --seeds 100000 [--from 1]   run many; print failing seeds
 *
 * With `--coordination`, each seed runs Coordination API clients under faults (their histories
 * checked for linearizability) instead of the protocol-level run. Exits non-zero when any seed
 * fails.
 */
import { parseArgs } from "node:util";
import { runCoordinationSimulation } from "../src/sim/coordination-run.js";
import { summarizeElectionTimes } from "../src/sim/election-stats.js";
import { type RandomRunReport, runRandomSimulation } from "../src/sim/random-run.js";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    seeds: { type: "string" },
    from: { type: "string", default: "1" },
    trace: { type: "boolean", default: false },
    coordination: { type: "boolean", default: false },
  },
});

/** Runs one seed of the chosen kind; the protocol-level run's report feeds election statistics. */
async function runSeed(seed: number, trace?: (line: string) => void): Promise<RandomRunReport | object> {
  const options = { seed, ...(trace === undefined ? {} : { trace }) };
  return values.coordination ? runCoordinationSimulation(options) : runRandomSimulation(options);
}

if (values.seed !== undefined) {
  const trace = values.trace ? (line: string) => process.stdout.write(`${line}\n`) : undefined;
  console.log(JSON.stringify(await runSeed(Number(values.seed), trace)));
} else {
  const count = Number(values.seeds ?? "100");
  const from = Number(values.from);
  const reports: RandomRunReport[] = [];
  const failures: string[] = [];
  const started = performance.now();
  for (let seed = from; seed < from + count; seed += 1) {
    try {
      const report = await runSeed(seed);
      if ("coldStartMs" in report) reports.push(report);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push(message);
      console.error(`FAIL ${message}`);
    }
    if ((seed - from + 1) % 1000 === 0) console.log(`${seed - from + 1} seeds, ${failures.length} failed`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${count} seeds in ${seconds} s: ${count - failures.length} passed, ${failures.length} failed`);
  if (reports.length > 0) console.log(summarizeElectionTimes(reports));
  if (failures.length > 0) process.exitCode = 1;
}
