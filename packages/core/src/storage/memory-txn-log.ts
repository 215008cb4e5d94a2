/**
 * The memory twin of the file {@link TxnLog}, over a {@link MemoryDataDir}: appends land in the
 * disk's page cache, a sync moves them to its durable records.
 *
 * @internal
 * @module
 */
import { assert } from "../assert.js";
import { ZabError } from "../errors.js";
import type { TxnLog, TxnLogReadRange } from "../ports/txn-log.js";
import type { Txn } from "../protocol/messages.js";
import { formatZxid, type Zxid } from "../protocol/zxid.js";
import type { FailStop } from "./fail-stop.js";
import { assertAppendOrder, assertTruncatePoint, resolveReadRange } from "./log-range.js";
import { type MemoryDiskState, type MemorySession, submitIo } from "./memory-data-dir.js";

/**
 * The transaction log of a memory data directory.
 *
 * @internal
 */
export class MemoryTxnLog implements TxnLog {
  readonly #state: MemoryDiskState;
  readonly #session: MemorySession;
  readonly #failStop: FailStop;
  readonly #inFlight = new Set<Promise<unknown>>();
  #maintenancePending = 0;
  #closing: Promise<void> | undefined;

  /**
   * @param options - The disk and the storage's session on it.
   */
  constructor(options: { readonly state: MemoryDiskState; readonly session: MemorySession }) {
    this.#state = options.state;
    this.#session = options.session;
    this.#failStop = options.session.failStop;
  }

  append(txns: readonly Txn[]): void {
    this.#checkUsable();
    assert(this.#maintenancePending === 0, "append while truncateAfter, rebase or purgeThrough is pending");
    assertAppendOrder(this.lastZxid(), txns);
    this.#state.unsyncedRecords.push(...txns);
  }

  async sync(): Promise<Zxid> {
    this.#checkUsable();
    const target = this.lastZxid();
    if (this.lastDurableZxid() < target) {
      await this.#io("transaction log sync", () => {
        const state = this.#state;
        const synced = state.unsyncedRecords.filter((txn) => txn.zxid <= target);
        state.durableRecords.push(...synced);
        state.unsyncedRecords = state.unsyncedRecords.slice(synced.length);
      });
    }
    return this.lastDurableZxid();
  }

  truncateAfter(zxid: Zxid): Promise<void> {
    assertTruncatePoint(zxid, this.baseZxid());
    // Like the file log, everything kept ends up durable.
    return this.#maintain("transaction log truncation", () => {
      const state = this.#state;
      state.durableRecords = [...state.durableRecords, ...state.unsyncedRecords].filter(
        (txn) => txn.zxid <= zxid,
      );
      state.unsyncedRecords = [];
    });
  }

  rebase(zxid: Zxid): Promise<void> {
    assert(
      zxid >= this.lastZxid(),
      `rebase: ${formatZxid(zxid)} is below the last zxid ${formatZxid(this.lastZxid())}`,
    );
    return this.#maintain("transaction log rebase", () => {
      const state = this.#state;
      state.durableRecords = [];
      state.unsyncedRecords = [];
      state.logBaseZxid = zxid;
    });
  }

  purgeThrough(zxid: Zxid): Promise<void> {
    assert(zxid <= this.lastDurableZxid(), `purgeThrough: ${formatZxid(zxid)} is past the last durable zxid`);
    return this.#maintain("transaction log purge", () => {
      const state = this.#state;
      if (zxid <= state.logBaseZxid) return;
      state.durableRecords = state.durableRecords.slice(countAtOrBelow(state.durableRecords, zxid));
      state.logBaseZxid = zxid;
    });
  }

  read(range: TxnLogReadRange): AsyncIterable<Txn> {
    this.#checkUsable();
    const { fromExclusive, toInclusive } = resolveReadRange(range, {
      baseZxid: this.baseZxid(),
      lastDurableZxid: this.lastDurableZxid(),
    });
    const records = this.#state.durableRecords;
    const selected = records.slice(
      countAtOrBelow(records, fromExclusive),
      countAtOrBelow(records, toInclusive),
    );
    return (async function* () {
      yield* selected;
    })();
  }

  lastZxid(): Zxid {
    return this.#state.unsyncedRecords.at(-1)?.zxid ?? this.lastDurableZxid();
  }

  lastDurableZxid(): Zxid {
    return this.#state.durableRecords.at(-1)?.zxid ?? this.#state.logBaseZxid;
  }

  baseZxid(): Zxid {
    return this.#state.logBaseZxid;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled(this.#inFlight);
      // Records never synced are dropped, as with the file log; unless the member crashed and the
      // disk was reopened since, in which case they belong to the new session.
      if (this.#state.session === this.#session) this.#state.unsyncedRecords = [];
    })();
    return this.#closing;
  }

  #checkUsable(): void {
    this.#failStop.check();
    if (this.#closing !== undefined) throw new ZabError("Closed", "the transaction log is closed");
  }

  async #maintain(what: string, apply: () => void): Promise<void> {
    this.#checkUsable();
    this.#maintenancePending++;
    try {
      await this.#io(what, apply);
    } finally {
      this.#maintenancePending--;
    }
  }

  async #io(what: string, apply: () => void): Promise<void> {
    const io = this.#failStop.guard(what, () => submitIo(this.#state, apply));
    this.#inFlight.add(io);
    try {
      await io;
    } finally {
      this.#inFlight.delete(io);
    }
  }
}

/** How many of the zxid-ordered `records` are at or below `zxid` (binary search). */
function countAtOrBelow(records: readonly Txn[], zxid: Zxid): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const middleZxid = records[middle]?.zxid;
    assert(middleZxid !== undefined, "binary search index out of range");
    if (middleZxid <= zxid) low = middle + 1;
    else high = middle;
  }
  return low;
}
