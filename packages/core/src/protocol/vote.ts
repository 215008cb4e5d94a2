/**
 * Election votes and their total order.
 *
 * @module
 */
import type { Epoch, ServerId } from "./ids.js";
import type { Zxid } from "./zxid.js";

/**
 * A proposal for who should lead: the candidate with its last logged zxid and current epoch.
 *
 * @remarks
 * The zxid and epoch describe the candidate's history, not the voter's: a member that adopts a
 * better vote copies all three fields, so members that agree hold equal votes. Compare votes with
 * {@link isBetterVote} and {@link isSameVote}.
 * @since 0.1.0
 */
export interface Vote {
  /** The candidate: the voter that should lead. */
  readonly leader: ServerId;
  /** The candidate's last logged zxid, durable or not: the second key of the vote order. */
  readonly zxid: Zxid;
  /**
   * The candidate's current epoch: the first key of the vote order. A candidate with a higher
   * current epoch completed synchronization with a later leader, so its history is preferred even
   * over a longer log kept under an older current epoch.
   */
  readonly peerEpoch: Epoch;
}

/**
 * ZooKeeper's `totalOrderPredicate`: whether `candidate` beats `current`.
 *
 * @remarks
 * A higher peer epoch wins, then a higher zxid, then a higher server id. Electing the member with
 * the most recent history means the new leader holds every transaction a quorum acknowledged.
 * @param candidate - The vote that might be better.
 * @param current - The vote held now.
 * @returns `true` when `candidate` is strictly better.
 * @since 0.1.0
 */
export function isBetterVote(candidate: Vote, current: Vote): boolean {
  if (candidate.peerEpoch !== current.peerEpoch) return candidate.peerEpoch > current.peerEpoch;
  if (candidate.zxid !== current.zxid) return candidate.zxid > current.zxid;
  return candidate.leader > current.leader;
}

/**
 * Whether two votes name the same candidate with the same history.
 *
 * @param a - One vote.
 * @param b - The other.
 * @returns `true` when leader, zxid and peer epoch all match.
 * @since 0.1.0
 */
export function isSameVote(a: Vote, b: Vote): boolean {
  return a.leader === b.leader && a.zxid === b.zxid && a.peerEpoch === b.peerEpoch;
}
