// Goal: the memory storage behaves as the file storage does and models a crash faithfully for the
// simulator: unsynced records are lost (or a requested prefix kept), writes still in flight are
// lost, recovery applies the same rules (epoch rule, interrupted snapshot install), and I/O
// failure is fail-stop.
// Method: drive openMemoryStorage over a MemoryDataDir, in "immediate" and "manual" I/O modes,
// crash it at chosen points and reopen.

import { describe, expect, it } from "vitest";
import { AssertionError } from "../../../src/assert.js";
import { ZabError } from "../../../src/errors.js";
import { type Epoch, epoch } from "../../../src/protocol/ids.js";
import { ZXID_ZERO, type Zxid } from "../../../src/protocol/zxid.js";
import { MemoryDataDir } from "../../../src/storage/memory-data-dir.js";
import { openMemoryStorage } from "../../../src/storage/memory-storage.js";
import { readAll, txnAt, txnRange } from "../../helpers/storage.js";

const zxidsOf = (txns: readonly { zxid: Zxid }[]) => txns.map((txn) => txn.zxid);
const at = (counter: number) => txnAt(counter).zxid;
// Lets every queued microtask run, so writes issued through the stores' queues reach the disk.
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("memory storage: crashes", () => {
  it("loses records that were appended but not synced, keeps the synced ones", async () => {
    const disk = new MemoryDataDir();
    const { storage, recovery } = openMemoryStorage(disk);
    expect(recovery.brandNew).toBe(true);
    storage.log.append(txnRange(1, 3));
    await storage.log.sync();
    storage.log.append(txnRange(4, 6));
    disk.crash();
    await expect(storage.log.sync()).rejects.toMatchObject({ code: "Closed" });

    const reopened = openMemoryStorage(disk);
    expect(reopened.recovery).toMatchObject({ brandNew: false, lastLoggedZxid: at(3) });
    expect(zxidsOf(await readAll(reopened.storage.log))).toEqual(zxidsOf(txnRange(1, 3)));
  });

  it("keeps the requested prefix of unsynced records, as a partly flushed page cache", async () => {
    const disk = new MemoryDataDir();
    const { storage } = openMemoryStorage(disk);
    storage.log.append(txnRange(1, 2));
    await storage.log.sync();
    storage.log.append(txnRange(3, 7));
    disk.crash({ unsyncedRecordsKept: 2 });
    const { storage: reopened } = openMemoryStorage(disk);
    expect(zxidsOf(await readAll(reopened.log))).toEqual(zxidsOf(txnRange(1, 4)));
    reopened.log.append([txnAt(5)]);
    await reopened.log.sync();
    expect(reopened.log.lastDurableZxid()).toBe(at(5));
  });

  it("with manual I/O, loses syncs, epoch writes and snapshot saves still in flight", async () => {
    const disk = new MemoryDataDir({ ioCompletion: "manual" });
    const { storage } = openMemoryStorage(disk);
    storage.log.append(txnRange(1, 3));
    const synced = storage.log.sync();
    const accepted = storage.epochs.writeAcceptedEpoch(epoch(4));
    await settle();
    expect(disk.pendingIoCount).toBe(2);
    expect(disk.completeIo(1)).toBe(1);
    await expect(synced).resolves.toBe(at(3));
    expect(storage.epochs.acceptedEpoch).toBe(0);

    const saved = storage.snapshots.save(at(3), new Uint8Array([9]));
    await settle();
    expect(disk.pendingIoCount).toBe(2);
    disk.crash({ unsyncedRecordsKept: 5 });
    await expect(accepted).rejects.toMatchObject({ code: "Closed" });
    await expect(saved).rejects.toMatchObject({ code: "Closed" });

    const { recovery } = openMemoryStorage(disk);
    expect(recovery).toMatchObject({ acceptedEpoch: 0, snapshot: undefined, lastLoggedZxid: at(3) });
  });

  it("completes writes in the order they were issued", async () => {
    const disk = new MemoryDataDir({ ioCompletion: "manual" });
    const { storage } = openMemoryStorage(disk);
    const order: string[] = [];
    const writes = [
      storage.epochs.writeAcceptedEpoch(epoch(2)).then(() => order.push("accepted")),
      storage.epochs.writeCurrentEpoch(epoch(2)).then(() => order.push("current")),
    ];
    // The epoch store issues one write at a time: the second waits for the first.
    await settle();
    expect(disk.pendingIoCount).toBe(1);
    while (disk.pendingIoCount > 0) {
      disk.completeIo();
      await settle();
    }
    await Promise.all(writes);
    expect(order).toEqual(["accepted", "current"]);
    expect(disk.epochFiles.get("currentEpoch")).toBe("2\n");
  });

  it("refuses a second open while one is open, and allows it after close or crash", async () => {
    const disk = new MemoryDataDir();
    const first = openMemoryStorage(disk);
    expect(() => openMemoryStorage(disk)).toThrow(expect.objectContaining({ code: "Locked" }));
    await first.storage.close();
    const second = openMemoryStorage(disk);
    disk.crash();
    const third = openMemoryStorage(disk);
    third.storage.log.append([txnAt(1)]);
    // Closing the crashed storage late must not disturb the session opened since.
    await second.storage.close();
    await third.storage.log.sync();
    expect(third.storage.log.lastDurableZxid()).toBe(at(1));
  });
});

describe("memory storage: log operations", () => {
  it("truncates (leaving the rest durable), reads ranges, and refuses reads before the base", async () => {
    const disk = new MemoryDataDir();
    const { storage } = openMemoryStorage(disk);
    storage.log.append(txnRange(1, 6));
    await storage.log.truncateAfter(at(4));
    expect(storage.log.lastDurableZxid()).toBe(at(4));
    expect(zxidsOf(await readAll(storage.log, at(1), at(3)))).toEqual([at(2), at(3)]);
    expect(() => storage.log.read({ fromExclusive: ZXID_ZERO, toInclusive: at(5) })).toThrow(AssertionError);
    expect(() => storage.log.append([txnAt(4)])).toThrow(AssertionError);

    await storage.snapshots.save(at(2), new Uint8Array([1]));
    await storage.log.purgeThrough(at(2));
    expect(storage.log.baseZxid()).toBe(at(2));
    expect(() => storage.log.read({ fromExclusive: at(1) })).toThrow(
      expect.objectContaining({ code: "Invalid" }),
    );
  });

  it("installs a leader's snapshot: truncates, saves, rebases; and survives a crash mid-install", async () => {
    const disk = new MemoryDataDir({ ioCompletion: "manual" });
    const { storage } = openMemoryStorage(disk);
    storage.log.append(txnRange(1, 5));
    const synced = storage.log.sync();
    disk.completeIo();
    await synced;
    const snapshot = { zxid: txnAt(2, 2).zxid, data: new Uint8Array([7, 7]) };
    const installing = storage.installSnapshot(snapshot);
    // The log is behind the snapshot: no truncation, so the save is the first write.
    await settle();
    expect(disk.completeIo(1)).toBe(1);
    await settle();
    expect(disk.pendingIoCount).toBe(1);
    disk.crash(); // before the rebase completed
    await expect(installing).rejects.toMatchObject({ code: "Closed" });

    const { storage: reopened, recovery } = openMemoryStorage(disk);
    expect(recovery.events).toContainEqual({ kind: "logRebased", zxid: snapshot.zxid });
    expect(recovery.snapshot).toEqual(snapshot);
    expect(reopened.log.baseZxid()).toBe(snapshot.zxid);
    expect(reopened.log.lastZxid()).toBe(snapshot.zxid);
  });

  it("purges snapshots beyond retention and the log they alone needed", async () => {
    const disk = new MemoryDataDir();
    const { storage } = openMemoryStorage(disk, { snapshotsRetained: 2 });
    storage.log.append(txnRange(1, 9));
    await storage.log.sync();
    for (const counter of [3, 5, 7]) await storage.snapshots.save(at(counter), new Uint8Array([counter]));
    expect(await storage.purge()).toEqual({ snapshotsKept: [at(5), at(7)], logBaseZxid: at(5) });
    expect(zxidsOf(await readAll(storage.log))).toEqual(zxidsOf(txnRange(6, 9)));
  });
});

describe("memory storage: epochs and failures", () => {
  it("asserts that epochs never decrease and acceptedEpoch stays at or above currentEpoch", async () => {
    const { storage } = openMemoryStorage(new MemoryDataDir());
    await storage.epochs.writeAcceptedEpoch(epoch(3));
    expect(() => storage.epochs.writeAcceptedEpoch(epoch(2))).toThrow(AssertionError);
    expect(() => storage.epochs.writeCurrentEpoch(epoch(4))).toThrow(AssertionError);
    await storage.epochs.writeCurrentEpoch(epoch(3));
    expect(() => storage.epochs.writeCurrentEpoch(epoch(1))).toThrow(AssertionError);
    expect([storage.epochs.acceptedEpoch, storage.epochs.currentEpoch]).toEqual([3, 3]);
  });

  it("applies the epoch rule to a leftover tmp on the memory disk", () => {
    const disk = new MemoryDataDir();
    disk.epochFiles.set("acceptedEpoch", "3\n");
    disk.epochFiles.set("acceptedEpoch.tmp", "4\n");
    disk.epochFiles.set("currentEpoch", "3\n");
    const { recovery } = openMemoryStorage(disk);
    expect(recovery).toMatchObject({ acceptedEpoch: 4, currentEpoch: 3 });
    expect([...disk.epochFiles]).toEqual([
      ["acceptedEpoch", "4\n"],
      ["currentEpoch", "3\n"],
    ]);
  });

  it("fails stop on an I/O error: that call and every later one get StorageFailed", async () => {
    const disk = new MemoryDataDir();
    const { storage } = openMemoryStorage(disk);
    await storage.epochs.writeAcceptedEpoch(epoch(1));
    storage.log.append([txnAt(1)]);
    disk.injectIoFailure();
    const failure = await storage.log.sync().catch((error: unknown) => error);
    expect(ZabError.isInstance(failure, "StorageFailed")).toBe(true);
    expect((failure as Error).cause).toMatchObject({ code: "EIO" });
    await expect(storage.epochs.writeAcceptedEpoch(epoch(2) as Epoch)).rejects.toMatchObject({
      code: "StorageFailed",
    });
    expect(() => storage.log.append([txnAt(2)])).toThrow(expect.objectContaining({ code: "StorageFailed" }));
    await expect(storage.snapshots.list()).rejects.toMatchObject({ code: "StorageFailed" });
    expect(storage.epochs.acceptedEpoch).toBe(1);
    await storage.close();
  });
});
