/**
 * Fair distributed locks with fencing tokens, read-write locks, semaphores and leader election
 * on zab — Apache Curator's lock recipes, for the Coordination API of `@zab/core`.
 *
 * Every recipe is a queue of ephemeral-sequential nodes in a directory: fair (first come, first
 * served), without herd effect (each waiter watches only the node it waits for), and safe under
 * connection loss (protected names behind a guard node: no ghost waiters) and session expiry
 * (nothing left behind). Every grant is a {@link Lease} with a fencing token and an AbortSignal.
 * The [locks guide](../../../docs/guides/locks.md) says which recipe to use when, what fencing
 * buys, and what happens on partitions.
 *
 * @example
 * ```ts
 * import type { Coordination } from "@zab/core";
 * import { FencingGate, Mutex } from "@zab/recipe-lock";
 *
 * async function once(session: Coordination, gate: FencingGate): Promise<void> {
 *   await using lease = await new Mutex(session, "/locks/job").acquire();
 *   gate.check(lease.fencingToken);
 * }
 * ```
 * @packageDocumentation
 */
export { decideLock, type LockDecision, type LockRule } from "./decide-lock.js";
export { FencingGate, type FencingToken } from "./fencing-token.js";
export {
  LeaderElection,
  type LeaderElectionOptions,
  type LeadershipEvent,
} from "./leader-election.js";
export type { Lease } from "./lease.js";
export {
  ABORT_ON_DEFAULT,
  type AcquireOptions,
  type RecipeOptions,
  type TryAcquireOptions,
} from "./lock-options.js";
export { Mutex } from "./mutex.js";
export {
  type ParticipantKind,
  type ParticipantName,
  parseParticipantName,
  participantsOf,
} from "./participant-name.js";
export { type LockSide, ReadWriteLock } from "./read-write-lock.js";
export { Semaphore } from "./semaphore.js";
export type { AbortOn } from "./session-trust.js";
