/**
 * The state machine the simulator replicates: a running digest of every applied payload, so
 * that two members at the same zxid must hold the same digest.
 *
 * @module
 */
import { assert, formatZxid, type StateMachine, type Txn, ZXID_ZERO, type Zxid } from "@zab/core";

/**
 * What applying one transaction to a {@link DigestStateMachine} reports.
 *
 * @since 0.1.0
 */
export interface DigestApplied {
  /** The zxid applied just before this one (the snapshot's after a restore). */
  readonly previousZxid: Zxid;
  /** The digest after applying. */
  readonly digest: bigint;
}

const FNV_PRIME = 0x100000001b3n;
const MASK = (1n << 64n) - 1n;

/**
 * A replicated digest: FNV-1a over (zxid, payload) of every applied transaction.
 *
 * @since 0.1.0
 */
export class DigestStateMachine implements StateMachine<DigestApplied> {
  #digest = 0xcbf29ce484222325n;
  #lastZxid: Zxid = ZXID_ZERO;

  /**
   * The digest of everything applied, which the leader sends its learners to compare
   * ({@link StateMachine.digest}).
   *
   * @returns The FNV-1a state after the last applied transaction or restored snapshot.
   */
  digest(): bigint {
    return this.#digest;
  }

  /** The zxid of the last transaction applied. */
  get lastZxid(): Zxid {
    return this.#lastZxid;
  }

  apply(txn: Txn): DigestApplied {
    assert(txn.zxid > this.#lastZxid, `applied ${formatZxid(txn.zxid)} after ${formatZxid(this.#lastZxid)}`);
    const previousZxid = this.#lastZxid;
    let digest = this.#digest;
    for (let shift = 56n; shift >= 0n; shift -= 8n) {
      digest = ((digest ^ ((txn.zxid >> shift) & 0xffn)) * FNV_PRIME) & MASK;
    }
    for (const byte of txn.payload) digest = ((digest ^ BigInt(byte)) * FNV_PRIME) & MASK;
    this.#digest = digest;
    this.#lastZxid = txn.zxid;
    return { previousZxid, digest };
  }

  snapshot(): Uint8Array {
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, this.#digest);
    view.setBigUint64(8, this.#lastZxid);
    return bytes;
  }

  restore(data: Uint8Array, zxid: Zxid): void {
    assert(data.byteLength === 16, "a digest snapshot is 16 bytes");
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.#digest = view.getBigUint64(0);
    this.#lastZxid = view.getBigUint64(8) as Zxid;
    assert(
      this.#lastZxid === zxid,
      `snapshot of ${formatZxid(this.#lastZxid)} restored as ${formatZxid(zxid)}`,
    );
  }
}
