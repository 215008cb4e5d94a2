/**
 * Where a persistent watch stream stands in the ensemble's history, so that it resumes after a
 * reconnection without a gap and without a duplicate.
 *
 * @module
 */
import { ZXID_ZERO, type Zxid } from "../protocol/zxid.js";

/**
 * The position of one persistent watch stream: every event it must deliver up to some point was
 * delivered, and the `addWatch` that sets it again asks the member to replay from there.
 *
 * @remarks
 * One transaction may fire several events on one stream (a multi, or a create under a recursive
 * watch), all with its zxid, and a channel may break between two of them. So the cursor counts
 * the events it delivered at its last zxid, resumes from the zxid just below it (the member
 * replays that transaction's events in full, in the same order) and drops as many of them as it
 * already delivered. Events below its position are dropped too: a replay never duplicates.
 * @since 0.1.0
 * @internal
 */
export class WatchCursor {
  /** Every event of a transaction before this zxid was delivered; 0 until the watch was first set. */
  #next: Zxid = ZXID_ZERO;
  /** How many events of `#next` were delivered. */
  #delivered = 0;
  /** How many events of `#next` the replay under way repeats, to be dropped. */
  #repeated = 0;

  /**
   * The `fromZxid` of the `addWatch` that sets the watch (again), and prepares for its replay.
   *
   * @returns 0 for a watch never set: from now on. Otherwise the zxid just below the first
   *   transaction whose events may not all have been delivered.
   */
  resumeFrom(): Zxid {
    this.#repeated = this.#delivered;
    return this.#next === ZXID_ZERO ? ZXID_ZERO : ((this.#next - 1n) as Zxid);
  }

  /**
   * Records that every event up to `zxid` was delivered: the member sent any it had for the
   * stream before a message at `zxid` (a reply, or the end of a replay).
   *
   * @param zxid - The zxid reached.
   */
  reached(zxid: Zxid): void {
    if (zxid < this.#next) return;
    this.#next = (zxid + 1n) as Zxid;
    this.#delivered = 0;
    this.#repeated = 0;
  }

  /**
   * Decides whether to deliver an event, and if so records it as delivered.
   *
   * @param zxid - The event's zxid.
   * @returns `false` for an event the stream already delivered.
   */
  admit(zxid: Zxid): boolean {
    if (zxid < this.#next) return false;
    if (zxid > this.#next) {
      this.#next = zxid;
      this.#delivered = 1;
      this.#repeated = 0;
      return true;
    }
    if (this.#repeated > 0) {
      this.#repeated -= 1;
      return false;
    }
    this.#delivered += 1;
    return true;
  }
}
