/**
 * The storage port: a member's whole durable state, and what start-up recovery found in it.
 *
 * @module
 */
import type { Epoch } from "../protocol/ids.js";
import type { Zxid } from "../protocol/zxid.js";
import type { EpochStore } from "./epoch-store.js";
import type { SkippedSnapshot, Snapshot, SnapshotStore } from "./snapshot-store.js";
import type { TxnLog } from "./txn-log.js";

/**
 * What {@link Storage.purge} deleted and kept.
 *
 * @since 0.1.0
 */
export interface PurgeResult {
  /** The zxids of the snapshots kept, in increasing order. */
  readonly snapshotsKept: readonly Zxid[];
  /** The log's {@link TxnLog.baseZxid} after the purge. */
  readonly logBaseZxid: Zxid;
}

/**
 * A member's durable state: transaction log, snapshots and epochs, opened together under one
 * directory lock.
 *
 * @remarks
 * The three parts share one fail-stop state: an I/O error in any of them fails all of them (code
 * `"StorageFailed"`), because a member that cannot trust its disk must stop rather than
 * acknowledge anything more. The driver then stops the member; a restart runs recovery again.
 * @since 0.1.0
 */
export interface Storage extends AsyncDisposable {
  /** The transaction log. */
  readonly log: TxnLog;
  /** The snapshots. */
  readonly snapshots: SnapshotStore;
  /** `acceptedEpoch` and `currentEpoch`. */
  readonly epochs: EpochStore;

  /**
   * Installs a leader's snapshot (SNAP) crash-safely: truncates the log after `snapshot.zxid`,
   * saves the snapshot, then {@link TxnLog.rebase | rebases} the log onto it.
   *
   * @remarks
   * A crash between any two steps leaves a state start-up accepts: before the save, the member's
   * own (truncated) history; after it, the snapshot, and start-up finishes the rebase itself.
   * Resolve it before ACKing NEWLEADER.
   * @param snapshot - The leader's snapshot; its zxid at or above {@link TxnLog.baseZxid}.
   * @throws {@link AssertionError} when the snapshot is older than the log's base.
   * @throws {@link ZabError} with code `"StorageFailed"` or `"Closed"`.
   */
  installSnapshot(snapshot: Snapshot): Promise<void>;

  /**
   * Applies retention: keeps the newest `snapshotsRetained` snapshots and drops the log records
   * that only older snapshots needed. Call it after taking a snapshot.
   *
   * @returns What was kept.
   * @throws {@link ZabError} with code `"StorageFailed"` or `"Closed"`.
   */
  purge(): Promise<PurgeResult>;

  /**
   * Waits for pending writes, releases files and the directory lock. Records appended but never
   * synced are dropped. Idempotent; also run by `await using`.
   */
  close(): Promise<void>;
}

/**
 * One thing start-up recovery repaired or noticed, for the operator's log; `kind` says which.
 *
 * @since 0.1.0
 */
export type RecoveryEvent =
  | {
      /** The lock file named a process that no longer runs (it was killed): taken over. */
      readonly kind: "lockTakenOver";
      /** The lock file. */
      readonly file: string;
      /** The dead holder's PID, `undefined` when the lock file did not hold a number. */
      readonly pid: number | undefined;
    }
  | {
      /** The final record of the last log segment was torn by a crash and cut. */
      readonly kind: "tornTailCut";
      /** The last log segment. */
      readonly file: string;
      /** Where the torn record started: the file's new size. */
      readonly offset: number;
      /** How many bytes were cut. */
      readonly bytesRemoved: number;
      /** Whether the whole file was torn (header included) and removed. */
      readonly fileRemoved: boolean;
    }
  | {
      /** Segments left behind by an interrupted {@link TxnLog.rebase} were removed. */
      readonly kind: "staleSegmentsRemoved";
      /** The segments removed. */
      readonly files: readonly string[];
    }
  | {
      /**
       * The newest snapshot is beyond the log's end (an interrupted {@link
       * Storage.installSnapshot}), so the log was restarted after it.
       */
      readonly kind: "logRebased";
      /** The snapshot's zxid, now the log's base. */
      readonly zxid: Zxid;
    }
  | {
      /**
       * A valid leftover `<file>.tmp`: the epoch is the larger value (ZOOKEEPER-4269), the file
       * rewritten.
       */
      readonly kind: "epochTmpApplied";
      /** The epoch file. */
      readonly file: string;
      /** What the file held, `undefined` when it was missing. */
      readonly fileValue: Epoch | undefined;
      /** What the tmp held. */
      readonly tmpValue: Epoch;
      /** The epoch now: the larger of the two. */
      readonly value: Epoch;
    }
  | {
      /** A torn leftover `<file>.tmp` that did not parse was removed. */
      readonly kind: "epochTmpDiscarded";
      /** The torn tmp file removed. */
      readonly file: string;
    }
  | {
      /** A brand-new member's missing epoch file was written as 0. */
      readonly kind: "epochInitialized";
      /** The epoch file written as 0. */
      readonly file: string;
    }
  | {
      /** A leftover temporary file of an interrupted crash-safe write was removed. */
      readonly kind: "tempFileRemoved";
      /** The leftover removed. */
      readonly file: string;
    };

/**
 * What start-up recovery found: where to resume from, and everything it repaired.
 *
 * @remarks
 * To rebuild the state: load {@link StorageRecovery.snapshot} (or start empty when it is
 * `undefined`), then apply `log.read({ fromExclusive: snapshot?.zxid ?? ZXID_ZERO })` in order.
 * Only committed transactions may be applied to the data tree (ZOOKEEPER-1549): the log's tail
 * may hold proposals that were never committed.
 * @since 0.1.0
 */
export interface StorageRecovery {
  /** Nothing was stored: a new member. It must not vote as if its empty state were authoritative. */
  readonly brandNew: boolean;
  /** The newest valid snapshot (its data belongs to the caller), or `undefined` for none. */
  readonly snapshot: Snapshot | undefined;
  /** Newer snapshots passed over as corrupt, newest first. */
  readonly snapshotsSkipped: readonly SkippedSnapshot[];
  /** The log's last zxid after recovery: ZAB's `lastLoggedZxid`. */
  readonly lastLoggedZxid: Zxid;
  /** The recovered `acceptedEpoch`. */
  readonly acceptedEpoch: Epoch;
  /**
   * The recovered `currentEpoch`. It may be below the epoch of {@link StorageRecovery.lastLoggedZxid}
   * (a learner that crashed after logging a DIFF, before writing it, ZOOKEEPER-1653): legal.
   */
  readonly currentEpoch: Epoch;
  /** Everything recovery repaired, in the order it did. */
  readonly events: readonly RecoveryEvent[];
}

/**
 * An opened storage and the report of the recovery that opened it.
 *
 * @typeParam S - The storage type, which may offer more than {@link Storage}.
 * @since 0.1.0
 */
export interface OpenedStorage<S extends Storage = Storage> {
  /** The storage, ready for use. */
  readonly storage: S;
  /** What recovery found and repaired. */
  readonly recovery: StorageRecovery;
}
