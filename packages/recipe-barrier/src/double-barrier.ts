/**
 * ZooKeeper's double barrier: participants `enter` together once enough of them are there, and
 * `leave` together once all of them are done.
 *
 * @module
 */
import { assert, type Clock, type Coordination, systemClock, ZabError } from "@zab/core";
import { decideArrival } from "./decide-arrival.js";
import { decideLeave } from "./decide-leave.js";
import { AGAIN, decideLoop } from "./decide-loop.js";
import { NodeRemovals } from "./node-removals.js";
import { checkParticipantCount, type PARTICIPANTS_MAX } from "./participant-count.js";
import { ParticipantNode, participantLost, participantsInOrder } from "./participant-node.js";
import type { RecipeOptions, WaitOptions } from "./wait-options.js";
import { WaitScope } from "./wait-scope.js";
import { checkRecipePath, childPath } from "./znode-path.js";

/** The name of the node whose creation trips a double barrier. */
const READY = "ready";

/**
 * Options of a {@link DoubleBarrier}.
 *
 * @since 0.1.0
 */
export interface DoubleBarrierOptions extends RecipeOptions {
  /** How many live participants trip the barrier: an integer from 1 to {@link PARTICIPANTS_MAX}. */
  readonly participants: number;
}

/**
 * Where a {@link DoubleBarrier} handle stands: `idle` (before `enter`), `entering`, `entered`,
 * `leaving`, `left`, `failed` (a wait gave up or the session ended; the handle's node is being
 * removed) or `closed` (disposed).
 *
 * @since 0.1.0
 */
export type DoubleBarrierState = "idle" | "entering" | "entered" | "leaving" | "left" | "failed" | "closed";

/**
 * One participant of a double barrier (ZooKeeper's recipe, Curator's `DistributedDoubleBarrier`):
 * {@link DoubleBarrier.enter} returns once `participants` participants are in,
 * {@link DoubleBarrier.leave} once every participant has left.
 *
 * @remarks
 * Each participant holds an ephemeral node under `path`, named after a GUID (so a create whose
 * outcome was unknown never makes two), and only participants whose sessions are alive count.
 *
 * **When the barrier trips.** It trips at the transaction that creates `path/ready`. That
 * transaction is a `multi` that also checks `participants` participant nodes (the first by name): it
 * commits only if, at that zxid, at least `participants` participant nodes exist — each owned by
 * a live session. A participant whose session ended before the trip does not count; one whose
 * enter was aborted has its node removed and stops counting once that removal commits. "Ended"
 * is the ensemble's verdict, the transaction that expires the session: a client that gave up on
 * its session by its own timer (state `lost`) may still count until the ensemble expires it,
 * which happens within about a session timeout. The
 * `ready` node is persistent: once the barrier tripped it stays tripped, for everyone who saw it
 * and for everyone who comes later. `enter` returns exactly when it reads `ready`, so nobody
 * passes before the count was reached. Late arrivals pass at once and take part in `leave`.
 *
 * **Leaving.** `leave` is ZooKeeper's: the lowest participant (by node name) waits for the
 * highest to go and leaves last; every other one deletes its node and waits for the lowest. `leave` returns once
 * no participant node is left, so everyone who entered has called `leave` — or has died: a
 * participant whose session expires has its node deleted by the ensemble, so it blocks nobody
 * for longer than its session timeout. Each participant watches one node at a time, so N
 * participants cause O(N) watch notifications in all.
 *
 * **One round per path.** As in ZooKeeper and Curator, `ready` is left in place, so a path
 * serves one round; use a fresh path per round (`/jobs/<id>/barrier`), or a {@link CyclicBarrier}
 * for repeated rounds.
 *
 * **Connection states.** The trip and the departures are persistent facts, so a `suspended`
 * session loses nothing it learned; waits ride out `ConnectionLoss` by reading again. A `lost`
 * session ends the participant: calls reject with `"SessionExpired"`.
 * @example
 * ```ts
 * import type { Coordination } from "@zab/core";
 * import { DoubleBarrier } from "@zab/recipe-barrier";
 *
 * async function worker(session: Coordination, job: string): Promise<void> {
 *   await using barrier = new DoubleBarrier(session, `/jobs/${job}/barrier`, { participants: 10 });
 *   await barrier.enter({ timeoutMs: 60_000 });
 *   // ... the work every worker starts together ...
 *   await barrier.leave({ timeoutMs: 60_000 });
 * }
 * ```
 * @see https://zookeeper.apache.org/doc/current/recipes.html#sc_doubleBarriers
 * @since 0.1.0
 */
export class DoubleBarrier implements AsyncDisposable {
  /** The barrier node. */
  readonly path: string;
  /** How many live participants trip the barrier. */
  readonly participants: number;
  readonly #session: Coordination;
  readonly #clock: Clock;
  readonly #readyPath: string;
  readonly #removals = new NodeRemovals();
  #state: DoubleBarrierState = "idle";
  #node: ParticipantNode | undefined;

  /**
   * @param session - The participant's session.
   * @param path - The barrier node; created, with its ancestors, when missing.
   * @param options - `participants`, and the clock.
   * @throws {@link @zab/core!ZabError} with code `"Invalid"` for a path that is not absolute or is the root,
   *   or `participants` outside 1 to {@link PARTICIPANTS_MAX}.
   */
  constructor(session: Coordination, path: string, options: DoubleBarrierOptions) {
    checkRecipePath(path, "a double barrier");
    checkParticipantCount(options.participants, "participants", path);
    this.#session = session;
    this.path = path;
    this.participants = options.participants;
    this.#clock = options.clock ?? systemClock;
    this.#readyPath = childPath(path, READY);
  }

  /** Where this participant stands. */
  get state(): DoubleBarrierState {
    return this.#state;
  }

  /**
   * Enters the barrier: returns once it tripped (see the class remarks).
   *
   * @remarks
   * Creates this participant's node (named after a GUID: after an unknown outcome, creating it
   * again finds it there, never makes a second one), then reads `ready` with a watch; while it is missing, lists the
   * participants, trips the barrier when there are enough, or waits for `ready`. When the wait
   * gives up, the node is removed (in the background, retrying until it is gone or the session
   * ends) and the handle is `failed`.
   * @param options - `signal` and `timeoutMs`.
   * @throws {@link @zab/core!ZabError} with code `"Timeout"` or `"Aborted"` when the wait gave up,
   *   `"SessionExpired"` when the session ended before the trip (this participant no longer
   *   counts), `"Closed"` for a closed session.
   * @throws AssertionError when called on a handle that is not `idle`.
   */
  async enter(options?: WaitOptions): Promise<void> {
    assert(this.#state === "idle", `enter() on a double barrier that is ${this.#state}, not idle`);
    this.#state = "entering";
    using scope = new WaitScope(this.#clock, options, `enter ${this.path}`, this.path);
    const node = new ParticipantNode(this.#session, this.path, this.#clock);
    this.#node = node;
    try {
      await node.create(scope);
      await decideLoop(scope, async (signal) => {
        const ready = await this.#session.exists(this.#readyPath, { watch: true, signal });
        const passed = ready.stat !== undefined;
        const { children } = passed
          ? { children: [] }
          : await this.#session.getChildren(this.path, { signal });
        const decision = decideArrival({
          passed,
          waiting: participantsInOrder(children),
          ours: node.name,
          count: this.participants,
        });
        switch (decision.kind) {
          case "passed":
            return true;
          case "lost":
            throw participantLost(this.path, "enter");
          case "trip":
            return (await this.#trip(decision.members, signal)) ? true : AGAIN;
          case "wait":
            await ready.watch;
            return AGAIN;
        }
      });
      this.#state = "entered";
    } catch (error) {
      this.#fail();
      throw error;
    }
  }

  /**
   * Leaves the barrier: returns once every participant has left (see the class remarks).
   *
   * @param options - `signal` and `timeoutMs`.
   * @throws {@link @zab/core!ZabError} with code `"Timeout"` or `"Aborted"` when the wait gave up (this
   *   participant's node is then removed, so it no longer holds the others back),
   *   `"SessionExpired"` when the session ended (its node is gone with it), `"Closed"` for a closed
   *   session.
   * @throws AssertionError when called on a handle that has not entered.
   */
  async leave(options?: WaitOptions): Promise<void> {
    assert(this.#state === "entered", `leave() on a double barrier that is ${this.#state}, not entered`);
    const node = this.#node;
    assert(node !== undefined, "an entered double barrier has its node");
    this.#state = "leaving";
    using scope = new WaitScope(this.#clock, options, `leave ${this.path}`, this.path);
    let oursDeleted = false;
    try {
      await decideLoop(scope, async (signal) => {
        const { children } = await this.#session.getChildren(this.path, { signal });
        const decision = decideLeave({
          participants: participantsInOrder(children),
          ours: node.name,
          oursDeleted,
        });
        switch (decision.kind) {
          case "left":
            return true;
          case "lost":
            throw participantLost(this.path, "leave");
          case "delete":
            // Set first: when the reply to the delete is lost, our node's absence on the next
            // read is our own doing, not our session's end (which the next call would report).
            oursDeleted = true;
            await node.delete(signal);
            return decision.last ? true : AGAIN;
          case "waitFor": {
            const other = await this.#session.exists(childPath(this.path, decision.name), {
              watch: true,
              signal,
            });
            if (other.stat !== undefined) await other.watch;
            return AGAIN;
          }
        }
      });
      this.#state = "left";
    } catch (error) {
      this.#fail();
      throw error;
    }
  }

  /**
   * Leaves without waiting: removes this participant's node if it still has one (so it no
   * longer counts, nor holds anyone back), and waits for that removal. Idempotent.
   *
   * @remarks
   * Call it once `enter` or `leave` has settled (abort them with their signal to stop them
   * first). The removal retries until the node is gone or the session ends (which removes it
   * too); a session that stays suspended makes this wait up to the session's timeout.
   * @throws {@link @zab/core!ZabError} only for an unexpected failure of a removal (a bug).
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#state !== "closed") {
      if (this.#state !== "idle" && this.#state !== "left") this.#fail();
      this.#state = "closed";
    }
    await this.#removals.settled();
  }

  /**
   * Trips the barrier over `members`: creates `ready` if every member's node still exists.
   *
   * @returns `true` when the barrier is tripped (by us, or by someone else first), `false` when a
   *   member's node vanished (its session ended) and the count must be read again.
   */
  async #trip(members: readonly string[], signal: AbortSignal): Promise<boolean> {
    try {
      await this.#session.multi(
        [
          ...members.map((name) => ({ op: "check" as const, path: childPath(this.path, name), version: -1 })),
          {
            op: "create" as const,
            path: this.#readyPath,
            data: new TextEncoder().encode(String(this.participants)),
            mode: "persistent" as const,
            ttlMs: 0,
          },
        ],
        { signal },
      );
      return true;
    } catch (error) {
      // Someone else tripped it first.
      if (ZabError.isInstance(error, "NodeExists")) return true;
      // A member's session ended between our read and the trip: count again.
      if (ZabError.isInstance(error, "NoNode")) return false;
      throw error;
    }
  }

  /** Marks the handle failed and removes its node in the background. */
  #fail(): void {
    this.#state = "failed";
    const node = this.#node;
    this.#node = undefined;
    if (node === undefined) return;
    this.#removals.start(node);
  }
}
