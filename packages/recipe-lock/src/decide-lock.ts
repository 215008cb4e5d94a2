/**
 * The pure decision of every queue-based recipe, Curator's `StandardLockInternalsDriver.getsTheLock`
 * generalised: given the participants in queue order and our own, do we hold it, and if not, what
 * do we wait for?
 *
 * The stateful shells (`ParticipantQueue`) re-run it after every wakeup, so a spurious wakeup or a
 * predecessor that is already gone costs one more read, never a wrong answer.
 *
 * @module
 */
import { assert } from "@zab/core";
import type { ParticipantKind, ParticipantName } from "./participant-name.js";

/**
 * Which participants stand in the way of ours.
 *
 * - `exclusive`: the first `leasesMax` participants hold it, whatever their kind (a mutex or a
 *   write lock with 1, a semaphore with its permits).
 * - `shared`: ours holds it unless a participant of a kind in `blockedBy` is ahead of it (a read
 *   lock is blocked by writers only, so readers share it and a waiting writer is not starved:
 *   readers that come after it queue behind it).
 *
 * @since 0.1.0
 */
export type LockRule =
  | {
      /** Discriminates the rule. */
      readonly kind: "exclusive";
      /** How many participants may hold it at once; at least 1. */
      readonly leasesMax: number;
    }
  | {
      /** Discriminates the rule. */
      readonly kind: "shared";
      /** The kinds that must not be ahead of ours. */
      readonly blockedBy: readonly ParticipantKind[];
    };

/**
 * What {@link decideLock} concluded.
 *
 * - `acquired`: ours holds it.
 * - `waitForPredecessor`: wait until `predecessor` (a child name) is gone, then decide again. Only
 *   this participant is woken by that deletion: no herd effect.
 * - `waitForChildren`: wait until the children change, then decide again (a semaphore with more
 *   than one lease, where any of several holders may leave first).
 * - `missing`: ours is not among the participants: its session expired, or someone deleted it.
 *
 * @since 0.1.0
 */
export type LockDecision =
  | {
      /** Discriminates the decision. */
      readonly kind: "acquired";
    }
  | {
      /** Discriminates the decision. */
      readonly kind: "waitForPredecessor";
      /** The child name to wait for. */
      readonly predecessor: string;
    }
  | {
      /** Discriminates the decision. */
      readonly kind: "waitForChildren";
    }
  | {
      /** Discriminates the decision. */
      readonly kind: "missing";
    };

/**
 * Decides whether a participant holds a queue-based lock.
 *
 * @remarks
 * Pure and total: the same input always gives the same answer. `participants` must be in queue
 * order (see `participantsOf`); the caller owns the array and it is not kept.
 * @param input - The participants in queue order, our child name, and the rule.
 * @returns The decision.
 * @example
 * ```ts
 * import { decideLock } from "@zab/recipe-lock";
 *
 * const participants = [
 *   { name: "_c_aa-lock-0000000001", guid: "aa", kind: "lock", sequence: 1 },
 *   { name: "_c_bb-lock-0000000002", guid: "bb", kind: "lock", sequence: 2 },
 * ] as const;
 * decideLock({ participants, ours: "_c_bb-lock-0000000002", rule: { kind: "exclusive", leasesMax: 1 } });
 * // { kind: "waitForPredecessor", predecessor: "_c_aa-lock-0000000001" }
 * ```
 * @since 0.1.0
 */
export function decideLock(input: {
  readonly participants: readonly ParticipantName[];
  readonly ours: string;
  readonly rule: LockRule;
}): LockDecision {
  const { participants, ours, rule } = input;
  const index = participants.findIndex((participant) => participant.name === ours);
  if (index < 0) return { kind: "missing" };
  switch (rule.kind) {
    case "exclusive": {
      assert(Number.isSafeInteger(rule.leasesMax) && rule.leasesMax >= 1, "leasesMax is a positive integer");
      if (index < rule.leasesMax) return { kind: "acquired" };
      if (rule.leasesMax > 1) return { kind: "waitForChildren" };
      const predecessor = participants[index - 1];
      assert(predecessor !== undefined, "a participant past the first has a predecessor");
      return { kind: "waitForPredecessor", predecessor: predecessor.name };
    }
    case "shared": {
      // The closest blocker ahead: when it goes, any blocker further ahead went before it (or is
      // found on the next decision), so watching it alone suffices.
      for (let ahead = index - 1; ahead >= 0; ahead -= 1) {
        const participant = participants[ahead];
        assert(participant !== undefined, "index within bounds");
        if (rule.blockedBy.includes(participant.kind)) {
          return { kind: "waitForPredecessor", predecessor: participant.name };
        }
      }
      return { kind: "acquired" };
    }
  }
}
