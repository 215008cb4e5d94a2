/**
 * The file-backed {@link SnapshotStore}: one `snapshot.<zxid>` file per snapshot, each written
 * crash-safely and verified on load.
 *
 * @internal
 * @module
 */
import { readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { SkippedSnapshot, SnapshotLoad, SnapshotStore } from "../ports/snapshot-store.js";
import { compareZxid, type Zxid } from "../protocol/zxid.js";
import { fsyncDirectory, readFileBytes, writeFileDurably } from "./durable-file.js";
import type { FailStop } from "./fail-stop.js";
import { parseSnapshotFileName, snapshotFileName } from "./file-names.js";
import { SerialQueue } from "./serial-queue.js";
import { decodeSnapshot, encodeSnapshotHeader } from "./snapshot-format.js";
import { planSnapshotRetention } from "./snapshot-retention.js";

/**
 * The snapshots of one data directory.
 *
 * @internal
 */
export class FileSnapshotStore implements SnapshotStore {
  readonly #dir: string;
  readonly #failStop: FailStop;
  readonly #queue = new SerialQueue();
  // Snapshots a load found corrupt: they never fill a retention slot.
  readonly #corrupt = new Set<Zxid>();

  /**
   * @param options - The data directory and the storage's fail-stop state.
   */
  constructor(options: { readonly dir: string; readonly failStop: FailStop }) {
    this.#dir = options.dir;
    this.#failStop = options.failStop;
  }

  save(zxid: Zxid, data: Uint8Array): Promise<void> {
    return this.#run("snapshot save", async () => {
      await writeFileDurably(this.#dir, snapshotFileName(zxid), [encodeSnapshotHeader(zxid, data), data]);
      this.#corrupt.delete(zxid);
    });
  }

  loadNewest(): Promise<SnapshotLoad> {
    return this.#run("snapshot load", async () => {
      const skipped: SkippedSnapshot[] = [];
      for (const zxid of (await this.#list()).reverse()) {
        const file = join(this.#dir, snapshotFileName(zxid));
        const decoded = decodeSnapshot(await readFileBytes(file), zxid);
        if ("data" in decoded) return { snapshot: { zxid, data: decoded.data }, skipped };
        skipped.push({ zxid, file, reason: decoded.reason });
        this.#corrupt.add(zxid);
      }
      return { snapshot: undefined, skipped };
    });
  }

  list(): Promise<readonly Zxid[]> {
    return this.#run("snapshot list", () => this.#list());
  }

  purge(retain: number): Promise<readonly Zxid[]> {
    return this.#run("snapshot purge", async () => {
      const plan = planSnapshotRetention({ zxids: await this.#list(), retain, corrupt: this.#corrupt });
      for (const zxid of plan.removed) {
        await unlink(join(this.#dir, snapshotFileName(zxid)));
        this.#corrupt.delete(zxid);
      }
      if (plan.removed.length > 0) await fsyncDirectory(this.#dir);
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

  async #list(): Promise<Zxid[]> {
    const zxids = (await readdir(this.#dir)).flatMap((name) => parseSnapshotFileName(name) ?? []);
    return zxids.sort(compareZxid);
  }
}
