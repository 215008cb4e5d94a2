/**
 * The one write path of the package: `set`, `update`, `rollback` and transactions all come here.
 *
 * A write is a loop of attempts. Each attempt reads every store it touches, checks the caller's
 * expected versions, computes and validates the new values, and sends one multi decided by
 * {@link decideConfigWrite}, whose guards make it apply only over the state it read. A conflict
 * with another writer (a guard failed) starts a new attempt after a random pause, up to
 * `attemptsMax`. A lost
 * connection leaves the outcome unknown, so the same multi is sent again: the guards let at most
 * one of the copies apply, and when a copy fails on a guard, the receipt tells whether an earlier
 * copy applied. So a write applies exactly once, or is reported as not applied, for as long as
 * the session lives.
 *
 * @module
 */
import { assert, type Coordination, type MultiItemOutcome, ZabError, type Zxid } from "@zab/core";
import { abortedError } from "./aborted-error.js";
import { ancestorsOf, versionOfHistoryEntry } from "./config-layout.js";
import { conflictBackoff } from "./conflict-backoff.js";
import { decideConfigWrite, type StoreReading } from "./decide-config-write.js";
import { signalOption } from "./signal-option.js";
import type { StoreInternals } from "./store-internals.js";
import { isTransient, retryTransient, TRANSIENT_RETRIES_MAX } from "./transient-retry.js";
import { decodeConfigValue } from "./validate-config-value.js";

/**
 * The current value of a store, as a write attempt sees it: decoded and validated only when the
 * write asks for it (an update does, a plain set does not).
 *
 * @internal
 */
export interface CurrentValue {
  /** The version, or `null` when the store has no value yet. */
  readonly version: number | null;
  /**
   * The value as the schema outputs it, or `undefined` when there is none.
   *
   * @throws {@link ConfigValidationError} when the stored value fails validation.
   */
  read(): Promise<unknown>;
}

/**
 * One store's part of a write.
 *
 * @internal
 */
export interface WriteIntent {
  /** The store. */
  readonly store: StoreInternals<unknown, unknown>;
  /** The version the store must have (`null`: no value yet), or `undefined` for any. */
  readonly expectedVersion: number | null | undefined;
  /**
   * Computes, validates and encodes the new value.
   *
   * @throws {@link ConfigValidationError} when the new value (or a current value it needs) fails.
   */
  next(current: CurrentValue): Promise<{ readonly data: Uint8Array; readonly output: unknown }>;
}

/**
 * What a write did to one store.
 *
 * @internal
 */
export interface WrittenValue {
  /** The new value, as the schema outputs it. */
  readonly output: unknown;
  /** Its version. */
  readonly version: number;
  /** The transaction that wrote it. */
  readonly zxid: Zxid;
}

/**
 * Writes new values to one or more stores atomically.
 *
 * @returns One result per intent, in order.
 * @throws {@link @zab/core!ZabError} `"BadVersion"` when an expected version does not match, or when every
 *   attempt conflicted with another writer (nothing was written); {@link ConfigValidationError}
 *   for a value the schema refuses (nothing was proposed); `"SessionExpired"`, `"Aborted"`,
 *   `"Closed"` or `"ConnectionLoss"` (after {@link TRANSIENT_RETRIES_MAX} resends) as the session
 *   reports them — if the write was sent, it may or may not have applied.
 * @internal
 */
export async function writeConfig(
  intents: readonly WriteIntent[],
  options: { readonly attemptsMax: number; readonly signal: AbortSignal | undefined },
): Promise<readonly WrittenValue[]> {
  const first = intents[0];
  if (first === undefined) throw new RangeError("a write needs at least one store");
  const { attemptsMax, signal } = options;
  if (!Number.isSafeInteger(attemptsMax) || attemptsMax < 1) {
    throw new ZabError("Invalid", `attemptsMax must be a positive integer, got ${attemptsMax}`);
  }
  const session = first.store.session;
  for (const intent of intents) {
    intent.store.checkOpen();
    if (intent.store.session !== session) {
      throw new ZabError("Invalid", "every store of one write must use the same session");
    }
  }
  // A store remembers what its last write left; a write without expected versions starts from
  // that, saving the reads, and reads only if another writer got in between (a guard fails).
  // Such an optimistic try does not count as an attempt.
  let optimistic = intents.every(
    (intent) => intent.expectedVersion === undefined && intent.store.lastWritten() !== undefined,
  );
  // Set when an expected version did not match a plain read, which the session's member serves
  // and which may lag: the mismatch is confirmed by a read through the leader before it counts.
  let linearizable = false;
  for (let attempt = 1; ; attempt += 1) {
    if (signal?.aborted === true) throw abortedError(signal, "the write", first.store.layout.valuePath);
    const readings = optimistic
      ? intents.map((intent) => intent.store.lastWritten() as StoreReading)
      : await Promise.all(intents.map((intent) => readStore(intent.store, signal, linearizable)));
    const mismatch = intents.findIndex(
      (intent, index) =>
        intent.expectedVersion !== undefined &&
        intent.expectedVersion !== currentValue(intent.store, readings[index] as StoreReading).version,
    );
    if (mismatch >= 0) {
      if (!linearizable) {
        linearizable = true;
        attempt -= 1;
        continue;
      }
      const { store, expectedVersion } = intents[mismatch] as WriteIntent;
      const actual = currentValue(store, readings[mismatch] as StoreReading).version;
      throw new ZabError(
        "BadVersion",
        `${store.layout.valuePath} is at version ${actual ?? "none"}, not ${expectedVersion ?? "none"}`,
        { path: store.layout.valuePath },
      );
    }
    const nexts: { readonly data: Uint8Array; readonly output: unknown }[] = [];
    for (const [index, intent] of intents.entries()) {
      nexts.push(await intent.next(currentValue(intent.store, readings[index] as StoreReading)));
    }
    for (const reading of readings) {
      if (reading.value === undefined) await createAncestors(session, reading.layout.valuePath, signal);
    }
    const receipts = first.store.receipts;
    const receiptPath = receipts.newReceiptPath();
    const receiptsToDelete = receipts.take();
    const plan = decideConfigWrite({
      writes: intents.map((intent, index) => ({
        reading: readings[index] as StoreReading,
        data: (nexts[index] as { data: Uint8Array }).data,
        historyMax: intent.store.historyMax,
      })),
      receiptPath,
      receiptsToDelete,
    });
    let outcome: SendOutcome;
    try {
      outcome = await sendUntilKnown(session, plan.ops, receiptPath, signal);
    } catch (error) {
      // Whether the multi applied is unknown: a later write deletes these receipts, or finds
      // them gone (below) and drops them.
      receipts.giveBack(receiptsToDelete);
      throw error;
    }
    if (outcome.applied) {
      receipts.confirm(receiptPath);
      for (const [index, intent] of intents.entries()) intent.store.wrote(plan.after[index] as StoreReading);
      return intents.map((intent, index) => {
        const written = {
          output: (nexts[index] as { output: unknown }).output,
          version: plan.versions[index] as number,
          zxid: outcome.zxid,
        };
        intent.store.remember(written.output, written.version, written.zxid);
        return written;
      });
    }
    // A receipt to delete that is gone can only have gone with a session that ended; any
    // other guard failure is a conflict, and the receipts wait for the next write.
    const receiptsFrom = plan.ops.length - receiptsToDelete.length;
    if (outcome.failedIndex < receiptsFrom) receipts.giveBack(receiptsToDelete);
    for (const intent of intents) intent.store.wrote(undefined);
    if (optimistic) {
      optimistic = false;
      attempt -= 1;
      continue;
    }
    if (attempt >= attemptsMax) {
      throw new ZabError(
        "BadVersion",
        `gave up writing ${first.store.layout.valuePath} after ${attemptsMax} attempts, each overtaken by another writer; nothing was written`,
        { path: first.store.layout.valuePath, cause: outcome.error },
      );
    }
    await conflictBackoff(first.store.clock, attempt, signal, first.store.layout.valuePath);
  }
}

/**
 * Reads what a write must know of a store: its value znode, then its history entries. Both
 * reads are pipelined on the session, so the listing is at least as new as the value read.
 * `linearizable` puts a sync with the leader before them.
 *
 * @internal
 */
export async function readStore(
  store: StoreInternals<unknown, unknown>,
  signal: AbortSignal | undefined,
  linearizable: boolean,
): Promise<StoreReading> {
  const { session, layout } = store;
  return retryTransient(async () => {
    const [value, children] = await Promise.allSettled([
      session.getData(layout.valuePath, { ...signalOption(signal), linearizable }),
      session.getChildren(layout.historyPath, signalOption(signal)),
    ]);
    if (value.status === "rejected") {
      if (!ZabError.isInstance(value.reason, "NoNode")) throw value.reason;
      return { layout, value: undefined, history: undefined };
    }
    if (children.status === "rejected") {
      if (!ZabError.isInstance(children.reason, "NoNode")) throw children.reason;
      return {
        layout,
        value: { data: value.value.data, version: value.value.stat.version },
        history: undefined,
      };
    }
    const history: number[] = [];
    for (const name of children.value.children) {
      const version = versionOfHistoryEntry(name);
      if (version !== undefined) history.push(version);
    }
    return { layout, value: { data: value.value.data, version: value.value.stat.version }, history };
  }, signal);
}

/** The current value of a store in a reading. Empty data is "no value yet". */
function currentValue(store: StoreInternals<unknown, unknown>, reading: StoreReading): CurrentValue {
  const value = reading.value;
  if (value === undefined || value.data.byteLength === 0) {
    return { version: null, read: () => Promise.resolve(undefined) };
  }
  const { version } = value;
  return {
    version,
    read: () =>
      decodeConfigValue(store.schema, store.codec, value.data, { path: reading.layout.valuePath, version }),
  };
}

/** Creates the missing ancestors of a store's znode, as empty persistent znodes. */
async function createAncestors(
  session: Coordination,
  path: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  for (const ancestor of ancestorsOf(path)) {
    await retryTransient(async () => {
      try {
        await session.create(ancestor, signalOption(signal));
      } catch (error) {
        // Already there: made by someone else, or by an earlier try whose reply was lost.
        if (!ZabError.isInstance(error, "NodeExists")) throw error;
      }
    }, signal);
  }
}

/** How one multi ended, once known. */
type SendOutcome =
  | { readonly applied: true; readonly zxid: Zxid }
  | { readonly applied: false; readonly failedIndex: number; readonly error: ZabError };

/** Guard failures: the state was not the one the multi was decided on. */
const GUARD_CODES = new Set(["BadVersion", "NodeExists", "NoNode"]);

/**
 * Sends a multi until its outcome is known: applied (by this send or an earlier one whose reply
 * was lost), or refused by a guard.
 */
async function sendUntilKnown(
  session: Coordination,
  ops: Parameters<Coordination["multi"]>[0],
  receiptPath: string,
  signal: AbortSignal | undefined,
): Promise<SendOutcome> {
  let mayHaveApplied = false;
  for (let send = 0; ; send += 1) {
    try {
      const outcomes = await session.multi(ops, signalOption(signal));
      return { applied: true, zxid: zxidOf(outcomes) };
    } catch (error) {
      if (isMultiError(error) && GUARD_CODES.has(error.code)) {
        if (mayHaveApplied) {
          // A copy sent earlier may have applied and moved the guards on: the receipt says.
          // The guards now fail, so no copy still in flight can apply after this read.
          const receipt = await retryTransient(
            () => session.exists(receiptPath, signalOption(signal)),
            signal,
          );
          if (receipt.stat !== undefined) return { applied: true, zxid: receipt.stat.czxid };
        }
        return { applied: false, failedIndex: error.failedIndex, error };
      }
      if (!isTransient(error) || send >= TRANSIENT_RETRIES_MAX) throw error;
      mayHaveApplied = true;
    }
  }
}

/** A failed multi: a {@link @zab/core!ZabError} with the index of the operation at fault. */
function isMultiError(error: unknown): error is ZabError & { readonly failedIndex: number } {
  return ZabError.isInstance(error) && typeof (error as { failedIndex?: unknown }).failedIndex === "number";
}

/** The zxid of the transaction a multi applied: the stat of its first operation, a guard. */
function zxidOf(outcomes: readonly MultiItemOutcome[]): Zxid {
  const guard = outcomes[0];
  assert(
    guard !== undefined && (guard.op === "setData" || guard.op === "create"),
    "a write starts with its guard",
  );
  return guard.op === "setData" ? guard.stat.mzxid : guard.stat.czxid;
}
