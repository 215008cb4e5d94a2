// Goal: the file log on a real file system rolls segments at segmentBytesMax, reads any range in
// zxid order, truncates across segment boundaries (durably: a reopen sees the same), rebases onto
// an installed snapshot, batches concurrent syncs into few fdatasyncs (group commit), and fails
// stop on an I/O error.
// Method: each test opens storage in its own temp directory with small segments, drives the log,
// inspects the directory and reopens it.

import { readdir, rm } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { AssertionError } from "../../../src/assert.js";
import { ZabError } from "../../../src/errors.js";
import { epoch } from "../../../src/protocol/ids.js";
import type { Txn } from "../../../src/protocol/messages.js";
import { ZXID_ZERO } from "../../../src/protocol/zxid.js";
import { openFileStorage } from "../../../src/storage/file-storage.js";
import { describeTxns, readAll, tempDir, txnAt, txnRange } from "../../helpers/storage.js";

const SEGMENT_BYTES = 8 * 1024;
const zxidsOf = (txns: readonly Txn[]) => txns.map((txn) => txn.zxid);
const at = (counter: number, epochValue = 1) => txnAt(counter, epochValue).zxid;
const segmentNames = async (dir: string) =>
  (await readdir(dir)).filter((name) => name.startsWith("log.")).sort();

/** Small txns (100 bytes) so that segments hold many. */
const small = (from: number, to: number, epochValue = 1): Txn[] =>
  txnRange(from, to, epochValue).map((txn) => ({
    zxid: txn.zxid,
    payload: new Uint8Array(100).fill(Number(txn.zxid & 0xffn)),
  }));

describe("file transaction log", () => {
  it("rolls segments at segmentBytesMax, names them by first zxid, and reads back every range", async () => {
    await using dir = await tempDir();
    const { storage } = await openFileStorage({ dir: dir.path, segmentBytesMax: SEGMENT_BYTES });
    const large = { zxid: at(151), payload: new Uint8Array(3 * SEGMENT_BYTES).fill(5) }; // a segment of its own
    const txns = [...small(1, 150), large, ...small(152, 200)];
    for (let i = 0; i < txns.length; i += 10) {
      storage.log.append(txns.slice(i, i + 10));
      await storage.log.sync();
    }
    const names = await segmentNames(dir.path);
    expect(names.length).toBe(5);
    expect(names).toContain(`log.${at(151).toString(16).padStart(16, "0")}`);
    expect(names).toContain(`log.${at(152).toString(16).padStart(16, "0")}`);
    expect(describeTxns(await readAll(storage.log))).toEqual(describeTxns(txns));
    expect(zxidsOf(await readAll(storage.log, at(37), at(120)))).toEqual(zxidsOf(txns.slice(37, 120)));
    expect(await readAll(storage.log, at(200))).toEqual([]);
    await storage.close();

    const { storage: reopened, recovery } = await openFileStorage({
      dir: dir.path,
      segmentBytesMax: SEGMENT_BYTES,
    });
    expect(recovery).toMatchObject({ lastLoggedZxid: at(200), events: [] });
    expect(describeTxns(await readAll(reopened.log))).toEqual(describeTxns(txns));
    await reopened.close();
  });

  it("truncates across segment boundaries, durably, and appends after the cut", async () => {
    await using dir = await tempDir();
    const { storage } = await openFileStorage({ dir: dir.path, segmentBytesMax: SEGMENT_BYTES });
    storage.log.append(small(1, 300));
    storage.log.append(small(1, 20, 2));
    await storage.log.sync();
    const before = await segmentNames(dir.path);
    await storage.log.truncateAfter(at(95));
    expect(storage.log.lastZxid()).toBe(at(95));
    expect((await segmentNames(dir.path)).length).toBeLessThan(before.length);
    // Unsynced records past the cut are dropped with it; the rest become durable.
    storage.log.append(small(1, 5, 3));
    await storage.log.truncateAfter(at(3, 3));
    expect(storage.log.lastDurableZxid()).toBe(at(3, 3));
    await storage.close();

    const { storage: reopened } = await openFileStorage({ dir: dir.path, segmentBytesMax: SEGMENT_BYTES });
    expect(zxidsOf(await readAll(reopened.log))).toEqual(zxidsOf([...small(1, 95), ...small(1, 3, 3)]));
    reopened.log.append(small(4, 6, 3));
    await reopened.log.sync();
    expect(reopened.log.lastDurableZxid()).toBe(at(6, 3));
    await reopened.close();
  });

  it("truncates everything after a purge, renaming the emptied first segment below the next zxid", async () => {
    await using dir = await tempDir();
    const { storage } = await openFileStorage({ dir: dir.path, segmentBytesMax: SEGMENT_BYTES });
    storage.log.append(small(1, 200));
    await storage.log.sync();
    await storage.snapshots.save(at(150), new Uint8Array([1]));
    await storage.log.purgeThrough(at(150));
    const base = storage.log.baseZxid();
    expect(base).toBeGreaterThan(at(1));
    expect(base).toBeLessThanOrEqual(at(150));
    await storage.log.truncateAfter(base);
    expect(storage.log.lastZxid()).toBe(base);
    storage.log.append(small(1, 3, 2));
    await storage.log.sync();
    await storage.close();

    const { storage: reopened } = await openFileStorage({ dir: dir.path, segmentBytesMax: SEGMENT_BYTES });
    expect(reopened.log.baseZxid()).toBe(base);
    expect(zxidsOf(await readAll(reopened.log))).toEqual(zxidsOf(small(1, 3, 2)));
    await reopened.close();
  });

  it("rebases onto an installed snapshot: the old history is gone, appends continue after it", async () => {
    await using dir = await tempDir();
    const { storage } = await openFileStorage({ dir: dir.path, segmentBytesMax: SEGMENT_BYTES });
    storage.log.append(small(1, 150));
    await storage.log.sync();
    const snapshot = { zxid: at(40, 2), data: new Uint8Array([4, 2]) };
    await storage.installSnapshot(snapshot);
    expect(await segmentNames(dir.path)).toEqual([
      `log.${(snapshot.zxid + 1n).toString(16).padStart(16, "0")}`,
    ]);
    expect([storage.log.baseZxid(), storage.log.lastZxid()]).toEqual([snapshot.zxid, snapshot.zxid]);
    expect(() => storage.log.read({ fromExclusive: at(10) })).toThrow(
      expect.objectContaining({ code: "Invalid" }),
    );
    storage.log.append(small(41, 45, 2));
    await storage.log.sync();
    await storage.close();

    const { storage: reopened, recovery } = await openFileStorage({
      dir: dir.path,
      segmentBytesMax: SEGMENT_BYTES,
    });
    expect(recovery.snapshot).toEqual(snapshot);
    expect(zxidsOf(await readAll(reopened.log, snapshot.zxid))).toEqual(zxidsOf(small(41, 45, 2)));
    await reopened.close();
  });

  it("group-commits: 128 concurrent append+sync calls take far fewer than 128 fdatasyncs", async () => {
    await using dir = await tempDir();
    const { storage } = await openFileStorage({ dir: dir.path });
    let next = 1;
    const appender = async (rounds: number) => {
      for (let round = 0; round < rounds; round++) {
        const txn = small(next, next)[0] as Txn;
        next++;
        storage.log.append([txn]);
        const durable = await storage.log.sync();
        expect(durable).toBeGreaterThanOrEqual(txn.zxid);
      }
    };
    await Promise.all(Array.from({ length: 128 }, () => appender(4)));
    const stats = storage.stats();
    expect(stats.recordsAppended).toBe(512);
    expect(stats.datasyncs).toBe(stats.batchesWritten);
    expect(stats.datasyncs).toBeLessThan(512 / 8);
    expect(storage.log.lastDurableZxid()).toBe(at(512));
    await storage.close();
  });

  it("asserts zxid order on append and the durable bound on read", async () => {
    await using dir = await tempDir();
    const { storage } = await openFileStorage({ dir: dir.path });
    storage.log.append(small(1, 3));
    expect(() => storage.log.append(small(3, 3))).toThrow(AssertionError);
    expect(() => storage.log.read({ fromExclusive: ZXID_ZERO, toInclusive: at(1) })).toThrow(AssertionError);
    await storage.log.sync();
    expect(zxidsOf(await readAll(storage.log, ZXID_ZERO, at(1)))).toEqual([at(1)]);
    await storage.close();
    await storage.close();
    expect(() => storage.log.append(small(4, 4))).toThrow(expect.objectContaining({ code: "Closed" }));
    await expect(storage.epochs.writeAcceptedEpoch(epoch(1))).rejects.toMatchObject({ code: "Closed" });
  });

  it("fails stop on an I/O error: that call and every later one reject with StorageFailed", async () => {
    await using dir = await tempDir();
    const { storage } = await openFileStorage({ dir: dir.path, segmentBytesMax: SEGMENT_BYTES });
    storage.log.append(small(1, 10));
    await storage.log.sync();
    // Pull the directory out from under the storage: rolling to a new segment must fail.
    await rm(dir.path, { recursive: true });
    storage.log.append(small(11, 200));
    const failure = await storage.log.sync().catch((error: unknown) => error);
    expect(ZabError.isInstance(failure, "StorageFailed")).toBe(true);
    expect((failure as Error).cause).toMatchObject({ code: "ENOENT" });
    expect(storage.log.lastDurableZxid()).toBe(at(10));
    expect(() => storage.log.append(small(201, 201))).toThrow(
      expect.objectContaining({ code: "StorageFailed" }),
    );
    await expect(storage.log.sync()).rejects.toBe(failure);
    await expect(storage.epochs.writeCurrentEpoch(epoch(0))).rejects.toBe(failure);
    await expect(storage.snapshots.save(at(1), new Uint8Array(1))).rejects.toBe(failure);
    await storage.close().catch(() => {
      // The lock file went with the directory; nothing left to release.
    });
  });
});
