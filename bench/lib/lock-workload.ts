/**
 * The lock benchmark's workload, the same for every lock implementation: uncontended
 * acquire+release cycles from one client, and N clients contending for one lock, with the order
 * of grants checked against the order of requests.
 *
 * Fairness is the fraction of grants that went to the client that had been waiting longest: at
 * each grant, the grantee's request (the moment its acquire call started) must be the earliest
 * among the requests still waiting. A lock that lets whoever retries first win scores about 1/N
 * under heavy contention. A FIFO lock scores 1 only up to the order in which near-simultaneous
 * requests reach it: two calls started a fraction of a write's latency apart may enter the queue
 * in either order. For a lock with a queue, queue order is reported too: the fraction of grants
 * whose queue position follows the previous grant's.
 *
 * @module
 */
import { LatencyRecorder, type LatencySummary } from "./latency.js";

/** A held lock, as the workload sees it. */
export interface HeldLock {
  /** Gives the lock back. */
  release(): Promise<void>;
  /** The grant's place in the lock's queue (zab: the fencing token), when the lock has one. */
  readonly queuePosition?: bigint;
}

/** One implementation under test: a client's way to take and give back the lock. */
export interface LockClient {
  /** Takes the lock, waiting as long as it takes. */
  acquire(): Promise<HeldLock>;
}

/** Uncontended: one client takes and releases the lock in a loop for `durationMs`. */
export async function uncontendedCycles(client: LockClient, durationMs: number): Promise<LatencySummary> {
  const recorder = new LatencyRecorder();
  const deadline = performance.now() + durationMs;
  recorder.start();
  while (performance.now() < deadline) {
    const began = recorder.now();
    const held = await client.acquire();
    await held.release();
    recorder.record(began);
  }
  recorder.stop();
  return recorder.summary();
}

/** What a contended run measured. */
export interface ContendedSummary {
  readonly acquisitions: number;
  readonly acquisitionsPerSecond: number;
  /** See the module comment. */
  readonly fairness: number;
  /**
   * For a lock with a queue: the fraction of grants in queue order (each grant's position after
   * the previous grant's); `undefined` for a lock without one.
   */
  readonly queueOrder: number | undefined;
  /** Per-client acquisitions, fewest to most. */
  readonly perClientMin: number;
  readonly perClientMax: number;
}

/**
 * Contended: every client loops "acquire, release" on the same lock for `durationMs`; holding
 * is immediate (the lock's own overhead is what is measured).
 */
export async function contendedAcquisitions(
  clients: readonly LockClient[],
  durationMs: number,
): Promise<ContendedSummary> {
  const waiting = new Map<number, number>();
  const counts = clients.map(() => 0);
  let inOrder = 0;
  let acquisitions = 0;
  let inQueueOrder = 0;
  let queued = 0;
  let lastPosition: bigint | undefined;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    clients.map(async (client, index) => {
      while (performance.now() < deadline) {
        waiting.set(index, performance.now());
        const held = await client.acquire();
        if (held.queuePosition !== undefined) {
          queued += 1;
          if (lastPosition === undefined || held.queuePosition > lastPosition) inQueueOrder += 1;
          lastPosition = held.queuePosition;
        }
        const requestedAt = waiting.get(index) ?? 0;
        waiting.delete(index);
        let earliest = true;
        for (const other of waiting.values()) if (other < requestedAt) earliest = false;
        if (earliest) inOrder += 1;
        acquisitions += 1;
        counts[index] = (counts[index] ?? 0) + 1;
        await held.release();
      }
    }),
  );
  const elapsedSeconds = (performance.now() - started) / 1000;
  return {
    acquisitions,
    acquisitionsPerSecond: acquisitions / elapsedSeconds,
    fairness: acquisitions === 0 ? Number.NaN : inOrder / acquisitions,
    queueOrder: queued === 0 ? undefined : inQueueOrder / queued,
    perClientMin: Math.min(...counts),
    perClientMax: Math.max(...counts),
  };
}
