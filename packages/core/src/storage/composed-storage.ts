/**
 * The {@link Storage} aggregate both storages return: the multi-step operations (snapshot
 * install, retention) written once, over the three ports.
 *
 * @internal
 * @module
 */
import { assert } from "../assert.js";
import type { EpochStore } from "../ports/epoch-store.js";
import type { Snapshot, SnapshotStore } from "../ports/snapshot-store.js";
import type { PurgeResult, Storage } from "../ports/storage.js";
import type { TxnLog } from "../ports/txn-log.js";
import { formatZxid } from "../protocol/zxid.js";
import type { FailStop } from "./fail-stop.js";

/**
 * Log, snapshots and epochs under one fail-stop state and one close.
 *
 * @internal
 */
export class ComposedStorage implements Storage {
  readonly log: TxnLog;
  readonly snapshots: SnapshotStore;
  readonly epochs: EpochStore;
  readonly #snapshotsRetained: number;
  readonly #failStop: FailStop;
  readonly #release: () => Promise<void>;
  #closing: Promise<void> | undefined;

  /**
   * @param parts - The three ports, the retention count, the shared fail-stop state, and
   *   `release`, which waits for the I/O in flight and frees the resources (files, lock).
   */
  constructor(parts: {
    readonly log: TxnLog;
    readonly snapshots: SnapshotStore;
    readonly epochs: EpochStore;
    readonly snapshotsRetained: number;
    readonly failStop: FailStop;
    readonly release: () => Promise<void>;
  }) {
    this.log = parts.log;
    this.snapshots = parts.snapshots;
    this.epochs = parts.epochs;
    this.#snapshotsRetained = parts.snapshotsRetained;
    this.#failStop = parts.failStop;
    this.#release = parts.release;
  }

  async installSnapshot(snapshot: Snapshot): Promise<void> {
    assert(
      snapshot.zxid >= this.log.baseZxid(),
      `installSnapshot: snapshot ${formatZxid(snapshot.zxid)} is older than the log's base ${formatZxid(this.log.baseZxid())}`,
    );
    // 1. Drop local records past the snapshot first: if the member crashes after step 2, start-up
    //    must not replay records that diverge from the leader on top of the leader's snapshot.
    if (this.log.lastZxid() > snapshot.zxid) await this.log.truncateAfter(snapshot.zxid);
    // 2. The snapshot becomes the durable history up to its zxid.
    await this.snapshots.save(snapshot.zxid, snapshot.data);
    // 3. Restart the log after it. A crash before this step is finished by start-up, which sees a
    //    snapshot beyond the log's end and rebases.
    await this.log.rebase(snapshot.zxid);
  }

  async purge(): Promise<PurgeResult> {
    const snapshotsKept = await this.snapshots.purge(this.#snapshotsRetained);
    const oldest = snapshotsKept[0];
    // Replaying from the oldest kept snapshot needs every record after it; older ones can go.
    if (oldest !== undefined) await this.log.purgeThrough(oldest);
    return { snapshotsKept, logBaseZxid: this.log.baseZxid() };
  }

  close(): Promise<void> {
    // New calls, and calls still queued behind the I/O in flight, fail with "Closed" from here on;
    // the I/O in flight completes before the files and the lock are released.
    this.#failStop.close("the storage is closed");
    this.#closing ??= this.#release();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
