/**
 * The pure decision of a participant leaving a double barrier, as in ZooKeeper's recipe: the
 * lowest participant leaves last, after watching the highest go; everyone else deletes its node
 * and watches the lowest. Each departure then wakes one waiter, and the lowest's departure wakes
 * the rest once: O(N) notifications for N participants, not the O(N²) of watching all children.
 *
 * @module
 */

/**
 * What a leaving participant knows after listing the barrier node's participants.
 *
 * @internal
 */
export interface LeaveInput {
  /** The participant nodes' names, in order. */
  readonly participants: readonly string[];
  /** Our node's name. */
  readonly ours: string;
  /** Whether we deleted our node already (a participant that is not the lowest does so first). */
  readonly oursDeleted: boolean;
}

/**
 * The decision: `left` (no participant remains: everyone has left), `lost` (our node vanished
 * without our deleting it: our session ended), `delete` (delete our node; `last` when that ends
 * the barrier, as we are alone), or `waitFor` (watch `name` until it is gone, then decide again).
 *
 * @internal
 */
export type LeaveDecision =
  | { readonly kind: "left" }
  | { readonly kind: "lost" }
  | { readonly kind: "delete"; readonly last: boolean }
  | { readonly kind: "waitFor"; readonly name: string };

/**
 * Decides what a participant leaving a double barrier does next.
 *
 * @param input - The participants read.
 * @returns The decision.
 * @internal
 */
export function decideLeave(input: LeaveInput): LeaveDecision {
  const { participants, ours, oursDeleted } = input;
  const lowest = participants[0];
  const highest = participants[participants.length - 1];
  if (lowest === undefined || highest === undefined) return { kind: "left" };
  if (!participants.includes(ours)) return oursDeleted ? { kind: "waitFor", name: lowest } : { kind: "lost" };
  if (participants.length === 1) return { kind: "delete", last: true };
  if (lowest === ours) return { kind: "waitFor", name: highest };
  return { kind: "delete", last: false };
}
