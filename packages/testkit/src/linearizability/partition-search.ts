/**
 * The Wing–Gong–Lowe search over one part of a history, as a resumable computation so that a
 * caller can interleave the searches of several parts.
 *
 * The search walks a time-ordered list of call and return events. At a call, it tries to
 * linearize that operation next: if the model accepts its output and the resulting (linearized
 * set, state) pair has not been reached before, it commits to it, lifts the operation out of
 * the list and restarts from the front. At a return whose call is still in the list, no
 * linearization of the current prefix can go on (that operation had to take effect before it
 * returned), so it backtracks: it undoes the last commitment and tries the next call instead.
 * The history is linearizable when every operation has been lifted; it is not when a return is
 * reached with nothing left to undo.
 *
 * @see Lowe, "Testing for linearizability" (2017); https://github.com/anishathalye/porcupine
 * @module
 */
import { assert } from "@zab/core";
import { Bitset } from "./bitset.js";
import { EventList } from "./event-list.js";
import { type CacheBudget, LinearizationCache } from "./linearization-cache.js";
import type { Model } from "./model.js";
import type { Operation } from "./operation.js";

/**
 * How a {@link PartitionSearch} ended: `cache-full` means its cache could not grow within the
 * budget, so it gave up without a verdict.
 *
 * @internal
 * @since 0.1.0
 */
export type PartitionVerdict = "linearizable" | "not-linearizable" | "cache-full";

/**
 * The linearizability search over one independent part of a history.
 *
 * @internal
 * @since 0.1.0
 */
export class PartitionSearch<State, Input, Output> {
  readonly #model: Model<State, Input, Output>;
  readonly #operations: readonly Operation<Input, Output>[];
  readonly #events: EventList;
  readonly #linearized: Bitset;
  readonly #cache: LinearizationCache<State>;
  /**
   * The committed calls, with the state before each to backtrack to. Its depth is at most the
   * number of operations, since each is linearized at most once on the current path.
   */
  readonly #stackCalls: Int32Array;
  readonly #stackStates: State[] = [];
  #state: State;
  #node: number;

  /**
   * @param model - The sequential specification.
   * @param operations - This part of the history.
   * @param budget - Memory the search cache may reserve.
   * @throws RangeError if an operation's times are invalid.
   */
  constructor(
    model: Model<State, Input, Output>,
    operations: readonly Operation<Input, Output>[],
    budget: CacheBudget,
  ) {
    this.#model = model;
    this.#operations = operations;
    this.#events = new EventList(operations);
    this.#linearized = new Bitset(operations.length);
    this.#cache = new LinearizationCache({ bitsetWords: this.#linearized.words.length, budget, model });
    this.#stackCalls = new Int32Array(operations.length);
    this.#state = model.init();
    this.#node = this.#events.first();
  }

  /**
   * Advances the search by up to `stepsMax` steps (one step examines one event).
   *
   * @returns The verdict, or `undefined` if the search is not finished. After a verdict the
   *   cache's memory has been returned to the budget and the search must not be run again.
   */
  run(stepsMax: number): PartitionVerdict | undefined {
    const events = this.#events;
    for (let steps = 0; steps < stepsMax; steps += 1) {
      if (events.first() === -1) return this.#finish("linearizable");
      const node = this.#node;
      const returnNode = events.returnOf[node] ?? -1;
      if (returnNode === -1) {
        if (this.#stackStates.length === 0) return this.#finish("not-linearizable");
        this.#backtrack();
        continue;
      }
      const operationIndex = events.operationOf[node] ?? -1;
      const operation = this.#operations[operationIndex];
      assert(operation !== undefined, "every call node names an operation of the history");
      const next = this.#model.step(this.#state, operation.input, operation.output);
      if (next.ok) {
        this.#linearized.set(operationIndex);
        const added = this.#cache.add(this.#linearized, next.state);
        if (added === "added") {
          this.#stackCalls[this.#stackStates.length] = node;
          this.#stackStates.push(this.#state);
          this.#state = next.state;
          events.lift(node);
          this.#node = events.first();
          continue;
        }
        // Reached before, with nothing found from there (or no room to remember it).
        this.#linearized.clear(operationIndex);
        if (added === "full") return this.#finish("cache-full");
      }
      this.#node = events.next[node] ?? -1;
    }
    return undefined;
  }

  /** Undoes the last committed call and moves on to the event after it. */
  #backtrack(): void {
    const depth = this.#stackStates.length - 1;
    const node = this.#stackCalls[depth] ?? -1;
    // The stack is not empty, so pop returns a stored state (which may itself be undefined).
    this.#state = this.#stackStates.pop() as State;
    this.#linearized.clear(this.#events.operationOf[node] ?? -1);
    this.#events.unlift(node);
    this.#node = this.#events.next[node] ?? -1;
  }

  #finish(verdict: PartitionVerdict): PartitionVerdict {
    this.#cache.release();
    return verdict;
  }
}
