/**
 * The bounds on the data tree: path and data sizes, children per node, and the size of a multi.
 *
 * Most are checked by {@link validateTreeOp} on the member that receives a request, before it is
 * proposed, so that the leader never proposes a transaction a follower cannot decode (the
 * `jute.maxbuffer` class of failures, ZOOKEEPER-2939/2940). One, `childrenPerNodeMax`, depends on
 * committed state and is enforced when a transaction is applied; that makes it part of the
 * replicated state machine, so it must be the same on every member.
 *
 * @module
 */
import { assert } from "../assert.js";

/**
 * The data tree's limits.
 *
 * @since 0.1.0
 */
export interface TreeLimits {
  /**
   * The largest path, in UTF-8 bytes, a sequential node's 10-digit suffix included.
   * Default 4096 (Linux's `PATH_MAX`).
   */
  readonly pathBytesMax: number;
  /**
   * The largest data a node may hold, in bytes. Default 1 MiB, ZooKeeper's `jute.maxbuffer`
   * default, which ZooKeeper users already design for.
   */
  readonly nodeDataBytesMax: number;
  /**
   * The most children a node may have. Default 100,000.
   *
   * @remarks
   * Enforced when a create is applied, as the deterministic error `Invalid`, so **every member
   * must use the same value**. The default keeps a `getChildren` reply of typical names (a prefix
   * and a 10-digit counter) well inside the default 4 MiB frame; a parent with a million
   * children is the classic way to make a ZooKeeper `getChildren` unanswerable.
   */
  readonly childrenPerNodeMax: number;
  /** The most operations one multi may hold. Default 1000. */
  readonly multiOpsMax: number;
  /**
   * The most path and data bytes, summed over its operations, one multi may carry. Default 3 MiB,
   * which leaves room for the per-operation fields inside the default 4 MiB frame that carries
   * the proposal.
   */
  readonly multiBytesMax: number;
}

/**
 * The default {@link TreeLimits}.
 *
 * @since 0.1.0
 */
export const TREE_LIMITS_DEFAULT: TreeLimits = Object.freeze({
  pathBytesMax: 4096,
  nodeDataBytesMax: 1024 * 1024,
  childrenPerNodeMax: 100_000,
  multiOpsMax: 1000,
  multiBytesMax: 3 * 1024 * 1024,
});

/**
 * Completes and checks a set of limits.
 *
 * @param overrides - The limits to change from {@link TREE_LIMITS_DEFAULT}.
 * @returns Every limit, frozen.
 * @throws {@link AssertionError} when a limit is not a positive safe integer, or a single
 *   operation of the largest path and data would not fit in a multi (`pathBytesMax +
 *   nodeDataBytesMax > multiBytesMax`): limits are configuration, checked once at startup.
 * @example
 * ```ts
 * import { treeLimits } from "@zab/core";
 * const limits = treeLimits({ nodeDataBytesMax: 64 * 1024 });
 * ```
 * @since 0.1.0
 */
export function treeLimits(overrides?: Partial<TreeLimits>): TreeLimits {
  const limits: TreeLimits = { ...TREE_LIMITS_DEFAULT, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    assert(
      Number.isSafeInteger(value) && value > 0,
      `tree limit ${name} must be a positive integer: ${value}`,
    );
  }
  assert(
    limits.pathBytesMax + limits.nodeDataBytesMax <= limits.multiBytesMax,
    `multiBytesMax ${limits.multiBytesMax} cannot hold one operation of pathBytesMax ${limits.pathBytesMax} and nodeDataBytesMax ${limits.nodeDataBytesMax}`,
  );
  return Object.freeze(limits);
}
