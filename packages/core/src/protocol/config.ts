/**
 * Settings of the ZAB state machine. Every timeout is a number of ticks: the runtime turns
 * milliseconds into ticks once, so the protocol never reads a clock.
 *
 * @module
 */
import { assert } from "../assert.js";
import { ZabError } from "../errors.js";
import { type ServerId, UINT32_MAX } from "./ids.js";

/**
 * Settings of one ensemble member's protocol state machine.
 *
 * @since 0.1.0
 */
export interface ZabConfig {
  /** This member's id. */
  readonly id: ServerId;
  /** The voting members, this one included when it votes. */
  readonly voters: readonly ServerId[];
  /** Non-voting members that receive committed transactions (may include this one). */
  readonly observers?: readonly ServerId[];
  /**
   * Ticks a leader waits for a quorum to finish discovery and synchronization, and a learner
   * waits to be synchronized (ZooKeeper's `initLimit`). Default 10.
   */
  readonly initLimitTicks?: number;
  /**
   * Ticks without hearing from the other side after which a leader drops a learner (and steps
   * down without a quorum) and a learner abandons its leader (ZooKeeper's `syncLimit`). Default 5.
   */
  readonly syncLimitTicks?: number;
  /** Ticks an election waits for a better vote once a quorum agrees. Default 1. */
  readonly finalizeWaitTicks?: number;
  /** First interval, in ticks, between resends of an election notification. Default 1. */
  readonly notificationTicksMin?: number;
  /** Cap on the exponential backoff of notification resends, in ticks. Default 32. */
  readonly notificationTicksMax?: number;
  /** Ticks between the leader's pings to each learner. Default 1. */
  readonly pingIntervalTicks?: number;
  /**
   * Ticks between the leader's digests: the first ping after this many ticks carries the
   * leader's applied zxid and state machine digest, for learners to compare with theirs (only
   * when the state machine has {@link StateMachine.digest}). Default 10, half a second at the
   * runtime's default 50 ms tick: a diverged replica is reported within about a second, at the
   * cost of 16 more bytes in one ping of ten.
   */
  readonly digestIntervalTicks?: number;
  /**
   * How many of its latest applied digests a learner remembers, to compare with a leader digest
   * that arrives after it applied further (when the leader's own disk lags its followers'). A
   * leader digest older than that is skipped, not compared. Default 1,000.
   */
  readonly recentDigestsMax?: number;
  /** Uncommitted proposals beyond which the leader refuses new ones (`Throttled`). Default 10,000. */
  readonly pendingProposalsMax?: number;
  /** Committed transactions kept in memory to sync a lagging learner by DIFF. Default 10,000. */
  readonly syncDiffTxnsMax?: number;
  /** Bytes per SNAP chunk. Default 512 KiB. */
  readonly snapshotChunkBytes?: number;
  /** Largest snapshot a learner accepts from a leader. Default 1 GiB. */
  readonly snapshotBytesMax?: number;
  /**
   * The highest zxid counter a leader uses before it steps down so that a new epoch starts
   * (ZOOKEEPER-1277: the counter must never wrap). Default 2^32 - 1.
   */
  readonly zxidCounterMax?: number;
}

/**
 * A {@link ZabConfig} with every default filled in and every relationship checked.
 *
 * @since 0.1.0
 */
export type ResolvedZabConfig = Required<ZabConfig>;

/**
 * Fills in defaults and checks a {@link ZabConfig}.
 *
 * @param config - The settings.
 * @returns The settings with every field present.
 * @throws {@link ZabError} with code `"Invalid"` for a setting out of range or inconsistent
 * membership (this member in neither list, or in both).
 * @since 0.1.0
 */
export function resolveZabConfig(config: ZabConfig): ResolvedZabConfig {
  const resolved: ResolvedZabConfig = {
    observers: [],
    initLimitTicks: 10,
    syncLimitTicks: 5,
    finalizeWaitTicks: 1,
    notificationTicksMin: 1,
    notificationTicksMax: 32,
    pingIntervalTicks: 1,
    digestIntervalTicks: 10,
    recentDigestsMax: 1_000,
    pendingProposalsMax: 10_000,
    syncDiffTxnsMax: 10_000,
    snapshotChunkBytes: 512 * 1024,
    snapshotBytesMax: 1024 * 1024 * 1024,
    zxidCounterMax: UINT32_MAX,
    ...config,
  };
  const positive: (keyof ResolvedZabConfig)[] = [
    "initLimitTicks",
    "syncLimitTicks",
    "notificationTicksMin",
    "notificationTicksMax",
    "pingIntervalTicks",
    "digestIntervalTicks",
    "recentDigestsMax",
    "pendingProposalsMax",
    "syncDiffTxnsMax",
    "snapshotChunkBytes",
    "snapshotBytesMax",
    "zxidCounterMax",
  ];
  for (const key of positive) {
    const value = resolved[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw new ZabError("Invalid", `${key} must be a positive integer, got ${String(value)}`);
    }
  }
  if (!Number.isInteger(resolved.finalizeWaitTicks) || resolved.finalizeWaitTicks < 0) {
    throw new ZabError("Invalid", `finalizeWaitTicks must be a non-negative integer`);
  }
  if (resolved.zxidCounterMax > UINT32_MAX) {
    throw new ZabError("Invalid", `zxidCounterMax must be at most 2^32-1`);
  }
  if (resolved.notificationTicksMax < resolved.notificationTicksMin) {
    throw new ZabError("Invalid", `notificationTicksMax must be at least notificationTicksMin`);
  }
  if (resolved.pingIntervalTicks >= resolved.syncLimitTicks) {
    throw new ZabError(
      "Invalid",
      `pingIntervalTicks must be below syncLimitTicks, or every learner times out`,
    );
  }
  const isVoter = resolved.voters.includes(resolved.id);
  const isObserver = resolved.observers.includes(resolved.id);
  if (isVoter === isObserver) {
    throw new ZabError("Invalid", `member ${resolved.id} must be exactly one of the voters or the observers`);
  }
  for (const observer of resolved.observers) {
    if (resolved.voters.includes(observer)) {
      throw new ZabError("Invalid", `member ${observer} cannot be both a voter and an observer`);
    }
  }
  assert(resolved.syncLimitTicks > 0, "syncLimitTicks is positive");
  return resolved;
}
