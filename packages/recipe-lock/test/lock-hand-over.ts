/**
 * The hand-over the holder-belief schedules replay: a mutex holder whose session only one
 * follower serves, and a waiter on the other members queued behind it, with the moment the
 * holder stopped believing recorded.
 *
 * @module
 */
import { type Coordination, connect, type ServerId } from "@zab/core";
import { type AbortOn, type Lease, Mutex } from "../src/index.js";
import type { Elected } from "./run-once-elected.js";

/** A holder and a waiter on one mutex. */
export interface LockHandOver {
  /** The follower that serves the holder's session, the only member it may use. */
  readonly member: ServerId;
  /** The holder's session. */
  readonly holderSession: Coordination;
  /** The waiter's acquire, queued behind the holder. */
  readonly waiting: Promise<Lease>;
  /**
   * How long the holder still believed it held the lock after `grantedAt` (0 when it stopped
   * before): the overlap of two believers once the waiter was granted it at `grantedAt`.
   */
  overlapMsAfter(grantedAt: number): number;
  /** Closes both sessions, whatever state they are in. */
  close(): Promise<void>;
}

/**
 * Opens the holder's session on a follower and the waiter's on the other follower then the
 * leader, takes the lock for the holder, and queues the waiter behind it.
 *
 * @param elected - The schedule's scenario.
 * @param options - The lock's path, the lease policy and the session timeout of both clients.
 * @returns The hand-over, the waiter still waiting.
 */
export async function startLockHandOver(
  elected: Elected,
  options: { readonly lock: string; readonly abortOn: AbortOn; readonly sessionTimeoutMs: number },
): Promise<LockHandOver> {
  const { sim, clock, leader } = elected;
  const { lock, abortOn } = options;
  const [member, other] = sim.voterIds.filter((id) => id !== leader) as [ServerId, ServerId];
  const sessionOptions = { sessionTimeoutMs: options.sessionTimeoutMs, dialer: sim.clientDialer(), clock };
  const holderSession = await connect({ ...sessionOptions, members: [member] });
  const waiterSession = await connect({ ...sessionOptions, members: [other, leader] });
  const holder = await new Mutex(holderSession, lock, { clock, abortOn }).acquire();
  let holderBelievesUntil = Number.POSITIVE_INFINITY;
  holder.signal.addEventListener("abort", () => {
    holderBelievesUntil = clock.now();
  });
  const waiting = new Mutex(waiterSession, lock, { clock, abortOn }).acquire();
  return {
    member,
    holderSession,
    waiting,
    overlapMsAfter: (grantedAt) => Math.max(0, holderBelievesUntil - grantedAt),
    close: async () => {
      await Promise.allSettled([holderSession.close(), waiterSession.close()]);
    },
  };
}
