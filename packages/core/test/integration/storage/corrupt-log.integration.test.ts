// Goal: damage anywhere but a torn final record stops start-up with ZabError "Corrupt" naming
// the file and the byte offset (for a bad record), never skipping ahead, and without changing the
// directory: a flipped byte mid-segment, a bad record ending a segment that is not the last, a
// missing segment, a log whose start no snapshot covers (ZOOKEEPER-2325), snapshots without a log.
// Method: write a log through the storage, damage files by hand, reopen and inspect the error.

import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ZabError } from "../../../src/errors.js";
import type { Txn } from "../../../src/protocol/messages.js";
import { openFileStorage } from "../../../src/storage/file-storage.js";
import { RECORD_HEADER_BYTES } from "../../../src/storage/log-record.js";
import { SEGMENT_HEADER_BYTES } from "../../../src/storage/log-segment.js";
import { tempDir, txnAt } from "../../helpers/storage.js";

const SEGMENT_BYTES = 4096;
const small = (from: number, to: number): Txn[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    zxid: txnAt(from + i).zxid,
    payload: new Uint8Array(200).fill(i),
  }));
const RECORD_BYTES = RECORD_HEADER_BYTES + 200;

async function writeLog(dir: string, txns: readonly Txn[]): Promise<string[]> {
  const { storage } = await openFileStorage({ dir, segmentBytesMax: SEGMENT_BYTES });
  storage.log.append(txns);
  await storage.log.sync();
  await storage.close();
  return (await readdir(dir)).filter((name) => name.startsWith("log.")).sort();
}

async function openError(dir: string): Promise<ZabError> {
  const error = await openFileStorage({ dir, segmentBytesMax: SEGMENT_BYTES }).then(
    () => expect.unreachable("start-up should have refused"),
    (caught: unknown) => caught,
  );
  expect(ZabError.isInstance(error, "Corrupt")).toBe(true);
  return error as ZabError;
}

async function flipByte(file: string, offset: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[offset] = (bytes[offset] ?? 0) ^ 0x10;
  await writeFile(file, bytes);
}

describe("corrupt log", () => {
  it("refuses a flipped byte in the middle of a segment, naming the file and the record's offset", async () => {
    await using dir = await tempDir();
    const names = await writeLog(dir.path, small(1, 40));
    const file = join(dir.path, names[1] ?? "");
    const recordOffset = SEGMENT_HEADER_BYTES + 3 * RECORD_BYTES;
    await flipByte(file, recordOffset + RECORD_HEADER_BYTES + 50);
    const before = await readdir(dir.path);

    const error = await openError(dir.path);
    expect(error.message).toContain(file);
    expect(error.message).toContain(`byte offset ${recordOffset}`);
    expect(error.path).toBe(file);
    // Nothing was repaired or removed, and the lock was released: the same refusal again.
    expect(await readdir(dir.path)).toEqual(before);
    expect((await openError(dir.path)).message).toBe(error.message);
  });

  it("refuses a flipped byte in the middle of the last segment too (valid records follow it)", async () => {
    await using dir = await tempDir();
    const names = await writeLog(dir.path, small(1, 40));
    const file = join(dir.path, names.at(-1) ?? "");
    await flipByte(file, SEGMENT_HEADER_BYTES + 10);
    expect((await openError(dir.path)).message).toContain(`${file} at byte offset ${SEGMENT_HEADER_BYTES}`);
  });

  it("refuses a torn-looking record at the end of a segment that is not the last", async () => {
    await using dir = await tempDir();
    const names = await writeLog(dir.path, small(1, 40));
    const file = join(dir.path, names[0] ?? "");
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 7));
    const lastRecordOffset = bytes.length - RECORD_BYTES;
    expect((await openError(dir.path)).message).toContain(`${file} at byte offset ${lastRecordOffset}`);
  });

  it("refuses a log with a segment missing in the middle", async () => {
    await using dir = await tempDir();
    const names = await writeLog(dir.path, small(1, 60));
    expect(names.length).toBeGreaterThan(2);
    await rm(join(dir.path, names[1] ?? ""));
    expect((await openError(dir.path)).message).toMatch(/a segment is missing or misplaced/);
  });

  it("refuses a log whose start no valid snapshot covers, and snapshots without a log", async () => {
    await using dir = await tempDir();
    const { storage } = await openFileStorage({ dir: dir.path, segmentBytesMax: SEGMENT_BYTES });
    storage.log.append(small(1, 60));
    await storage.log.sync();
    await storage.snapshots.save(txnAt(40).zxid, new Uint8Array([1]));
    await storage.purge();
    await storage.close();
    const snapshot = (await readdir(dir.path)).find((name) => name.startsWith("snapshot.")) ?? "";
    await rm(join(dir.path, snapshot));
    expect((await openError(dir.path)).message).toMatch(/no valid snapshot covers the history/);

    await writeFile(join(dir.path, snapshot), new Uint8Array([1, 2, 3]));
    expect((await openError(dir.path)).message).toMatch(/skipped .*snapshot\..*: only 3 bytes/);

    for (const name of await readdir(dir.path)) if (name.startsWith("log.")) await rm(join(dir.path, name));
    expect((await openError(dir.path)).message).toMatch(/holds snapshots but no log segment/);
  });
});
