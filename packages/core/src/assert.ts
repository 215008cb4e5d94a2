/**
 * Assertions for invariants that only a programming error can break.
 *
 * An assertion failure means the process holds state it cannot trust, so it throws an
 * {@link AssertionError} that library code never catches: crashing beats replicating corrupt
 * state. Expected failures (a missing node, a bad frame from a peer) are {@link ZabError}s instead.
 *
 * @module
 */

/**
 * Thrown when an internal invariant does not hold. Never caught by zab itself.
 *
 * @since 0.1.0
 */
export class AssertionError extends Error {
  /** @param message - What invariant failed, in words a maintainer can act on. */
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

/**
 * Throws an {@link AssertionError} unless `condition` holds.
 *
 * @remarks
 * On hot paths, pass the message as a function: it is then built only when the check fails,
 * instead of formatting zxids on every call.
 * @param condition - The invariant.
 * @param message - Said when the invariant fails, or a function that builds it.
 * @throws {@link AssertionError} when `condition` is false.
 * @since 0.1.0
 */
export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new AssertionError(typeof message === "string" ? message : message());
}

/**
 * Marks a branch the type system proves unreachable, such as the `default` of an exhaustive
 * `switch` over a discriminated union.
 *
 * @param value - The value the compiler narrowed to `never`.
 * @throws {@link AssertionError} always: reaching it is a bug.
 * @since 0.1.0
 */
export function assertNever(value: never): never {
  throw new AssertionError(`unreachable: ${String(value)}`);
}
