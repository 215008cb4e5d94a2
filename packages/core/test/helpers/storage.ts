// Helpers shared by the storage tests: deterministic transactions and throw-away data directories.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import type { TxnLog } from "../../src/ports/txn-log.js";
import { epoch } from "../../src/protocol/ids.js";
import type { Txn } from "../../src/protocol/messages.js";
import { type Zxid, zxid } from "../../src/protocol/zxid.js";

/** The payload of the txn at `z`, derived from it alone: varying sizes, every 37th one large. */
export function payloadFor(z: Zxid): Uint8Array {
  const seed = Number(z % 1_000_003n);
  const size = seed % 37 === 0 ? 100_000 + (seed % 1000) : (seed * 7) % 3000;
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + seed) & 0xff;
  return payload;
}

/** A txn in `epochValue` at `counter` carrying {@link payloadFor} its zxid. */
export function txnAt(counter: number, epochValue = 1): Txn {
  const z = zxid(epoch(epochValue), counter);
  return { zxid: z, payload: payloadFor(z) };
}

/** Txns at counters `from` to `to` inclusive. */
export function txnRange(from: number, to: number, epochValue = 1): Txn[] {
  return Array.from({ length: to - from + 1 }, (_, i) => txnAt(from + i, epochValue));
}

/**
 * One line per txn (zxid, payload length and crc32), so that logs compare quickly and print
 * readably; deep equality over large byte arrays is slow.
 */
export function describeTxns(txns: readonly Txn[]): string[] {
  return txns.map((txn) => `${txn.zxid.toString(16)} ${txn.payload.length} ${crc32(txn.payload)}`);
}

/** Everything `log.read` yields for `range`. */
export async function readAll(
  log: TxnLog,
  fromExclusive: Zxid = log.baseZxid(),
  toInclusive?: Zxid,
): Promise<Txn[]> {
  const txns: Txn[] = [];
  const range = toInclusive === undefined ? { fromExclusive } : { fromExclusive, toInclusive };
  for await (const txn of log.read(range)) txns.push(txn);
  return txns;
}

/** A fresh directory under the OS temp dir, removed (with everything in it) on dispose. */
export async function tempDir(): Promise<AsyncDisposable & { readonly path: string }> {
  const path = await mkdtemp(join(tmpdir(), "zab-storage-"));
  return {
    path,
    async [Symbol.asyncDispose]() {
      await rm(path, { recursive: true, force: true });
    },
  };
}
