/**
 * The call and return events of a history in one doubly linked list, sorted by time, stored as
 * typed arrays of node indexes. The search walks it from the front; linearizing an operation
 * unlinks its call and return ("lift"), and backtracking relinks them in place ("unlift"),
 * Knuth's dancing links, so neither allocates.
 *
 * @module
 */
import type { Operation } from "./operation.js";

/** The null link. */
const noNode = -1;

/**
 * The time-ordered call/return list of one (sub-)history.
 *
 * @remarks
 * Node 0 is a head sentinel; nodes `1 … 2n` are the events. Events are ordered by time; at equal
 * times calls come before returns (so touching operations count as concurrent) and ties are
 * otherwise broken by operation index, which keeps the search deterministic.
 *
 * @internal
 * @since 0.1.0
 */
export class EventList {
  /** The next node, or -1 after the last. */
  readonly next: Int32Array;
  /** The previous node, or -1 before the sentinel. */
  readonly previous: Int32Array;
  /** For a call node, the node of its return; -1 for a return node and the sentinel. */
  readonly returnOf: Int32Array;
  /** For a call node, the index of its operation in the history. */
  readonly operationOf: Int32Array;

  /**
   * @param operations - The history; `callTime ≤ returnTime` for each.
   * @throws RangeError if an operation's times are NaN, its call time is not finite, or it
   *   returns before it is called.
   */
  constructor(operations: readonly Pick<Operation<unknown, unknown>, "callTime" | "returnTime">[]) {
    const times = new Float64Array(operations.length * 2);
    operations.forEach((operation, index) => {
      const { callTime, returnTime } = operation;
      if (!Number.isFinite(callTime) || Number.isNaN(returnTime) || returnTime < callTime) {
        throw new RangeError(`operation ${index} has invalid times: call ${callTime}, return ${returnTime}`);
      }
      times[index * 2] = callTime;
      times[index * 2 + 1] = returnTime;
    });
    // Event 2i is operation i's call and 2i + 1 its return, so comparing event numbers orders
    // calls before returns and then by operation, as the class remarks require. Two returns at
    // +∞ subtract to NaN, which is falsy, so they fall through to those tie-breaks too.
    const events = Int32Array.from(times.keys()).sort(
      (a, b) => (times[a] ?? 0) - (times[b] ?? 0) || (a & 1) - (b & 1) || a - b,
    );
    const nodes = events.length + 1;
    this.next = new Int32Array(nodes);
    this.previous = new Int32Array(nodes);
    this.returnOf = new Int32Array(nodes).fill(noNode);
    this.operationOf = new Int32Array(nodes).fill(noNode);
    const nodeOfEvent = new Int32Array(events.length);
    events.forEach((event, position) => {
      nodeOfEvent[event] = position + 1;
    });
    for (let node = 0; node < nodes; node += 1) {
      this.previous[node] = node - 1;
      this.next[node] = node + 1 < nodes ? node + 1 : noNode;
      const event = events[node - 1];
      if (event !== undefined && (event & 1) === 0) {
        this.operationOf[node] = event >> 1;
        this.returnOf[node] = nodeOfEvent[event + 1] ?? noNode;
      }
    }
  }

  /** @returns The first event node, or -1 when every operation has been lifted. */
  first(): number {
    return this.next[0] ?? noNode;
  }

  /** Unlinks a call node and its return node. */
  lift(call: number): void {
    this.#unlink(call);
    this.#unlink(this.returnOf[call] ?? noNode);
  }

  /** Relinks what {@link EventList.lift} unlinked; calls must be unlifted in reverse order. */
  unlift(call: number): void {
    this.#relink(this.returnOf[call] ?? noNode);
    this.#relink(call);
  }

  // A lifted node keeps its own links, so relinking needs nothing but them. The sentinel means
  // every event has a previous node; only the last node has no next one.
  #unlink(node: number): void {
    const previous = this.previous[node] ?? noNode;
    const next = this.next[node] ?? noNode;
    this.next[previous] = next;
    if (next !== noNode) this.previous[next] = previous;
  }

  #relink(node: number): void {
    const previous = this.previous[node] ?? noNode;
    const next = this.next[node] ?? noNode;
    this.next[previous] = node;
    if (next !== noNode) this.previous[next] = node;
  }
}
