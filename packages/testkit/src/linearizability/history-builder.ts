/**
 * Turns a log of per-client events (invoke, complete, outcome unknown) into operations with
 * call and return times, pairing each completion with its client's pending invocation, as
 * Jepsen histories and the parsers here need.
 *
 * @module
 */
import type { Operation } from "./operation.js";

/**
 * Options for a {@link HistoryBuilder}.
 *
 * @since 0.1.0
 */
export interface HistoryBuilderOptions {
  /** How many invocations the history may hold before {@link HistoryBuilder.invoke} throws. Default 1 000 000. */
  readonly operationsMax?: number;
}

interface Pending<Input> {
  readonly input: Input;
  readonly callTime: number;
}

const operationsMaxDefault = 1_000_000;

/**
 * Builds a history from events in the order they happened.
 *
 * @remarks
 * Each invocation and completion takes the next integer time (1, 2, …), so times record only
 * the order of events, which is all linearizability depends on. A client (process) has at most one pending operation: one
 * that invokes again while its previous operation is pending leaves that operation
 * indeterminate, as does {@link HistoryBuilder.markIndeterminate} and any operation still
 * pending at {@link HistoryBuilder.build}. Indeterminate operations return at `+∞` with an
 * unknown output.
 *
 * @example
 * ```ts
 * import { HistoryBuilder, type RegisterInput, type RegisterOutput } from "@zab/testkit";
 *
 * const builder = new HistoryBuilder<RegisterInput, RegisterOutput>();
 * builder.invoke(0, { kind: "write", value: 1 });
 * builder.invoke(1, { kind: "read" });
 * builder.complete(1, { kind: "read", value: 1 });
 * const history = builder.build(); // the write is indeterminate, the read returned 1
 * ```
 * @since 0.1.0
 */
export class HistoryBuilder<Input, Output> {
  readonly #operationsMax: number;
  readonly #pending = new Map<number, Pending<Input>>();
  readonly #operations: Operation<Input, Output>[] = [];
  #invocations = 0;
  #time = 0;

  /** @param options - Limits; see {@link HistoryBuilderOptions}. */
  constructor(options: HistoryBuilderOptions = {}) {
    this.#operationsMax = options.operationsMax ?? operationsMaxDefault;
  }

  /**
   * Records that a client invoked an operation.
   *
   * @param process - The client.
   * @param input - The operation and its arguments.
   * @throws RangeError if the history already holds `operationsMax` invocations.
   */
  invoke(process: number, input: Input): void {
    if (this.#invocations === this.#operationsMax) {
      throw new RangeError(`history has more than ${this.#operationsMax} operations (operationsMax)`);
    }
    this.#invocations += 1;
    this.markIndeterminate(process);
    this.#pending.set(process, { input, callTime: this.#tick() });
  }

  /**
   * The client's pending operation, so a caller can check that a completion matches it.
   *
   * @param process - The client.
   * @returns Its pending input, or `undefined` when it has none.
   */
  pendingInput(process: number): Input | undefined {
    return this.#pending.get(process)?.input;
  }

  /**
   * Records that a client's pending operation returned.
   *
   * @param process - The client.
   * @param output - What it returned, or `undefined` when it returned but the result is
   *   unknown (e.g. a read that timed out: it happened, if at all, before now).
   * @throws RangeError if the client has no pending operation.
   */
  complete(process: number, output: Output | undefined): void {
    const pending = this.#pending.get(process);
    if (pending === undefined) throw new RangeError(`process ${process} has no pending operation`);
    this.#pending.delete(process);
    this.#operations.push({
      process,
      input: pending.input,
      output,
      callTime: pending.callTime,
      returnTime: this.#tick(),
    });
  }

  /**
   * Records that a client's pending operation has an unknown outcome (Jepsen `:info`): it may
   * take effect at any later time, or never. Does nothing if the client has none pending.
   *
   * @param process - The client.
   */
  markIndeterminate(process: number): void {
    const pending = this.#pending.get(process);
    if (pending === undefined) return;
    this.#pending.delete(process);
    this.#operations.push(indeterminate(process, pending));
  }

  /**
   * @returns The history so far, sorted by call time, with still-pending operations as
   *   indeterminate; a new array each call, and the builder stays usable.
   */
  build(): Operation<Input, Output>[] {
    const operations = [...this.#operations];
    for (const [process, pending] of this.#pending) operations.push(indeterminate(process, pending));
    return operations.sort((a, b) => a.callTime - b.callTime);
  }

  #tick(): number {
    this.#time += 1;
    return this.#time;
  }
}

function indeterminate<Input, Output>(process: number, pending: Pending<Input>): Operation<Input, Output> {
  return {
    process,
    input: pending.input,
    output: undefined,
    callTime: pending.callTime,
    returnTime: Number.POSITIVE_INFINITY,
  };
}
