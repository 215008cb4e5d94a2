/**
 * `ConfigTransaction`: a release that changes several stores at once, all or nothing.
 *
 * @module
 */
import { type CallOptions, ZabError } from "@zab/core";
import type { ConfigSnapshot } from "./config-snapshot.js";
import type { ConfigSetOptions, ConfigStore } from "./config-store.js";
import { storeInternals, untypedInternals } from "./store-internals.js";
import { encodeConfigValue } from "./validate-config-value.js";
import { type WriteIntent, writeConfig } from "./write-config.js";

/**
 * Options of {@link ConfigTransaction.commit}.
 *
 * @since 0.1.0
 */
export interface ConfigCommitOptions extends CallOptions {
  /** How many times the commit is attempted when other writers overtake it. Default 16. */
  readonly attemptsMax?: number;
}

/** Default of {@link ConfigCommitOptions.attemptsMax}. */
const ATTEMPTS_MAX_DEFAULT = 16;

/**
 * Several stores changed atomically: a release that touches more than one setting becomes
 * visible all at once, or not at all.
 *
 * @remarks
 * Stage changes with {@link ConfigTransaction.set} and {@link ConfigTransaction.update}, then
 * {@link ConfigTransaction.commit} writes them as one multi: every store gets its new version
 * and history entry in the same transaction (they share one zxid), under the same rules as a
 * single store's write — values validated before anything is sent, compare-and-set on the
 * versions read, conflicts retried (the updates run again on the newer values), and a lost
 * connection resolved by the write receipt, so the commit applies exactly once. Every store must
 * use the same session. A transaction is committed once.
 * @example
 * ```ts
 * import { type ConfigStore, ConfigTransaction } from "@zab/recipe-config";
 *
 * async function release(
 *   flags: ConfigStore<{ newCheckout: boolean }>,
 *   limits: ConfigStore<{ checkoutRps: number }>,
 * ): Promise<void> {
 *   const release = new ConfigTransaction();
 *   release.set(flags, { newCheckout: true });
 *   release.update(limits, (current) => ({ checkoutRps: (current?.checkoutRps ?? 100) * 2 }));
 *   await release.commit();
 * }
 * ```
 * @since 0.1.0
 */
export class ConfigTransaction {
  readonly #intents: WriteIntent[] = [];
  #committed = false;

  /**
   * Stages a new value for a store.
   *
   * @param store - The store.
   * @param value - Its new value; validated at commit, before anything is sent.
   * @param options - `expectedVersion`: commit only if the store is at this version (`null`:
   *   has no value yet). A mismatch fails the whole commit with `"BadVersion"`.
   * @returns This transaction, to chain calls.
   * @throws {@link @zab/core!ZabError} with code `"Invalid"` when the store is already staged or the
   *   transaction was committed.
   */
  set<Input, Output>(
    store: ConfigStore<Input, Output>,
    value: Input,
    options: Omit<ConfigSetOptions, "signal"> = {},
  ): this {
    const internals = storeInternals<Input, Output>(store);
    return this.#stage({
      store: untypedInternals(internals),
      expectedVersion: options.expectedVersion,
      next: () => encodeConfigValue(internals.schema, internals.codec, value, store.path),
    });
  }

  /**
   * Stages a change of a store computed from its current value.
   *
   * @param store - The store.
   * @param change - Computes the new value from the current one (`undefined` when there is
   *   none); runs again on each attempt, so it must be pure.
   * @returns This transaction, to chain calls.
   * @throws {@link @zab/core!ZabError} with code `"Invalid"` when the store is already staged or the
   *   transaction was committed.
   */
  update<Input, Output>(
    store: ConfigStore<Input, Output>,
    change: (current: Output | undefined) => Input | Promise<Input>,
  ): this {
    const internals = storeInternals<Input, Output>(store);
    return this.#stage({
      store: untypedInternals(internals),
      expectedVersion: undefined,
      next: async (current) => {
        const next = await change((await current.read()) as Output | undefined);
        return encodeConfigValue(internals.schema, internals.codec, next, store.path);
      },
    });
  }

  /**
   * Writes every staged change in one transaction.
   *
   * @param options - `attemptsMax` and signal.
   * @returns The new version of each store, in the order they were staged.
   * @throws {@link ConfigValidationError} when a value fails its schema (nothing proposed);
   *   {@link @zab/core!ZabError} with code `"BadVersion"` when a store is not at its expected version, or
   *   every attempt was overtaken (nothing written); `"Invalid"` when nothing is staged, the
   *   stores use different sessions, or the transaction was already committed;
   *   `"SessionExpired"`, `"Closed"` or `"Aborted"` — if the commit was sent, it may or may not
   *   have applied.
   */
  async commit(options: ConfigCommitOptions = {}): Promise<readonly ConfigSnapshot<unknown>[]> {
    if (this.#committed) throw new ZabError("Invalid", "this transaction was already committed");
    if (this.#intents.length === 0) throw new ZabError("Invalid", "a transaction needs at least one change");
    this.#committed = true;
    const written = await writeConfig(this.#intents, {
      attemptsMax: options.attemptsMax ?? ATTEMPTS_MAX_DEFAULT,
      signal: options.signal,
    });
    return written.map(({ output, version, zxid }) => ({ value: output, version, zxid, stale: false }));
  }

  #stage(intent: WriteIntent): this {
    if (this.#committed) throw new ZabError("Invalid", "this transaction was already committed");
    const path = intent.store.layout.valuePath;
    if (this.#intents.some((staged) => staged.store.layout.valuePath === path)) {
      throw new ZabError("Invalid", `${path} is already part of this transaction`, { path });
    }
    this.#intents.push(intent);
    return this;
  }
}
