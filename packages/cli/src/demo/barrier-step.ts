/**
 * The demo's barrier step: fifty workers, each with its own session spread over the three
 * members, start and finish a job together at a double barrier.
 *
 * @module
 */
import { runDoubleBarrierRound } from "@zab/recipe-barrier";
import type { LocalEnsemble } from "../local-ensemble/local-ensemble.js";

const WORKERS = 50;

/**
 * Runs one double-barrier round with {@link WORKERS} sessions and narrates it. The round itself
 * checks the barrier's promise (nobody passes `enter` before all have entered, nobody passes
 * `leave` before all are leaving) and throws when it is broken.
 *
 * @param ensemble - The running ensemble.
 * @param say - Where the narration goes.
 * @internal
 */
export async function barrierStep(ensemble: LocalEnsemble, say: (line: string) => void): Promise<void> {
  say(`${WORKERS} workers, one session each spread over the three members, meet at a double barrier…`);
  const ids = ensemble.ids;
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, (_, index) =>
      ensemble.connect({
        members: [...ids.slice(index % ids.length), ...ids.slice(0, index % ids.length)],
        sessionTimeoutMs: 10_000,
      }),
    ),
  );
  try {
    const round = await runDoubleBarrierRound(workers, "/demo-barrier", { timeoutMs: 30_000 });
    say(
      `  all ${round.participants} passed enter together within ${Math.round(round.allEnteredMs)} ms ` +
        `and left together within ${Math.round(round.allLeftMs)} ms; nobody passed early (checked)`,
    );
  } finally {
    await Promise.allSettled(workers.map((worker) => worker.close()));
  }
}
