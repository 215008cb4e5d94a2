/**
 * A distributed `CyclicBarrier`: rounds (generations) of `parties` participants that wait for
 * one another, over and over, at one path.
 *
 * @module
 */
import {
  assert,
  type Clock,
  type Coordination,
  compareZxid,
  type Stat,
  systemClock,
  ZabError,
} from "@zab/core";
import { decideArrival } from "./decide-arrival.js";
import { AGAIN, decideLoop } from "./decide-loop.js";
import { NodeRemovals } from "./node-removals.js";
import { checkParticipantCount, type PARTICIPANTS_MAX } from "./participant-count.js";
import { ParticipantNode, participantLost, participantsInOrder } from "./participant-node.js";
import type { RecipeOptions, WaitOptions } from "./wait-options.js";
import { WaitScope } from "./wait-scope.js";
import { checkRecipePath, childPath } from "./znode-path.js";

/**
 * Options of a {@link CyclicBarrier}.
 *
 * @since 0.1.0
 */
export interface CyclicBarrierOptions extends RecipeOptions {
  /** How many live parties trip each generation: an integer from 1 to {@link PARTICIPANTS_MAX}. */
  readonly parties: number;
}

/**
 * What {@link CyclicBarrier.await} reports about the generation it passed.
 *
 * @since 0.1.0
 */
export interface CyclicBarrierPassage {
  /** The generation this arrival was part of: 1 for the barrier's first trip, then 2, 3, ... */
  readonly generation: number;
}

/**
 * A barrier for repeated rounds: each call of {@link CyclicBarrier.await} is one arrival, and a
 * generation trips as soon as `parties` arrivals with live sessions are waiting.
 *
 * @remarks
 * Each arrival is an ephemeral node under `path`, named after a GUID (so a create whose outcome
 * was unknown never makes two), with empty data while it waits. The barrier node's data version
 * counts the generations.
 *
 * **When a generation trips.** At one `multi` that writes the generation number into the nodes of
 * the `parties` earliest waiting arrivals (by creation zxid) — each write conditioned on the node
 * still existing and never written, i.e. still waiting with its session alive — and bumps the
 * barrier node's version, conditioned on the version read (so two trips never overlap). An
 * arrival passes exactly when it reads the generation in its own node: a fact that never goes
 * back, so once its generation tripped it stays tripped. Generations hold exactly `parties`
 * arrivals; later arrivals wait for the next one. An arrival whose session ends before its
 * generation trips does not count; its `await` rejects with `"SessionExpired"`.
 *
 * Each waiting arrival watches its own node only, so a generation of N parties causes N
 * notifications. The arrival that completes a generation reads the waiting nodes' stats (one
 * read each) to find the earliest. After passing, an arrival deletes its node (in the
 * background). Unlike Java's, a distributed barrier is not "broken" by one party's failure: the
 * others keep waiting for a replacement arrival (bound the wait with `timeoutMs`).
 * @example
 * ```ts
 * import type { Coordination } from "@zab/core";
 * import { CyclicBarrier } from "@zab/recipe-barrier";
 *
 * async function simulate(session: Coordination, steps: number): Promise<void> {
 *   await using barrier = new CyclicBarrier(session, "/sim/step", { parties: 4 });
 *   for (let step = 0; step < steps; step += 1) {
 *     // ... compute this step ...
 *     await barrier.await({ timeoutMs: 30_000 });
 *   }
 * }
 * ```
 * @since 0.1.0
 */
export class CyclicBarrier implements AsyncDisposable {
  /** The barrier node. */
  readonly path: string;
  /** How many live parties trip each generation. */
  readonly parties: number;
  readonly #session: Coordination;
  readonly #clock: Clock;
  readonly #removals = new NodeRemovals();

  /**
   * @param session - The party's session.
   * @param path - The barrier node; created, with its ancestors, when missing.
   * @param options - `parties`, and the clock.
   * @throws {@link @zab/core!ZabError} with code `"Invalid"` for a path that is not absolute or is
   *   the root, or `parties` outside 1 to {@link PARTICIPANTS_MAX}.
   */
  constructor(session: Coordination, path: string, options: CyclicBarrierOptions) {
    checkRecipePath(path, "a cyclic barrier");
    checkParticipantCount(options.parties, "parties", path);
    this.#session = session;
    this.path = path;
    this.parties = options.parties;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Arrives at the barrier and waits for this arrival's generation to trip.
   *
   * @remarks
   * Several calls may run at once on one handle: each is its own arrival. When the wait gives
   * up, the arrival's node is removed (in the background, until it is gone or the session ends);
   * if its generation tripped before the removal, it counted in that generation all the same.
   * @param options - `signal` and `timeoutMs`.
   * @returns The generation passed.
   * @throws {@link @zab/core!ZabError} with code `"Timeout"` or `"Aborted"` when the wait gave up,
   *   `"SessionExpired"` when the session ended before the trip, `"Closed"` for a closed session,
   *   `"Invalid"` when an arrival node holds something else than a generation number.
   */
  async await(options?: WaitOptions): Promise<CyclicBarrierPassage> {
    using scope = new WaitScope(this.#clock, options, `await ${this.path}`, this.path);
    const node = new ParticipantNode(this.#session, this.path, this.#clock);
    try {
      await node.create(scope);
      return await decideLoop(scope, async (signal) => {
        const ours = await this.#session
          .getData(node.path, { watch: true, signal })
          .catch((error: unknown) => {
            if (ZabError.isInstance(error, "NoNode")) return undefined;
            throw error;
          });
        const passed = ours !== undefined && ours.data.byteLength > 0;
        const { children, stat: barrier } = passed
          ? { children: [], stat: undefined }
          : await this.#session.getChildren(this.path, { signal });
        const candidates = participantsInOrder(children);
        // Fewer nodes than parties: nobody to trip with yet (and our node, if gone, is in none).
        const waiting =
          candidates.length < this.parties ? candidates : await this.#waiting(candidates, signal);
        // Our node is there but no longer waiting: a trip marked it after we read it. Read again.
        if (ours !== undefined && !passed && !waiting.includes(node.name)) return AGAIN;
        const decision = decideArrival({
          passed,
          waiting: ours === undefined ? waiting.filter((name) => name !== node.name) : waiting,
          ours: node.name,
          count: this.parties,
        });
        switch (decision.kind) {
          case "passed":
            return { generation: parseGeneration(ours?.data ?? new Uint8Array(), node.path) };
          case "lost":
            throw participantLost(this.path, "await");
          case "trip":
            assert(barrier !== undefined, "a trip is decided from a read of the barrier node");
            await this.#trip(decision.members, barrier, signal);
            return AGAIN;
          case "wait":
            await ours?.watch;
            return AGAIN;
        }
      });
    } finally {
      // Passed or gave up, the arrival's node has done its job.
      this.#removals.start(node);
    }
  }

  /**
   * Waits until every arrival's node this handle left behind is removed. Arrivals still waiting
   * are not stopped: abort them with their signals first.
   *
   * @throws {@link @zab/core!ZabError} only for an unexpected failure of a removal (a bug).
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#removals.settled();
  }

  /** The arrivals still waiting (their nodes empty), earliest created first. */
  async #waiting(candidates: readonly string[], signal: AbortSignal): Promise<string[]> {
    const stats = await Promise.all(
      candidates.map(async (name) => ({
        name,
        stat: (await this.#session.exists(childPath(this.path, name), { signal })).stat,
      })),
    );
    return stats
      .filter(
        (entry): entry is { name: string; stat: Stat } =>
          entry.stat !== undefined && entry.stat.version === 0,
      )
      .sort((a, b) => compareZxid(a.stat.czxid, b.stat.czxid))
      .map((entry) => entry.name);
  }

  /**
   * Trips a generation over `members`: marks each with the generation's number if it is still
   * waiting, and bumps the barrier node's version if no other trip came first. A failed trip
   * (a member's session ended, another trip came first) changes nothing: the caller reads again.
   */
  async #trip(members: readonly string[], barrier: Stat, signal: AbortSignal): Promise<void> {
    const generation = new TextEncoder().encode(String(barrier.version + 1));
    try {
      await this.#session.multi(
        [
          ...members.map((name) => ({
            op: "setData" as const,
            path: childPath(this.path, name),
            data: generation,
            version: 0,
          })),
          { op: "setData" as const, path: this.path, data: new Uint8Array(), version: barrier.version },
        ],
        { signal },
      );
    } catch (error) {
      // A member's session ended (NoNode), or another trip marked a member or the barrier first
      // (BadVersion): read again.
      if (ZabError.isInstance(error, "NoNode") || ZabError.isInstance(error, "BadVersion")) return;
      throw error;
    }
  }
}

/**
 * Reads the generation number a trip wrote into an arrival's node.
 *
 * @param data - The node's data.
 * @param path - The node, for the message.
 * @returns The generation, at least 1.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` for data that is not a generation number.
 * @internal
 */
export function parseGeneration(data: Uint8Array, path: string): number {
  const text = new TextDecoder().decode(data);
  const value = Number(text);
  if (!/^[1-9]\d*$/.test(text) || !Number.isSafeInteger(value)) {
    throw new ZabError(
      "Invalid",
      `${path} is not a cyclic barrier arrival: its data is ${JSON.stringify(text)}`,
      {
        path,
      },
    );
  }
  return value;
}
