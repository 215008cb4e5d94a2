// Goal: start-up cuts exactly a torn final record (cut mid-record, zero-filled tail, garbage
// tail, a new segment whose header was torn), reports the cut (file, offset, bytes), makes it
// durable, and the log takes appends after it.
// Method: write records through the storage, close it, damage the tail of the last segment file
// by hand, reopen, and compare with what was written.

import { appendFile, readdir, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Txn } from "../../../src/protocol/messages.js";
import { openFileStorage } from "../../../src/storage/file-storage.js";
import { RECORD_HEADER_BYTES } from "../../../src/storage/log-record.js";
import { describeTxns, readAll, tempDir, txnAt, txnRange } from "../../helpers/storage.js";

const SEGMENT_BYTES = 64 * 1024;

async function writeLog(dir: string, txns: readonly Txn[]): Promise<string> {
  const { storage } = await openFileStorage({ dir, segmentBytesMax: SEGMENT_BYTES });
  for (const txn of txns) storage.log.append([txn]);
  await storage.log.sync();
  await storage.close();
  const segments = (await readdir(dir)).filter((name) => name.startsWith("log.")).sort();
  return join(dir, segments.at(-1) ?? "");
}

async function reopenAndCheck(dir: string, expected: readonly Txn[]) {
  const { storage, recovery } = await openFileStorage({ dir, segmentBytesMax: SEGMENT_BYTES });
  expect(describeTxns(await readAll(storage.log))).toEqual(describeTxns(expected));
  expect(recovery.lastLoggedZxid).toBe(expected.at(-1)?.zxid);
  return { storage, recovery };
}

describe("torn final record", () => {
  it("is cut when the file ends in the middle of it, and appends continue", async () => {
    await using dir = await tempDir();
    const txns = txnRange(1, 30);
    const last = await writeLog(dir.path, txns);
    const size = (await stat(last)).size;
    const lastRecordBytes = RECORD_HEADER_BYTES + (txns.at(-1)?.payload.length ?? 0);
    const offset = size - lastRecordBytes;
    await truncate(last, offset + Math.floor(lastRecordBytes / 2));

    const { storage, recovery } = await reopenAndCheck(dir.path, txns.slice(0, -1));
    expect(recovery.events).toEqual([
      {
        kind: "tornTailCut",
        file: last,
        offset,
        bytesRemoved: Math.floor(lastRecordBytes / 2),
        fileRemoved: false,
      },
    ]);
    expect((await stat(last)).size).toBe(offset);
    storage.log.append([txnAt(30), txnAt(31)]);
    await storage.log.sync();
    await storage.close();
    const again = await reopenAndCheck(dir.path, txnRange(1, 31));
    expect(again.recovery.events).toEqual([]);
    await again.storage.close();
  });

  it("is cut when zero bytes follow the last valid record (a zero-filled tail)", async () => {
    await using dir = await tempDir();
    const txns = txnRange(1, 10);
    const last = await writeLog(dir.path, txns);
    const size = (await stat(last)).size;
    await appendFile(last, new Uint8Array(4096));
    const { storage, recovery } = await reopenAndCheck(dir.path, txns);
    expect(recovery.events).toEqual([
      { kind: "tornTailCut", file: last, offset: size, bytesRemoved: 4096, fileRemoved: false },
    ]);
    await storage.close();
  });

  it("is cut when garbage follows the last valid record", async () => {
    await using dir = await tempDir();
    const txns = txnRange(1, 10);
    const last = await writeLog(dir.path, txns);
    const size = (await stat(last)).size;
    const garbage = Uint8Array.from({ length: 777 }, (_, i) => (i * 73 + 11) & 0xff);
    await appendFile(last, garbage);
    const { storage, recovery } = await reopenAndCheck(dir.path, txns);
    expect(recovery.events).toEqual([
      { kind: "tornTailCut", file: last, offset: size, bytesRemoved: 777, fileRemoved: false },
    ]);
    await storage.close();
  });

  it("renames a segment the cut left empty, so a lower zxid can follow its torn first record", async () => {
    await using dir = await tempDir();
    const txns = txnRange(1, 8);
    const rolled = { zxid: txnAt(1, 2).zxid, payload: new Uint8Array(SEGMENT_BYTES) }; // rolls a segment
    const last = await writeLog(dir.path, [...txns, rolled]);
    expect(last).toMatch(/log\.0000000200000001$/);
    await truncate(last, (await stat(last)).size - 100);

    const { storage, recovery } = await reopenAndCheck(dir.path, txns);
    expect(recovery.events).toMatchObject([{ kind: "tornTailCut", file: last }]);
    // The member re-syncs and receives a zxid between the last record and the torn one's.
    storage.log.append([txnAt(9)]);
    await storage.log.sync();
    await storage.close();
    const again = await reopenAndCheck(dir.path, txnRange(1, 9));
    await again.storage.close();
  });

  it("removes a new last segment whose header itself was torn", async () => {
    await using dir = await tempDir();
    const txns = txnRange(1, 10);
    await writeLog(dir.path, txns);
    const torn = join(dir.path, `log.${txnAt(11).zxid.toString(16).padStart(16, "0")}`);
    await writeFile(torn, new Uint8Array([0x5a, 0x41, 0x42]));
    const { storage, recovery } = await reopenAndCheck(dir.path, txns);
    expect(recovery.events).toEqual([
      { kind: "tornTailCut", file: torn, offset: 0, bytesRemoved: 3, fileRemoved: true },
    ]);
    expect(await readdir(dir.path)).not.toContain(torn.split("/").at(-1));
    await storage.close();
  });

  it("removes an empty new segment (killed between creating the file and writing it), so the roll can redo it", async () => {
    await using dir = await tempDir();
    // Records big enough that a handful fill a segment, so appending after recovery rolls.
    const big = (n: number): Txn => ({ ...txnAt(n), payload: new Uint8Array(20 * 1024).fill(n) });
    const txns = [1, 2, 3].map(big);
    await writeLog(dir.path, txns);
    const empty = join(dir.path, `log.${big(4).zxid.toString(16).padStart(16, "0")}`);
    await writeFile(empty, new Uint8Array());
    const { storage, recovery } = await reopenAndCheck(dir.path, txns);
    expect(recovery.events).toEqual([
      { kind: "tornTailCut", file: empty, offset: 0, bytesRemoved: 0, fileRemoved: true },
    ]);
    // Record 4 does not fit in the first segment: the log rolls to exactly the removed name.
    storage.log.append([big(4), big(5)]);
    await storage.log.sync();
    await storage.close();
    const again = await reopenAndCheck(dir.path, [1, 2, 3, 4, 5].map(big));
    await again.storage.close();
  });
});
