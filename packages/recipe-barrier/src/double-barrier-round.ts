/**
 * One round of a double barrier with many participants at once, timed: what a demo or a
 * benchmark runs in a few lines.
 *
 * @module
 */
import { type Clock, type Coordination, systemClock, ZabError } from "@zab/core";
import { DoubleBarrier } from "./double-barrier.js";
import type { WaitOptions } from "./wait-options.js";

/**
 * Options of {@link runDoubleBarrierRound}.
 *
 * @since 0.1.0
 */
export interface DoubleBarrierRoundOptions extends WaitOptions {
  /** How many participants run; they take the sessions round-robin. Default: one per session. */
  readonly participants?: number;
  /** What each participant does between `enter` and `leave`. Default: nothing. */
  readonly work?: (participant: number) => Promise<void>;
  /** Where the round's times are taken, and the recipes' clock. Default `systemClock`. */
  readonly clock?: Clock;
}

/**
 * What {@link runDoubleBarrierRound} measured, in milliseconds of its clock from the round's start.
 *
 * @since 0.1.0
 */
export interface DoubleBarrierRoundReport {
  /** How many participants took part. */
  readonly participants: number;
  /** When the first participant passed `enter`. */
  readonly firstEnteredMs: number;
  /** When the last participant passed `enter`. */
  readonly allEnteredMs: number;
  /** When the first participant's `leave` returned. */
  readonly firstLeftMs: number;
  /** When the last participant's `leave` returned: the round's duration. */
  readonly allLeftMs: number;
}

/**
 * Runs one round of a double barrier at `path`: every participant enters, works, and leaves,
 * and the times are reported.
 *
 * @remarks
 * Checks what the barrier promises: no participant passes `enter` before every participant has
 * started it, and no `leave` returns before every participant has started leaving. The sessions
 * may be shared (participants take them round-robin); each participant has its own node. A path
 * serves one round (see {@link DoubleBarrier}): use a new one each time.
 * @param sessions - The sessions the participants use.
 * @param path - The barrier node, unused so far.
 * @param options - The number of participants, their work, bounds for every wait, the clock.
 * @returns The times.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` without sessions; what `enter` or `leave`
 *   throws; an `Error` when the barrier broke its promise.
 * @example
 * ```ts
 * import type { Coordination } from "@zab/core";
 * import { runDoubleBarrierRound } from "@zab/recipe-barrier";
 *
 * async function demo(sessions: readonly Coordination[]): Promise<void> {
 *   const round = await runDoubleBarrierRound(sessions, "/demo/barrier", { participants: 50, timeoutMs: 30_000 });
 *   console.log(`${round.participants} entered within ${round.allEnteredMs} ms and left within ${round.allLeftMs} ms`);
 * }
 * ```
 * @since 0.1.0
 */
export async function runDoubleBarrierRound(
  sessions: readonly Coordination[],
  path: string,
  options: DoubleBarrierRoundOptions = {},
): Promise<DoubleBarrierRoundReport> {
  if (sessions.length === 0) throw new ZabError("Invalid", "a double barrier round needs sessions", { path });
  const participants = options.participants ?? sessions.length;
  const clock = options.clock ?? systemClock;
  const waits: WaitOptions = {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  const started = clock.now();
  const since = () => clock.now() - started;
  let entering = 0;
  let leaving = 0;
  const entered: number[] = [];
  const left: number[] = [];
  await Promise.all(
    Array.from({ length: participants }, async (_, participant) => {
      const session = sessions[participant % sessions.length] as Coordination;
      await using barrier = new DoubleBarrier(session, path, { participants, clock });
      entering += 1;
      await barrier.enter(waits);
      if (entering < participants)
        throw new Error(`a participant passed enter with ${entering} of ${participants} in`);
      entered.push(since());
      await options.work?.(participant);
      leaving += 1;
      await barrier.leave(waits);
      if (leaving < participants)
        throw new Error(`a leave returned with ${leaving} of ${participants} leaving`);
      left.push(since());
    }),
  );
  return {
    participants,
    firstEnteredMs: Math.min(...entered),
    allEnteredMs: Math.max(...entered),
    firstLeftMs: Math.min(...left),
    allLeftMs: Math.max(...left),
  };
}
