/**
 * A count-down latch's state as stored in its node, and the pure decision of one count-down.
 *
 * @module
 */
import { ZabError } from "@zab/core";

/**
 * A latch's state: the count it was created with and how many count-downs remain.
 *
 * @internal
 */
export interface LatchState {
  /** The count the latch was created with. */
  readonly count: number;
  /** Count-downs still needed; 0 once open. */
  readonly remaining: number;
}

/**
 * Encodes a latch's state as its node's data (JSON).
 *
 * @param state - The state.
 * @returns The bytes.
 * @internal
 */
export function encodeLatchState(state: LatchState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ count: state.count, remaining: state.remaining }));
}

/**
 * Decodes a latch node's data.
 *
 * @param data - The node's data.
 * @param path - The node, for the message.
 * @returns The state.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` when the node does not hold a latch's state.
 * @internal
 */
export function decodeLatchState(data: Uint8Array, path: string): LatchState {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(data));
  } catch (error) {
    throw new ZabError("Invalid", `${path} is not a count-down latch`, { cause: error, path });
  }
  if (typeof value === "object" && value !== null && "count" in value && "remaining" in value) {
    const { count, remaining } = value;
    if (
      typeof count === "number" &&
      typeof remaining === "number" &&
      Number.isSafeInteger(count) &&
      Number.isSafeInteger(remaining) &&
      count >= 1 &&
      remaining >= 0 &&
      remaining <= count
    ) {
      return { count, remaining };
    }
  }
  throw new ZabError("Invalid", `${path} is not a count-down latch`, { path });
}

/**
 * What one count-down does: nothing (`open`: the latch is open already), refuse (`mismatch`: the
 * latch at the path was created with another count), or `decrement` to `next`, which `opens` the
 * latch when it reaches zero.
 *
 * @internal
 */
export type CountDownDecision =
  | { readonly kind: "open" }
  | { readonly kind: "mismatch"; readonly stored: number }
  | { readonly kind: "decrement"; readonly next: LatchState; readonly opens: boolean };

/**
 * Decides one count-down.
 *
 * @param state - The state read.
 * @param count - The count the caller's handle was created with.
 * @returns The decision.
 * @internal
 */
export function decideCountDown(state: LatchState, count: number): CountDownDecision {
  if (state.count !== count) return { kind: "mismatch", stored: state.count };
  if (state.remaining === 0) return { kind: "open" };
  const next = { count, remaining: state.remaining - 1 };
  return { kind: "decrement", next, opens: next.remaining === 0 };
}
