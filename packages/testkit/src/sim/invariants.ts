/**
 * The safety properties of ZAB, checked after every step of a simulation.
 *
 * - Integrity: only proposed payloads are ever delivered.
 * - Agreement and total order: every member applies a prefix of one global sequence.
 * - Primary order: that sequence has strictly increasing zxids.
 * - Durability: a transaction applied anywhere (so reported committed) is never replaced; a lost
 *   one shows up as a member applying something else in its place.
 * - Digest: members at the same zxid hold the same state, and the protocol's own digest exchange
 *   (a learner comparing its digest with its leader's) never reports a mismatch.
 * - Leadership: at most one member establishes each epoch.
 *
 * @module
 */
import {
  type DigestMismatch,
  type Epoch,
  formatZxid,
  type ServerId,
  type Transition,
  type Txn,
  ZXID_ZERO,
  type Zxid,
} from "@zab/core";
import type { DigestApplied } from "./digest-state-machine.js";

/**
 * Thrown when a simulation breaks a safety property.
 *
 * @since 0.1.0
 */
export class InvariantViolation extends Error {
  /** @param message - Which property broke and how. */
  constructor(message: string) {
    super(message);
    this.name = "InvariantViolation";
  }
}

interface CanonicalEntry {
  readonly zxid: Zxid;
  readonly payload: string;
  readonly digest: bigint;
}

function payloadKey(payload: Uint8Array): string {
  let key = "";
  for (const byte of payload) key += byte.toString(16).padStart(2, "0");
  return key;
}

/**
 * Accumulates what every member applied and checks it against one global history.
 *
 * @since 0.1.0
 */
export class HistoryChecker {
  readonly #canonical: CanonicalEntry[] = [];
  readonly #positions = new Map<Zxid, number>();
  readonly #proposed = new Set<string>();
  readonly #committed = new Set<string>();
  readonly #leaders = new Map<Epoch, ServerId>();

  /** How many transactions are committed in the global history. */
  get committedCount(): number {
    return this.#canonical.length;
  }

  /** The zxid of the last committed transaction in the global history. */
  get lastCommittedZxid(): Zxid {
    return this.#canonical.at(-1)?.zxid ?? ZXID_ZERO;
  }

  /**
   * Tells whether a payload is committed.
   *
   * @param payload - The payload.
   * @returns `true` when some member applied it.
   */
  isCommitted(payload: Uint8Array): boolean {
    return this.#committed.has(payloadKey(payload));
  }

  /**
   * Records a payload a client handed to a member.
   *
   * @param payload - The payload.
   */
  proposed(payload: Uint8Array): void {
    this.#proposed.add(payloadKey(payload));
  }

  /**
   * Checks one applied transaction.
   *
   * @param member - The member that applied it.
   * @param txn - The transaction.
   * @param applied - What the state machine reported.
   * @throws {@link InvariantViolation} when it breaks a property.
   */
  applied(member: ServerId, txn: Txn, applied: DigestApplied): void {
    const key = payloadKey(txn.payload);
    if (!this.#proposed.has(key)) {
      throw new InvariantViolation(
        `integrity: member ${member} applied ${formatZxid(txn.zxid)} never proposed`,
      );
    }
    const previous = applied.previousZxid === ZXID_ZERO ? -1 : this.#positions.get(applied.previousZxid);
    if (previous === undefined) {
      throw new InvariantViolation(
        `agreement: member ${member} applied ${formatZxid(txn.zxid)} after ${formatZxid(applied.previousZxid)}, which is not committed`,
      );
    }
    const position = previous + 1;
    const expected = this.#canonical[position];
    if (expected === undefined) {
      const last = this.#canonical.at(-1);
      if (last !== undefined && txn.zxid <= last.zxid) {
        throw new InvariantViolation(
          `primary order: ${formatZxid(txn.zxid)} committed after ${formatZxid(last.zxid)}`,
        );
      }
      this.#canonical.push({ zxid: txn.zxid, payload: key, digest: applied.digest });
      this.#positions.set(txn.zxid, position);
      this.#committed.add(key);
      return;
    }
    if (expected.zxid !== txn.zxid || expected.payload !== key) {
      throw new InvariantViolation(
        `agreement: member ${member} applied ${formatZxid(txn.zxid)} at position ${position}, where ${formatZxid(expected.zxid)} was committed`,
      );
    }
    if (expected.digest !== applied.digest) {
      throw new InvariantViolation(`digest: member ${member} diverged at ${formatZxid(txn.zxid)}`);
    }
  }

  /**
   * Fails on a divergence that a member's digest exchange reported. In a simulation every replica
   * applies the same transactions to the same deterministic state machine, so a report is either
   * real divergence or a false alarm of the exchange; both are bugs.
   *
   * @param member - The learner that reported it.
   * @param mismatch - What it compared.
   * @throws {@link InvariantViolation}, always.
   */
  digestMismatch(member: ServerId, mismatch: DigestMismatch): never {
    throw new InvariantViolation(
      `digest exchange: member ${member} holds digest 0x${mismatch.actual.toString(16)} at ` +
        `${formatZxid(mismatch.zxid)}, where its leader ${mismatch.leader} holds 0x${mismatch.expected.toString(16)}`,
    );
  }

  /**
   * Checks a role transition: at most one established leader per epoch.
   *
   * @param member - The member.
   * @param transition - Its new role and phase.
   * @throws {@link InvariantViolation} when two members establish the same epoch.
   */
  transition(member: ServerId, transition: Transition): void {
    if (transition.role !== "leading" || transition.phase !== "broadcast" || transition.epoch === undefined)
      return;
    const existing = this.#leaders.get(transition.epoch);
    if (existing !== undefined && existing !== member) {
      throw new InvariantViolation(
        `leadership: ${existing} and ${member} both established epoch ${transition.epoch}`,
      );
    }
    this.#leaders.set(transition.epoch, member);
  }
}
