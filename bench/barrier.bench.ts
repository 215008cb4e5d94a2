/**
 * The double barrier on a real ensemble: how long 50 participants take to pass `enter` and
 * `leave` together.
 *
 * Three members are separate `zab serve` processes (started by `LocalEnsemble` from the CLI
 * sources) on loopback TCP with the shared-secret handshake, each on its own file storage with
 * fdatasync on, default settings (tickMs 50), as in `headline.bench.ts`. This process runs the 50
 * participants, each on its own remote session over `@zab/transport-tcp`, the sessions spread
 * round-robin over the members (so two thirds of every participant's writes are forwarded to the
 * leader by a follower). Each round uses a fresh barrier path (a double barrier serves one round);
 * participants do no work between enter and leave.
 *
 * Per round: "enter" is the time from the round's start (every participant calls `enter` at once)
 * until the last participant passed `enter`; "enter + leave" until the last `leave` returned. A
 * participant's `enter` is a create, two or three reads and one watch; the trip is one `multi`
 * checking 50 nodes; `leave` is a delete and a few reads and watches. A short untimed round warms
 * the JIT first. Rounds run one after another, with p50/p99 (nearest rank) over them.
 *
 * @module
 */
import { LocalEnsemble } from "../packages/cli/src/local-ensemble/local-ensemble.js";
import type { Coordination } from "../packages/core/src/index.js";
import { runDoubleBarrierRound } from "../packages/recipe-barrier/src/index.js";
import { percentile } from "../packages/testkit/src/index.js";
import { printTable } from "./lib/table.js";

const PARTICIPANTS = 50;
const ROUNDS = 50;

export async function run(): Promise<void> {
  await using ensemble = await LocalEnsemble.start({ size: 3 });
  await ensemble.waitUntilCaughtUp();
  const sessions: Coordination[] = [];
  try {
    for (let index = 0; index < PARTICIPANTS; index += 1) {
      const first = index % ensemble.ids.length;
      sessions.push(
        await ensemble.connect({ members: [...ensemble.ids.slice(first), ...ensemble.ids.slice(0, first)] }),
      );
    }
    await runDoubleBarrierRound(sessions, "/bench/barrier/warm-up", { timeoutMs: 60_000 });
    const enter: number[] = [];
    const whole: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const report = await runDoubleBarrierRound(sessions, `/bench/barrier/round-${round}`, {
        timeoutMs: 60_000,
      });
      enter.push(report.allEnteredMs);
      whole.push(report.allLeftMs);
    }
    const row = (what: string, samples: number[]) => {
      const sorted = [...samples].sort((a, b) => a - b);
      return {
        "time for": what,
        rounds: samples.length,
        "p50 ms": percentile(sorted, 0.5),
        "p99 ms": percentile(sorted, 0.99),
        "min ms": sorted[0] ?? Number.NaN,
      };
    };
    printTable(
      `Double barrier: ${PARTICIPANTS} participants, one remote session each, spread over ${ensemble.ids.length} ` +
        "members as separate processes (zab serve) on loopback TCP, file storage with fdatasync, default settings;\n" +
        "from the round's start (all call enter at once) to the last participant past enter, and past leave",
      [row("enter", enter), row("enter + leave", whole)],
    );
  } finally {
    await Promise.allSettled(sessions.map((session) => session.close()));
  }
}
