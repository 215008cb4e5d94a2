/**
 * Durable append throughput and latency of the file transaction log, with real fdatasync.
 *
 * One operation is "append one ~100-byte txn, then await sync()": the latency a follower adds
 * before it may ACK a proposal. At 1, 16 and 128 concurrent appenders, group commit should turn
 * N waiting syncs into about one fdatasync, so appends/s grows with concurrency while the number
 * of fdatasyncs stays near the number of batches. Each level runs in a fresh directory under the
 * OS temp dir (a tmpfs there makes fdatasync free and the numbers meaningless).
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { epoch } from "../packages/core/src/protocol/ids.js";
import { zxid } from "../packages/core/src/protocol/zxid.js";
import { openFileStorage } from "../packages/core/src/storage/file-storage.js";
import { LatencyRecorder } from "./lib/latency.js";
import { printTable } from "./lib/table.js";

const PAYLOAD_BYTES = 100;
// Operations per level: enough for stable percentiles, small enough to keep the whole bench
// well under 30 s on a disk with a few milliseconds of fdatasync latency.
const LEVELS = [
  { appenders: 1, operations: 2_000 },
  { appenders: 16, operations: 16_000 },
  { appenders: 128, operations: 64_000 },
] as const;

export async function run(): Promise<void> {
  const rows = [];
  for (const level of LEVELS) {
    const dir = await mkdtemp(join(tmpdir(), "zab-bench-storage-"));
    try {
      rows.push(await runLevel(dir, level.appenders, level.operations));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  printTable(
    `durable append (append one ${PAYLOAD_BYTES}-byte txn, await sync), fdatasync on, ${tmpdir()}`,
    rows,
  );
}

async function runLevel(dir: string, appenders: number, operations: number) {
  const { storage } = await openFileStorage({ dir });
  const payload = new Uint8Array(PAYLOAD_BYTES).fill(7);
  const recorder = new LatencyRecorder();
  let counter = 0;
  const appender = async () => {
    // Each appender takes the next operation until all are taken; zxids are assigned at append
    // time, in call order, so they are strictly increasing across appenders.
    while (counter < operations) {
      counter++;
      const began = recorder.now();
      storage.log.append([{ zxid: zxid(epoch(1), counter), payload }]);
      await storage.log.sync();
      recorder.record(began);
    }
  };
  recorder.start();
  await Promise.all(Array.from({ length: appenders }, appender));
  recorder.stop();
  const stats = storage.stats();
  await storage.close();
  const summary = recorder.summary();
  return {
    appenders,
    appends: summary.count,
    "appends/s": Math.round(summary.opsPerSecond),
    "p50 ms": summary.p50Ms,
    "p99 ms": summary.p99Ms,
    "p999 ms": summary.p999Ms,
    fdatasyncs: stats.datasyncs,
    "appends/fdatasync": summary.count / stats.datasyncs,
  };
}
