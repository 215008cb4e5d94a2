/**
 * Runs randomized simulations from the command line.
 *
 *   pnpm --filter @zab/testkit sim --seed 42 [--trace]   replay one seed exactly
 *   pnpm --filter @zab/testkit sim --seeds 100000 [--from 1]   run many; print failing seeds
 *
 * Exits non-zero when any seed fails.
 */
import { parseArgs } from "node:util";
import { summarizeElectionTimes } from "../src/sim/election-stats.js";
import { runRandomSimulation } from "../src/sim/random-run.js";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    seeds: { type: "string" },
    from: { type: "string", default: "1" },
    trace: { type: "boolean", default: false },
  },
});

if (values.seed !== undefined) {
  const seed = Number(values.seed);
  const report = runRandomSimulation({
    seed,
    ...(values.trace ? { trace: (line: string) => process.stdout.write(`${line}\n`) } : {}),
  });
  console.log(JSON.stringify(report));
} else {
  const count = Number(values.seeds ?? "100");
  const from = Number(values.from);
  const reports = [];
  const failures: string[] = [];
  const started = performance.now();
  for (let seed = from; seed < from + count; seed += 1) {
    try {
      reports.push(runRandomSimulation({ seed }));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push(message);
      console.error(`FAIL ${message}`);
    }
    if ((seed - from + 1) % 1000 === 0) console.log(`${seed - from + 1} seeds, ${failures.length} failed`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${count} seeds in ${seconds} s: ${count - failures.length} passed, ${failures.length} failed`);
  console.log(summarizeElectionTimes(reports));
  if (failures.length > 0) process.exitCode = 1;
}
