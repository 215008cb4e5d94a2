/**
 * Leader election among application instances: ZooKeeper's leader recipe, Curator's `LeaderLatch`.
 *
 * @module
 */
import { type CallOptions, type Coordination, type EventStream, ZabError } from "@zab/core";
import { abortable } from "./abortable.js";
import { EventFeed } from "./event-feed.js";
import type { Lease } from "./lease.js";
import type { RecipeOptions } from "./lock-options.js";
import type { QueueLock } from "./queue-lock.js";
import { QueueRecipe } from "./queue-recipe.js";
import { checkRecipePath } from "./recipe-path.js";
import { isSessionEnded } from "./retrying.js";

/**
 * A change of leadership, as {@link LeaderElection.events} reports it.
 *
 * - `elected`: this instance is the leader; `lease` is its leadership (fencing token, signal).
 * - `deposed`: it no longer is; `reason` is why (the lease signal's reason: `"SessionExpired"`,
 *   `"ConnectionLoss"` with `abortOn: "suspended"`, `"Closed"` after {@link LeaderElection.resign}
 *   or {@link LeaderElection.close}).
 *
 * @since 0.1.0
 */
export type LeadershipEvent =
  | {
      /** Discriminates the event. */
      readonly kind: "elected";
      /** The leadership: its fencing token and its signal. */
      readonly lease: Lease;
    }
  | {
      /** Discriminates the event. */
      readonly kind: "deposed";
      /** Why: the leadership's signal's reason. */
      readonly reason: unknown;
    };

/** A caller of {@link LeaderElection.awaitLeadership}, waiting. */
interface LeadershipWaiter {
  readonly resolve: (lease: Lease) => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * Settings of a {@link LeaderElection}.
 *
 * @since 0.1.0
 */
export interface LeaderElectionOptions extends RecipeOptions {
  /** This candidate's id, stored in its node so that anyone can read who leads. Default: empty. */
  readonly id?: string;
}

/**
 * Elects one leader among the candidates that use the same path; when it leaves, crashes or loses
 * its session, the next candidate in line takes over.
 *
 * @remarks
 * A candidate is a participant in a queue (ZooKeeper's leader-election recipe); the first in line
 * leads, and each candidate watches only the one ahead of it. Leadership is a {@link Lease}: its
 * fencing token grows from leader to leader, and its signal fires the moment the leadership can
 * no longer be trusted, so the leader stops. After a `deposed` event the candidate stands again
 * at the back of the line while its session lives; when the session is lost the events end with
 * `"SessionExpired"` (make a new session and a new election to stand again).
 * @example
 * ```ts
 * import type { Coordination } from "@zab/core";
 * import { LeaderElection } from "@zab/recipe-lock";
 *
 * async function runScheduler(session: Coordination, signal: AbortSignal): Promise<void> {
 *   await using election = new LeaderElection(session, "/elections/scheduler", { id: "host-a" });
 *   for await (const event of election.events({ signal })) {
 *     if (event.kind === "elected") console.log("leading with token", event.lease.fencingToken);
 *     else console.log("deposed:", event.reason);
 *   }
 * }
 * ```
 * @see https://zookeeper.apache.org/doc/current/recipes.html#sc_leaderElection
 * @since 0.1.0
 */
export class LeaderElection implements AsyncDisposable {
  /** The election's directory. */
  readonly path: string;
  /** This candidate's id. */
  readonly id: string;
  readonly #recipe: QueueRecipe;
  readonly #lock: QueueLock;
  readonly #feeds = new Set<EventFeed<LeadershipEvent>>();
  readonly #waiters = new Set<LeadershipWaiter>();
  #lease: Lease | undefined;
  #running: Promise<void> | undefined;
  /** Why the candidacy ended for good (session ended, closed), once it has. */
  #ended: unknown;

  /**
   * @param session - The session the candidacy is held through.
   * @param path - The election's directory, shared by every candidate.
   * @param options - The candidate's id, when leadership stops being trusted, and the clock.
   * @throws {@link @zab/core!ZabError} with code `"Invalid"` for a bad path.
   */
  constructor(session: Coordination, path: string, options: LeaderElectionOptions = {}) {
    this.path = checkRecipePath(path);
    this.id = options.id ?? "";
    this.#recipe = new QueueRecipe({
      session,
      path,
      options,
      name: "election",
      release: async () => {
        await this.#lease?.release();
        await this.#running;
      },
    });
    this.#lock = this.#recipe.lock({
      kind: "latch",
      rule: { kind: "exclusive", leasesMax: 1 },
      data: new TextEncoder().encode(this.id),
    });
  }

  /** The leadership while this candidate leads and it is trusted; `undefined` otherwise. */
  get leadership(): Lease | undefined {
    return this.#lease?.signal.aborted === false ? this.#lease : undefined;
  }

  /**
   * Stands as a candidate (if not already): joins the line in the background. Called by
   * {@link LeaderElection.events} and {@link LeaderElection.awaitLeadership} too.
   */
  start(): void {
    this.#running ??= this.#run();
  }

  /**
   * Streams leadership changes from now on; if this candidate leads already, the first event is
   * its `elected`. Starts the candidacy.
   *
   * @remarks
   * The stream ends cleanly when the election is closed, and fails with `"SessionExpired"` (or
   * `"Closed"`) when the session ends, `"Aborted"` when `signal` fires, `"Throttled"` when the
   * consumer falls 64 events behind.
   * @param options - `signal` to stop the stream.
   * @returns The events.
   */
  events(options: { readonly signal?: AbortSignal } = {}): EventStream<LeadershipEvent> {
    const feed = new EventFeed<LeadershipEvent>({
      ...options,
      stopped: (stopped) => this.#feeds.delete(stopped),
    });
    if (this.#ended !== undefined) feed.fail(this.#recipe.closing.aborted ? undefined : this.#ended);
    if (!feed.open) return feed;
    this.#feeds.add(feed);
    const lease = this.leadership;
    if (lease !== undefined) feed.push({ kind: "elected", lease });
    this.start();
    return feed;
  }

  /**
   * Waits until this candidate leads. Starts the candidacy.
   *
   * @param options - `signal` to give up waiting (the candidacy goes on).
   * @returns The leadership.
   * @throws {@link @zab/core!ZabError} with the signal's reason; `"SessionExpired"` or `"Closed"` when the
   *   candidacy ended first.
   */
  awaitLeadership(options: { readonly signal?: AbortSignal } = {}): Promise<Lease> {
    const lease = this.leadership;
    if (lease !== undefined) return Promise.resolve(lease);
    if (this.#ended !== undefined) return Promise.reject(this.#ended);
    this.start();
    let waiter: LeadershipWaiter | undefined;
    const elected = new Promise<Lease>((resolve, reject) => {
      waiter = { resolve, reject };
      this.#waiters.add(waiter);
    });
    return abortable(elected, options.signal, "waiting for leadership").finally(() => {
      if (waiter !== undefined) this.#waiters.delete(waiter);
    });
  }

  /**
   * Who leads now: the id of the first candidate in line, or `undefined` when there is none.
   *
   * @param options - `signal` to give up.
   * @returns The leader's id.
   * @throws {@link @zab/core!ZabError} with a code common to every call.
   */
  async leader(options: { readonly signal?: AbortSignal } = {}): Promise<string | undefined> {
    const { signal } = options;
    // The first candidate may leave between the listing and the read: then ask the next.
    for (const candidate of await this.#recipe.queue.participants(signal)) {
      try {
        const { data } = await this.#recipe.queue.session.getData(
          `${this.path}/${candidate.name}`,
          signal === undefined ? {} : { signal },
        );
        return new TextDecoder().decode(data);
      } catch (error) {
        if (!ZabError.isInstance(error, "NoNode")) throw error;
      }
    }
    return undefined;
  }

  /**
   * Gives up the leadership, if held, and stands again at the back of the line.
   *
   * @param options - `signal` to stop waiting for the node's deletion.
   */
  async resign(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    await this.#lease?.release(options);
  }

  /**
   * Withdraws the candidacy: leadership (if held) is released, the node and guard deleted, and
   * the event streams end. Idempotent.
   *
   * @param options - `signal` to stop waiting (the clean-up goes on); it may take up to the
   *   session timeout while the session is suspended.
   * @throws {@link @zab/core!ZabError} with code `"Aborted"` when `signal` fired first.
   */
  close(options?: CallOptions): Promise<void> {
    return this.#recipe.close(options);
  }

  /** Same as {@link LeaderElection.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The candidacy: wait in line, lead until the lease ends, stand again — until closed or the session ends. */
  async #run(): Promise<void> {
    // Each turn waits for a lease and then for its end; it stops when the election is closed or
    // the session ends, which also make the acquire throw.
    while (!this.#recipe.closing.aborted) {
      let lease: Lease;
      try {
        lease = await this.#lock.acquire();
      } catch (error) {
        this.#end(error);
        return;
      }
      this.#lease = lease;
      this.#emit({ kind: "elected", lease });
      for (const waiter of [...this.#waiters]) waiter.resolve(lease);
      const reason = await new Promise<unknown>((resolve) => {
        if (lease.signal.aborted) resolve(lease.signal.reason);
        else lease.signal.addEventListener("abort", () => resolve(lease.signal.reason), { once: true });
      });
      this.#lease = undefined;
      this.#emit({ kind: "deposed", reason });
      // Leadership lost with the connection in doubt: the node may still be first in line, but
      // nobody may act on it. Give it up, and stand again at the back once reconnected. (The
      // deletion tolerates a node already gone and a session that ended; anything else is
      // unexpected and ends the candidacy, reported to the event streams.)
      try {
        await lease.release();
      } catch (error) {
        this.#end(error);
        return;
      }
      if (isSessionEnded(reason) && !ZabError.isInstance(reason, "Closed")) {
        this.#end(reason);
        return;
      }
    }
    this.#end(this.#recipe.closing.reason);
  }

  #emit(event: LeadershipEvent): void {
    for (const feed of [...this.#feeds]) feed.push(event);
  }

  /** The candidacy is over: streams end (cleanly when closed), waiters are told. */
  #end(reason: unknown): void {
    this.#ended ??= reason;
    const closed = this.#recipe.closing.aborted;
    for (const feed of [...this.#feeds]) feed.fail(closed ? undefined : reason);
    for (const waiter of [...this.#waiters]) waiter.reject(reason);
  }
}
