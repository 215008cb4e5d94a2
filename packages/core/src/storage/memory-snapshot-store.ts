/**
 * The memory twin of the file {@link SnapshotStore}, over a {@link MemoryDataDir}.
 *
 * @internal
 * @module
 */

import type { SnapshotLoad, SnapshotStore } from "../ports/snapshot-store.js";
import { compareZxid, type Zxid } from "../protocol/zxid.js";
import type { FailStop } from "./fail-stop.js";
import { type MemoryDiskState, submitIo } from "./memory-data-dir.js";
import { SerialQueue } from "./serial-queue.js";
import { planSnapshotRetention } from "./snapshot-retention.js";

/**
 * The snapshots of a memory data directory. Data is copied in and out, so neither side can
 * change the other's bytes.
 *
 * @internal
 */
export class MemorySnapshotStore implements SnapshotStore {
  readonly #state: MemoryDiskState;
  readonly #failStop: FailStop;
  readonly #queue = new SerialQueue();

  /**
   * @param options - The disk and the storage's fail-stop state.
   */
  constructor(options: { readonly state: MemoryDiskState; readonly failStop: FailStop }) {
    this.#state = options.state;
    this.#failStop = options.failStop;
  }

  save(zxid: Zxid, data: Uint8Array): Promise<void> {
    const copy = data.slice();
    return this.#run("snapshot save", () =>
      submitIo(this.#state, () => {
        this.#state.snapshots.set(zxid, copy);
      }),
    );
  }

  loadNewest(): Promise<SnapshotLoad> {
    return this.#run("snapshot load", async () => {
      const zxid = this.#list().at(-1);
      const data = zxid === undefined ? undefined : this.#state.snapshots.get(zxid);
      return {
        snapshot: zxid === undefined || data === undefined ? undefined : { zxid, data: data.slice() },
        skipped: [],
      };
    });
  }

  list(): Promise<readonly Zxid[]> {
    return this.#run("snapshot list", async () => this.#list());
  }

  purge(retain: number): Promise<readonly Zxid[]> {
    return this.#run("snapshot purge", async () => {
      const plan = planSnapshotRetention({ zxids: this.#list(), retain, corrupt: new Set() });
      await submitIo(this.#state, () => {
        for (const zxid of plan.removed) this.#state.snapshots.delete(zxid);
      });
      return plan.kept;
    });
  }

  /** Resolves once every operation requested so far has settled. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  #run<T>(what: string, io: () => Promise<T>): Promise<T> {
    // The fail-stop check happens inside the queue (guard), so calls reject rather than throw.
    return this.#queue.run(() => this.#failStop.guard(what, io));
  }

  #list(): Zxid[] {
    return [...this.#state.snapshots.keys()].sort(compareZxid);
  }
}
