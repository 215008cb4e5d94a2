// Goal: the memory log (the simulator's) is a faithful twin of the file log: the same sequence
// of appends, syncs, truncations, snapshot installs (rebases), clean reopens and crashes leaves
// both with the same last, last durable and base zxids and the same readable history.
// Method: model-based property test (fast-check): random operation sequences run against a file
// storage (tiny segments, so rolls happen) and a memory storage side by side, comparing after
// every step. A crash is a disk crash for memory and a close (unwritten records dropped) for
// files: both lose exactly what was not synced.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Storage } from "../../../src/ports/storage.js";
import { epoch } from "../../../src/protocol/ids.js";
import type { Txn } from "../../../src/protocol/messages.js";
import { epochOf, type Zxid, zxid } from "../../../src/protocol/zxid.js";
import { openFileStorage } from "../../../src/storage/file-storage.js";
import { MemoryDataDir } from "../../../src/storage/memory-data-dir.js";
import { openMemoryStorage } from "../../../src/storage/memory-storage.js";
import { describeTxns, readAll, tempDir } from "../../helpers/storage.js";

type Operation =
  | { readonly kind: "append"; readonly count: number; readonly newEpoch: boolean }
  | { readonly kind: "sync" }
  | { readonly kind: "truncate"; readonly pick: number }
  | { readonly kind: "installSnapshot"; readonly gap: number }
  | { readonly kind: "reopen" }
  | { readonly kind: "crash" };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("append"),
      count: fc.integer({ min: 1, max: 6 }),
      newEpoch: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: "sync" }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("truncate"), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("installSnapshot"), gap: fc.integer({ min: 0, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "reopen" }) },
  { weight: 1, arbitrary: fc.constant({ kind: "crash" }) },
) as fc.Arbitrary<Operation>;

function nextTxns(last: Zxid, count: number, newEpoch: boolean): Txn[] {
  const first = newEpoch ? zxid(epoch(epochOf(last) + 1), 1) : ((last + 1n) as Zxid);
  return Array.from({ length: count }, (_, i) => {
    const z = (first + BigInt(i)) as Zxid;
    return { zxid: z, payload: new Uint8Array(Number(z % 61n)).fill(Number(z % 251n)) };
  });
}

async function snapshotOf(storage: Storage) {
  const { log } = storage;
  return {
    lastZxid: log.lastZxid(),
    lastDurableZxid: log.lastDurableZxid(),
    baseZxid: log.baseZxid(),
    records: describeTxns(await readAll(log)),
  };
}

describe("file log and memory log", () => {
  it("agree after every step of any operation sequence", { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 30 }), async (operations) => {
        await using dir = await tempDir();
        const open = () => openFileStorage({ dir: dir.path, segmentBytesMax: 256 });
        let file = (await open()).storage;
        const disk = new MemoryDataDir();
        let memory = openMemoryStorage(disk).storage;
        try {
          for (const step of operations) {
            const last = memory.log.lastZxid();
            switch (step.kind) {
              case "append": {
                const txns = nextTxns(last, step.count, step.newEpoch);
                file.log.append(txns);
                memory.log.append(txns);
                break;
              }
              case "sync":
                expect(await file.log.sync()).toBe(await memory.log.sync());
                break;
              case "truncate": {
                const candidates = [
                  memory.log.baseZxid(),
                  ...(await readAll(memory.log)).map((txn) => txn.zxid),
                  last,
                ];
                const target = candidates[step.pick % candidates.length] as Zxid;
                await file.log.truncateAfter(target);
                await memory.log.truncateAfter(target);
                break;
              }
              case "installSnapshot": {
                const snapshot = {
                  zxid: (last + BigInt(step.gap)) as Zxid,
                  data: new Uint8Array([step.gap]),
                };
                await file.installSnapshot(snapshot);
                await memory.installSnapshot(snapshot);
                break;
              }
              case "reopen":
                await file.close();
                await memory.close();
                file = (await open()).storage;
                memory = openMemoryStorage(disk).storage;
                break;
              case "crash":
                await file.close();
                disk.crash();
                file = (await open()).storage;
                memory = openMemoryStorage(disk).storage;
                break;
            }
            expect(await snapshotOf(file), JSON.stringify(step)).toEqual(await snapshotOf(memory));
          }
        } finally {
          await file.close();
          await memory.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
