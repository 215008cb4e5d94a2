/**
 * The simulated disk of one member: what survived (durable) and the writes still in flight,
 * which a crash loses.
 *
 * @module
 */
import {
  assert,
  type Epoch,
  epoch,
  formatZxid,
  isNextZxid,
  type NumberedWrite,
  type RestoredState,
  type StorageWrite,
  type Txn,
  ZXID_ZERO,
  type Zxid,
} from "@zab/core";

/**
 * A write that the member issued and that completes at a virtual time.
 *
 * @since 0.1.0
 */
export interface InFlightWrite {
  /** The id the member gave the write; reported back through `ZabNode.persisted`. */
  readonly id: number;
  /** What to write. */
  readonly write: StorageWrite;
  /** The virtual time at which it becomes durable; never before the write issued ahead of it. */
  readonly completesAt: number;
}

/**
 * The durable state of a member, with the page-cache semantics that matter for ZAB: a write is
 * durable only once it completed; a crash loses every write still in flight, except possibly a
 * prefix of the transactions of the first one (a partially flushed append).
 *
 * @since 0.1.0
 */
export class SimDisk {
  #acceptedEpoch: Epoch = epoch(0);
  #currentEpoch: Epoch = epoch(0);
  #snapshot: { readonly zxid: Zxid; readonly data: Uint8Array } | undefined;
  #txns: Txn[] = [];
  #inFlight: InFlightWrite[] = [];

  /** The writes issued but not yet durable, oldest first. */
  get inFlight(): readonly InFlightWrite[] {
    return this.#inFlight;
  }

  /** The accepted epoch on disk. */
  get acceptedEpoch(): Epoch {
    return this.#acceptedEpoch;
  }

  /** The current epoch on disk. */
  get currentEpoch(): Epoch {
    return this.#currentEpoch;
  }

  /** The last durable zxid in the log (or the snapshot's when the log is empty). */
  get lastZxid(): Zxid {
    return this.#txns.at(-1)?.zxid ?? this.#snapshot?.zxid ?? ZXID_ZERO;
  }

  /** Every durable transaction in the log, oldest first. */
  get txns(): readonly Txn[] {
    return this.#txns;
  }

  /**
   * Queues a write issued by the member.
   *
   * @param numbered - The write and its id.
   * @param completesAt - When it becomes durable; writes complete in order.
   */
  issue(numbered: NumberedWrite, completesAt: number): void {
    const previous = this.#inFlight.at(-1);
    assert(previous === undefined || previous.id < numbered.id, "write ids increase");
    this.#inFlight.push({
      id: numbered.id,
      write: numbered.write,
      completesAt: Math.max(completesAt, previous?.completesAt ?? 0),
    });
  }

  /**
   * Completes every in-flight write due by `now`.
   *
   * @param now - The virtual time.
   * @param onDurable - Called after each write reaches the disk.
   * @returns The id of the last completed write, or `undefined` when none completed.
   */
  completeDue(now: number, onDurable?: (write: StorageWrite) => void): number | undefined {
    let last: number | undefined;
    while (this.#inFlight.length > 0 && (this.#inFlight[0]?.completesAt ?? Number.POSITIVE_INFINITY) <= now) {
      const done = this.#inFlight.shift();
      assert(done !== undefined, "an in-flight write exists");
      this.#apply(done.write);
      last = done.id;
      onDurable?.(done.write);
    }
    return last;
  }

  /** The id of the newest write issued, durable or not. */
  get lastIssuedId(): number | undefined {
    return this.#inFlight.at(-1)?.id;
  }

  /**
   * Simulates a power loss: in-flight writes are lost, but the first in-flight append may have
   * reached the disk partially.
   *
   * @param appendTxnsKept - How many transactions of a first in-flight append survive.
   */
  crash(appendTxnsKept: number): void {
    const first = this.#inFlight[0];
    if (first !== undefined && first.write.kind === "append" && appendTxnsKept > 0) {
      this.#apply({ kind: "append", txns: first.write.txns.slice(0, appendTxnsKept) });
    }
    this.#inFlight = [];
  }

  /** @returns What a restarting member recovers from this disk. */
  restore(): RestoredState {
    return {
      acceptedEpoch: this.#acceptedEpoch,
      currentEpoch: this.#currentEpoch,
      snapshot: this.#snapshot,
      txns: [...this.#txns],
    };
  }

  #apply(write: StorageWrite): void {
    switch (write.kind) {
      case "append":
        for (const txn of write.txns) {
          assert(
            isNextZxid(this.lastZxid, txn.zxid),
            `disk log hole: ${formatZxid(txn.zxid)} after ${formatZxid(this.lastZxid)}`,
          );
          this.#txns.push(txn);
        }
        return;
      case "truncate":
        this.#txns = this.#txns.filter((txn) => txn.zxid <= write.afterZxid);
        return;
      case "installSnapshot":
        this.#snapshot = { zxid: write.zxid, data: write.data };
        this.#txns = [];
        return;
      case "acceptedEpoch":
        // I-EPOCH: durable epochs never decrease, and accepted is never below current.
        assert(write.epoch >= this.#acceptedEpoch, `acceptedEpoch decreased to ${write.epoch}`);
        this.#acceptedEpoch = write.epoch;
        return;
      case "currentEpoch":
        assert(write.epoch >= this.#currentEpoch, `currentEpoch decreased to ${write.epoch}`);
        assert(write.epoch <= this.#acceptedEpoch, `currentEpoch ${write.epoch} above acceptedEpoch`);
        this.#currentEpoch = write.epoch;
        return;
    }
  }
}
