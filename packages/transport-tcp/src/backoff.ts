/**
 * Capped exponential backoff with jitter, for redialing a member that is down.
 *
 * @module
 */

/**
 * The delays between attempts to reach one member.
 *
 * @remarks
 * The n-th delay in a row is drawn uniformly from the upper half of `min · 2^n`, capped at
 * `max`: exponential so a member that is down is not hammered, capped so one that comes back is
 * found soon, jittered so members that lost the same peer do not redial it in lockstep.
 * @since 0.1.0
 * @internal
 */
export class Backoff {
  readonly #minMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  #failures = 0;

  /**
   * @param minMs - The first delay's ceiling.
   * @param maxMs - The largest delay.
   * @param random - A source of floats in [0, 1); the transport uses `Math.random` (jitter needs
   *   no reproducibility), tests pass their own.
   */
  constructor(minMs: number, maxMs: number, random: () => number) {
    this.#minMs = minMs;
    this.#maxMs = maxMs;
    this.#random = random;
  }

  /**
   * Records a failed attempt.
   *
   * @returns How long to wait before the next attempt, in milliseconds.
   */
  fail(): number {
    // 2^30 · min already exceeds any sane cap; stop counting there so the power never overflows.
    const ceiling = Math.min(this.#maxMs, this.#minMs * 2 ** Math.min(this.#failures, 30));
    this.#failures += 1;
    return ceiling / 2 + this.#random() * (ceiling / 2);
  }

  /** Records a success: the next failure starts from the smallest delay again. */
  reset(): void {
    this.#failures = 0;
  }
}
