/**
 * The epoch store port: the two durable epochs of ZAB (TigerBeetle's superblock, hashicorp's
 * StableStore).
 *
 * @module
 */
import type { Epoch } from "../protocol/ids.js";

/**
 * Durable `acceptedEpoch` and `currentEpoch` of one member.
 *
 * @remarks
 * Ordering and durability contract:
 *
 * - Each write is durable when its promise resolves, and crash-safe: after a crash the stored
 *   value is the old one or the new one, never a mix. The getters return the last value whose
 *   write resolved (the value recovered at start-up before any).
 * - Writes run one at a time in call order, so an `acceptedEpoch` written before a
 *   `currentEpoch` is durable first. ZAB needs exactly that: a learner persists `acceptedEpoch`
 *   before sending ACKEPOCH, and sets `currentEpoch` only after the synchronized history is
 *   durable and before it ACKs NEWLEADER (ZOOKEEPER-1264/1282/4643).
 * - Neither epoch ever decreases, and `acceptedEpoch >= currentEpoch` always: a write that breaks
 *   either is a programming error (an assertion), checked against the last value requested.
 *
 * Start-up rule for bad epoch state, one per file, applied by both implementations before anything
 * is repaired (the file store keeps each epoch in a file of that name holding decimal text, like
 * ZooKeeper; a write goes to `<name>.tmp`, is fdatasynced, renamed over `<name>` and the directory
 * fsynced):
 *
 * 1. A leftover `<name>.tmp` that parses as an epoch is a write interrupted before or after its
 *    rename: the value is the larger of the file's and the tmp's; the file is rewritten with it
 *    crash-safely and the tmp removed (ZOOKEEPER-4269). A tmp that does not parse is a torn
 *    write: it is removed and the file is used.
 * 2. A file that exists but does not parse (empty, not a decimal integer, above 2^32 - 1): start-up
 *    fails with {@link ZabError} code `"Corrupt"` naming the file. It never defaults to 0.
 * 3. A missing file (and no usable tmp) means 0 only for a brand-new member, whose directory holds
 *    no log record and no snapshot; the file is then written. Otherwise start-up fails with code
 *    `"Corrupt"`: a member with history that lost its epochs must not vote as if it had none.
 * 4. `acceptedEpoch < currentEpoch` fails start-up with code `"Corrupt"`.
 *
 * `currentEpoch` below the epoch of the last logged zxid is legal (a learner that crashed after
 * logging a DIFF but before writing `currentEpoch`, ZOOKEEPER-1653): start-up reports both values
 * and does not refuse.
 *
 * Failure model: as for {@link TxnLog}, an I/O error fails the whole storage (code
 * `"StorageFailed"`); the getters keep returning the last durable values.
 * @see {@link https://issues.apache.org/jira/browse/ZOOKEEPER-4269 | ZOOKEEPER-4269}
 * @since 0.1.0
 */
export interface EpochStore {
  /** The last epoch this member accepted from a prospective leader (LEADERINFO). */
  readonly acceptedEpoch: Epoch;
  /** The epoch of the last leader this member fully synchronized with (NEWLEADER). */
  readonly currentEpoch: Epoch;

  /**
   * Durably records a newly accepted epoch. Resolve it before sending ACKEPOCH.
   *
   * @param epoch - At or above the last `acceptedEpoch` requested.
   * @throws {@link AssertionError} when `epoch` would decrease `acceptedEpoch`.
   * @throws {@link ZabError} with code `"StorageFailed"` or `"Closed"`.
   */
  writeAcceptedEpoch(epoch: Epoch): Promise<void>;

  /**
   * Durably records the current epoch. Resolve it before ACKing NEWLEADER, and only once the
   * synchronized history is durable.
   *
   * @param epoch - At or above the last `currentEpoch` requested, at or below `acceptedEpoch`.
   * @throws {@link AssertionError} when `epoch` would decrease `currentEpoch` or exceed
   *   `acceptedEpoch`.
   * @throws {@link ZabError} with code `"StorageFailed"` or `"Closed"`.
   */
  writeCurrentEpoch(epoch: Epoch): Promise<void>;
}
