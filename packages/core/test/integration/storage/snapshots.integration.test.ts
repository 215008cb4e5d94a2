// Goal: start-up loads the newest valid snapshot, falls back past a corrupt newest one (reporting
// it) and replays the log from the fallback to the end; retention keeps the newest snapshots and
// drops only log segments no kept snapshot needs; leftovers of interrupted writes are cleaned up;
// an interrupted snapshot install is finished.
// Method: write logs and snapshots through the storage, damage or plant files by hand, reopen.

import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Txn } from "../../../src/protocol/messages.js";
import type { Zxid } from "../../../src/protocol/zxid.js";
import { openFileStorage } from "../../../src/storage/file-storage.js";
import { SNAPSHOT_HEADER_BYTES } from "../../../src/storage/snapshot-format.js";
import { readAll, tempDir, txnAt } from "../../helpers/storage.js";

const SEGMENT_BYTES = 4096;
const at = (counter: number) => txnAt(counter).zxid;
const small = (from: number, to: number): Txn[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    zxid: at(from + i),
    payload: new Uint8Array(150).fill(i),
  }));
const zxidsOf = (txns: readonly Txn[]) => txns.map((txn) => txn.zxid);
const image = (zxid: Zxid) => new TextEncoder().encode(`tree at ${zxid}`);
const hex = (zxid: bigint) => zxid.toString(16).padStart(16, "0");

describe("snapshots", () => {
  it("fall back past a corrupt newest snapshot, and the log replays everything after the fallback", async () => {
    await using dir = await tempDir();
    const { storage } = await openFileStorage({ dir: dir.path, segmentBytesMax: SEGMENT_BYTES });
    storage.log.append(small(1, 100));
    await storage.log.sync();
    for (const counter of [30, 60, 90]) await storage.snapshots.save(at(counter), image(at(counter)));
    await storage.close();
    const newest = join(dir.path, `snapshot.${hex(at(90))}`);
    const bytes = await readFile(newest);
    bytes[SNAPSHOT_HEADER_BYTES + 3] = (bytes[SNAPSHOT_HEADER_BYTES + 3] ?? 0) ^ 0xff;
    await writeFile(newest, bytes);

    const { storage: reopened, recovery } = await openFileStorage({
      dir: dir.path,
      segmentBytesMax: SEGMENT_BYTES,
    });
    expect(recovery.snapshot).toEqual({ zxid: at(60), data: image(at(60)) });
    expect(recovery.snapshotsSkipped).toEqual([{ zxid: at(90), file: newest, reason: "checksum mismatch" }]);
    const replay = await readAll(reopened.log, at(60));
    expect(zxidsOf(replay)).toEqual(zxidsOf(small(61, 100)));
    // The corrupt snapshot does not fill a retention slot: purge keeps the valid ones.
    expect((await reopened.purge()).snapshotsKept).toEqual([at(30), at(60)]);
    await reopened.close();
  });

  it("retention keeps the newest snapshots and drops only log segments no kept snapshot needs", async () => {
    await using dir = await tempDir();
    const { storage } = await openFileStorage({
      dir: dir.path,
      segmentBytesMax: SEGMENT_BYTES,
      snapshotsRetained: 2,
    });
    storage.log.append(small(1, 200));
    await storage.log.sync();
    for (const counter of [50, 100, 150]) await storage.snapshots.save(at(counter), image(at(counter)));
    const segmentsBefore = (await readdir(dir.path)).filter((name) => name.startsWith("log.")).length;
    const result = await storage.purge();
    expect(result.snapshotsKept).toEqual([at(100), at(150)]);
    expect(result.logBaseZxid).toBeLessThanOrEqual(at(100));
    expect(result.logBaseZxid).toBeGreaterThan(at(50));
    const names = await readdir(dir.path);
    expect(names.filter((name) => name.startsWith("snapshot."))).toEqual([
      `snapshot.${hex(at(100))}`,
      `snapshot.${hex(at(150))}`,
    ]);
    expect(names.filter((name) => name.startsWith("log.")).length).toBeLessThan(segmentsBefore);
    expect(zxidsOf(await readAll(storage.log, at(100)))).toEqual(zxidsOf(small(101, 200)));
    await storage.close();

    const { storage: reopened, recovery } = await openFileStorage({
      dir: dir.path,
      segmentBytesMax: SEGMENT_BYTES,
    });
    expect(recovery.snapshot?.zxid).toBe(at(150));
    expect(zxidsOf(await readAll(reopened.log, at(100)))).toEqual(zxidsOf(small(101, 200)));
    await reopened.close();
  });

  it("removes temp files of interrupted writes at start-up", async () => {
    await using dir = await tempDir();
    const { storage } = await openFileStorage({ dir: dir.path });
    await storage.close();
    const leftovers = [`log.${hex(at(9))}.tmp`, `snapshot.${hex(at(5))}.tmp`];
    for (const name of leftovers) await writeFile(join(dir.path, name), "half");
    const { storage: reopened, recovery } = await openFileStorage({ dir: dir.path });
    expect(recovery.events).toEqual(
      leftovers.map((name) => ({ kind: "tempFileRemoved", file: join(dir.path, name) })),
    );
    expect((await readdir(dir.path)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    await reopened.close();
  });

  it("finishes an interrupted install: a snapshot beyond the log's end rebases the log onto it", async () => {
    await using dir = await tempDir();
    const { storage } = await openFileStorage({ dir: dir.path, segmentBytesMax: SEGMENT_BYTES });
    storage.log.append(small(1, 50));
    await storage.log.sync();
    // Step 2 of installSnapshot done, step 3 (rebase) not: what a crash in between leaves.
    const leaderSnapshot = { zxid: txnAt(7, 2).zxid, data: image(txnAt(7, 2).zxid) };
    await storage.snapshots.save(leaderSnapshot.zxid, leaderSnapshot.data);
    await storage.close();

    const { storage: reopened, recovery } = await openFileStorage({
      dir: dir.path,
      segmentBytesMax: SEGMENT_BYTES,
    });
    expect(recovery.events).toEqual([{ kind: "logRebased", zxid: leaderSnapshot.zxid }]);
    expect(recovery).toMatchObject({ snapshot: leaderSnapshot, lastLoggedZxid: leaderSnapshot.zxid });
    expect(reopened.log.baseZxid()).toBe(leaderSnapshot.zxid);
    reopened.log.append([{ zxid: txnAt(8, 2).zxid, payload: new Uint8Array(1) }]);
    await reopened.log.sync();
    await reopened.close();
  });
});
