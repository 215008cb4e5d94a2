// Goal: the epoch rule holds on real files: a brand-new directory gets both files at 0; a valid
// leftover .tmp is merged by max and the file rewritten (ZOOKEEPER-4269); a torn .tmp is removed;
// an unparseable or missing file (with history) and acceptedEpoch < currentEpoch refuse to start,
// naming the file and changing nothing; currentEpoch below the last logged epoch is legal
// (ZOOKEEPER-1653). Epoch writes are durable across reopen and never go backwards.
// Method: plant epoch files by hand in a temp directory, open, and read the files back.

import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AssertionError } from "../../../src/assert.js";
import { ZabError } from "../../../src/errors.js";
import { epoch } from "../../../src/protocol/ids.js";
import { openFileStorage } from "../../../src/storage/file-storage.js";
import { tempDir, txnAt } from "../../helpers/storage.js";

async function withHistory(dir: string): Promise<void> {
  const { storage } = await openFileStorage({ dir });
  await storage.epochs.writeAcceptedEpoch(epoch(3));
  await storage.epochs.writeCurrentEpoch(epoch(2));
  storage.log.append([txnAt(1, 3)]);
  await storage.log.sync();
  await storage.close();
}

const read = (dir: string, name: string) => readFile(join(dir, name), "utf8");

async function refusal(dir: string): Promise<string> {
  const before = await readdir(dir);
  const error = await openFileStorage({ dir }).then(
    () => expect.unreachable("start-up should have refused"),
    (caught: unknown) => caught,
  );
  expect(ZabError.isInstance(error, "Corrupt")).toBe(true);
  expect(await readdir(dir)).toEqual(before);
  return (error as Error).message;
}

describe("epoch files", () => {
  it("start at 0 in a brand-new directory, and writes are durable across reopen", async () => {
    await using dir = await tempDir();
    const { storage, recovery } = await openFileStorage({ dir: dir.path });
    expect(recovery).toMatchObject({ brandNew: true, acceptedEpoch: 0, currentEpoch: 0 });
    expect([await read(dir.path, "acceptedEpoch"), await read(dir.path, "currentEpoch")]).toEqual([
      "0\n",
      "0\n",
    ]);
    await storage.epochs.writeAcceptedEpoch(epoch(5));
    await storage.epochs.writeCurrentEpoch(epoch(5));
    expect(() => storage.epochs.writeAcceptedEpoch(epoch(4))).toThrow(AssertionError);
    await storage.close();
    const reopened = await openFileStorage({ dir: dir.path });
    expect(reopened.recovery).toMatchObject({
      brandNew: false,
      acceptedEpoch: 5,
      currentEpoch: 5,
      events: [],
    });
    await reopened.storage.close();
  });

  it("take a larger valid leftover tmp, rewriting the file and removing the tmp", async () => {
    await using dir = await tempDir();
    await withHistory(dir.path);
    await writeFile(join(dir.path, "acceptedEpoch.tmp"), "4\n");
    await writeFile(join(dir.path, "currentEpoch.tmp"), "1\n");
    const { storage, recovery } = await openFileStorage({ dir: dir.path });
    expect(recovery).toMatchObject({ acceptedEpoch: 4, currentEpoch: 2 });
    expect(recovery.events).toEqual([
      { kind: "epochTmpApplied", file: join(dir.path, "acceptedEpoch"), fileValue: 3, tmpValue: 4, value: 4 },
      { kind: "epochTmpApplied", file: join(dir.path, "currentEpoch"), fileValue: 2, tmpValue: 1, value: 2 },
    ]);
    expect(await read(dir.path, "acceptedEpoch")).toBe("4\n");
    expect((await readdir(dir.path)).filter((name) => name.includes("Epoch"))).toEqual([
      "acceptedEpoch",
      "currentEpoch",
    ]);
    await storage.close();
  });

  it("remove a torn leftover tmp and keep the file", async () => {
    await using dir = await tempDir();
    await withHistory(dir.path);
    await writeFile(join(dir.path, "currentEpoch.tmp"), "");
    const { storage, recovery } = await openFileStorage({ dir: dir.path });
    expect(recovery).toMatchObject({ acceptedEpoch: 3, currentEpoch: 2 });
    expect(recovery.events).toEqual([
      { kind: "epochTmpDiscarded", file: join(dir.path, "currentEpoch.tmp") },
    ]);
    expect(await readdir(dir.path)).not.toContain("currentEpoch.tmp");
    await storage.close();
  });

  it("refuse to start on a file that does not parse, even beside a valid tmp", async () => {
    await using dir = await tempDir();
    await withHistory(dir.path);
    for (const bad of ["", "three\n", "4294967296\n"]) {
      await writeFile(join(dir.path, "acceptedEpoch"), bad);
      expect(await refusal(dir.path)).toContain(join(dir.path, "acceptedEpoch"));
    }
    await writeFile(join(dir.path, "acceptedEpoch.tmp"), "9\n");
    expect(await refusal(dir.path)).toContain(join(dir.path, "acceptedEpoch"));
  });

  it("refuse to start on a missing file when the directory holds history, never defaulting to 0", async () => {
    await using dir = await tempDir();
    await withHistory(dir.path);
    await rm(join(dir.path, "currentEpoch"));
    expect(await refusal(dir.path)).toMatch(/currentEpoch is missing/);
  });

  it("refuse to start when acceptedEpoch is below currentEpoch", async () => {
    await using dir = await tempDir();
    await withHistory(dir.path);
    await writeFile(join(dir.path, "currentEpoch"), "7\n");
    expect(await refusal(dir.path)).toMatch(/currentEpoch 7 .* above acceptedEpoch 3/);
  });

  it("accept currentEpoch below the epoch of the last logged zxid, reporting both", async () => {
    await using dir = await tempDir();
    await withHistory(dir.path); // currentEpoch 2, last logged zxid in epoch 3
    const { storage, recovery } = await openFileStorage({ dir: dir.path });
    expect(recovery).toMatchObject({ currentEpoch: 2, lastLoggedZxid: txnAt(1, 3).zxid, events: [] });
    await storage.close();
  });
});
