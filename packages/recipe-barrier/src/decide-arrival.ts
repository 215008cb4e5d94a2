/**
 * The pure decision of a participant waiting for a barrier to trip: passed, trip it now, or wait.
 * The double barrier's `enter` and the cyclic barrier's `await` both take it.
 *
 * @module
 */

/**
 * What a waiting participant knows after reading the barrier's state.
 *
 * @internal
 */
export interface ArrivalInput {
  /** Whether our round already tripped (a double barrier's `ready` exists; our cyclic node is marked). */
  readonly passed: boolean;
  /**
   * The participants still waiting (ourselves included, unless our node vanished), in the order
   * a trip takes them.
   */
  readonly waiting: readonly string[];
  /** Our own participant node's name. */
  readonly ours: string;
  /** How many live participants trip a round. */
  readonly count: number;
}

/**
 * The decision: `passed` (our round tripped), `lost` (our node is gone, so our session ended:
 * we no longer count), `trip` (enough participants are waiting: trip the round over `members`,
 * the first `count` of them), or `wait`.
 *
 * @internal
 */
export type ArrivalDecision =
  | { readonly kind: "passed" }
  | { readonly kind: "lost" }
  | { readonly kind: "trip"; readonly members: readonly string[] }
  | { readonly kind: "wait"; readonly waiting: number };

/**
 * Decides what a participant waiting for a barrier does next.
 *
 * @remarks
 * A round trips over exactly the first `count` participants still waiting; later ones wait for
 * the next round. The caller trips it with one `multi` that checks every member's node is still
 * there (and still waiting), so a round never trips over a participant whose session ended
 * before the trip; if one did, the multi fails and the caller decides again.
 * @param input - The state read.
 * @returns The decision.
 * @internal
 */
export function decideArrival(input: ArrivalInput): ArrivalDecision {
  const { passed, waiting, ours, count } = input;
  if (passed) return { kind: "passed" };
  if (!waiting.includes(ours)) return { kind: "lost" };
  if (waiting.length < count) return { kind: "wait", waiting: waiting.length };
  return { kind: "trip", members: waiting.slice(0, count) };
}
