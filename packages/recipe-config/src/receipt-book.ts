/**
 * The write receipts of one store: names for new ones, and the confirmed ones still to delete.
 *
 * A receipt is an ephemeral znode created by the same multi as a write, under a name made of
 * random bytes (Curator's protected-create idea): when the connection breaks before the reply,
 * the writer looks for it to learn whether the write applied. Once a write is confirmed, its
 * receipt has served; it is deleted by the store's next write (in the same multi, so for free)
 * or when the store closes, and in any case with its session, being ephemeral.
 *
 * @module
 */
import type { Clock } from "@zab/core";

/** Random bytes in a receipt's name: 128 bits, so names never collide. */
const RECEIPT_ID_BYTES = 16;

/**
 * The most confirmed receipts one write deletes; more wait for the following writes.
 *
 * @internal
 */
export const RECEIPTS_DELETED_PER_WRITE_MAX = 8;

/**
 * Names receipts and keeps the confirmed ones until they are deleted.
 *
 * @remarks
 * The list of confirmed receipts is bounded by the store's writes in flight: each write adds one
 * receipt when it applies and takes up to {@link RECEIPTS_DELETED_PER_WRITE_MAX} for deletion.
 * @internal
 */
export class ReceiptBook {
  readonly #receiptsPath: string;
  readonly #clock: Clock;
  /** Confirmed receipts no write has taken yet. */
  readonly #confirmed: string[] = [];

  constructor(receiptsPath: string, clock: Clock) {
    this.#receiptsPath = receiptsPath;
    this.#clock = clock;
  }

  /** A receipt path never used before. */
  newReceiptPath(): string {
    const bytes = this.#clock.randomBytes(RECEIPT_ID_BYTES);
    if (bytes.byteLength !== RECEIPT_ID_BYTES) throw new RangeError("the clock gave too few random bytes");
    let name = "";
    for (const byte of bytes) name += byte.toString(16).padStart(2, "0");
    return `${this.#receiptsPath}/${name}`;
  }

  /** Takes confirmed receipts for a write to delete; give them back if the write did not apply. */
  take(): readonly string[] {
    return this.#confirmed.splice(0, RECEIPTS_DELETED_PER_WRITE_MAX);
  }

  /** Returns receipts taken by a write that did not apply. */
  giveBack(paths: readonly string[]): void {
    this.#confirmed.unshift(...paths);
  }

  /** Records a receipt whose write is confirmed: it may now be deleted. */
  confirm(path: string): void {
    this.#confirmed.push(path);
  }

  /** Takes every confirmed receipt, to delete when the store closes. */
  takeAll(): readonly string[] {
    return this.#confirmed.splice(0);
  }
}
