/**
 * Fencing tokens: what a lock holder hands the resource it protects, so that the resource can
 * refuse a holder whose lock has since passed to someone else (Kleppmann, "How to do distributed
 * locking"; Junqueira, "Note on fencing and distributed locks").
 *
 * @module
 */
import { ZabError, type Zxid } from "@zab/core";

/**
 * A fencing token: the zxid of the transaction that created the holder's node (its `czxid`).
 *
 * @remarks
 * Zxids only grow over the life of an ensemble (epoch in the high 32 bits, counter in the low),
 * and a holder's node is created after the node of every holder before it (the queue is ordered
 * by creation), so the tokens of successive holders of one lock strictly increase — across
 * leader changes, restarts and session expiries. Compare them as bigints; send them as decimal
 * strings (`token.toString()`, `BigInt(text)`).
 * @since 0.1.0
 */
export type FencingToken = Zxid;

/**
 * The resource's side of fencing: remembers the highest token it has seen and refuses any lower
 * one.
 *
 * @remarks
 * Put one in front of each protected resource (a file, a row, an external API), and check every
 * write's token in the same atomic step as the write: a holder paused past its session timeout,
 * whose lock went to another client meanwhile, then carries a lower token than the one the new
 * holder already used, and its write is refused. A token equal to the highest is admitted, so
 * one holder may write many times. The gate only helps if every writer goes through it; for data
 * kept in zab itself, {@link Lease.fenceOp} is the same guarantee without a gate.
 * @example
 * ```ts
 * import { FencingGate, type Lease } from "@zab/recipe-lock";
 *
 * const gate = new FencingGate();
 * const store = new Map<string, string>();
 * function write(lease: Lease, key: string, value: string): void {
 *   gate.check(lease.fencingToken); // throws when a later holder already wrote
 *   store.set(key, value);
 * }
 * ```
 * @since 0.1.0
 */
export class FencingGate {
  #highest: FencingToken | undefined;

  /** The highest token admitted so far, or `undefined` before the first. */
  get highest(): FencingToken | undefined {
    return this.#highest;
  }

  /**
   * Admits `token` if it is not lower than any token admitted before, and remembers it.
   *
   * @param token - The writer's fencing token.
   * @returns `true` when admitted; `false` when a later holder has already been admitted.
   */
  admit(token: FencingToken): boolean {
    if (this.#highest !== undefined && token < this.#highest) return false;
    this.#highest = token;
    return true;
  }

  /**
   * Like {@link FencingGate.admit}, but throws on a stale token.
   *
   * @param token - The writer's fencing token.
   * @throws {@link @zab/core!ZabError} with code `"BadVersion"` when a later holder has already been admitted.
   */
  check(token: FencingToken): void {
    if (!this.admit(token)) {
      throw new ZabError(
        "BadVersion",
        `stale fencing token ${token}: a later holder (token ${this.#highest}) has already written`,
      );
    }
  }
}
