/**
 * `ConfigStore`: one typed, validated, versioned configuration value in the tree, with history,
 * compare-and-set writes, watches and a local cache for disconnected reads.
 *
 * @module
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import {
  type CallOptions,
  type Clock,
  type Coordination,
  compareZxid,
  systemClock,
  validatePath,
  ZabError,
  type Zxid,
} from "@zab/core";
import { type ConfigCodec, jsonCodec } from "./config-codec.js";
import { configLayout, historyEntryName, versionOfHistoryEntry } from "./config-layout.js";
import type { ConfigHistoryEntry, ConfigSnapshot } from "./config-snapshot.js";
import { ConfigValidationError } from "./config-validation-error.js";
import { ConfigWatch, type ConfigWatchOptions } from "./config-watch.js";
import type { StoreReading } from "./decide-config-write.js";
import { ReceiptBook } from "./receipt-book.js";
import { signalOption } from "./signal-option.js";
import { registerStoreInternals, type StoreInternals, untypedInternals } from "./store-internals.js";
import { isTransient, retryTransient } from "./transient-retry.js";
import { decodeConfigValue, encodeConfigValue } from "./validate-config-value.js";
import { type WriteIntent, writeConfig } from "./write-config.js";

/**
 * Settings of a {@link ConfigStore}.
 *
 * @typeParam Input - The values written: the schema's input type.
 * @typeParam Output - The values read: the schema's output type.
 * @since 0.1.0
 */
export interface ConfigStoreOptions<Input, Output> {
  /**
   * Validates every value written (before it is proposed) and every value read (before the
   * application sees it): any Standard Schema validator, such as zod, valibot or arktype.
   */
  readonly schema: StandardSchemaV1<Input, Output>;
  /** Encodes values as znode data. Default {@link jsonCodec}. */
  readonly codec?: ConfigCodec<Input>;
  /** How many versions history keeps, the current one included. Default 10; at least 1. */
  readonly historyMax?: number;
  /**
   * How many times a write is attempted when other writers keep overtaking it (each attempt
   * reads the store again). Default 16.
   */
  readonly attemptsMax?: number;
  /**
   * Timers for the random pause between conflicting attempts, and randomness for it and for the
   * names of write receipts. Default {@link systemClock}; a simulation passes its virtual clock.
   */
  readonly clock?: Clock;
}

/**
 * Options of {@link ConfigStore.get}.
 *
 * @since 0.1.0
 */
export interface ConfigGetOptions extends CallOptions {
  /**
   * Serve the last value this store read or wrote, marked `stale: true`, when the session is
   * disconnected (suspended or lost) or the read fails for that reason, rather than waiting or
   * failing. Default `false`.
   */
  readonly allowStale?: boolean;
  /** Read through a `sync` with the leader, so the value is at least as new as any write completed before. */
  readonly linearizable?: boolean;
}

/**
 * Options of {@link ConfigStore.set} and {@link ConfigStore.rollback}.
 *
 * @since 0.1.0
 */
export interface ConfigSetOptions extends CallOptions {
  /**
   * Write only if the store is at this version (compare-and-set); `null`: only if it has no value
   * yet. Default: whatever the version (the write still cannot lose a concurrent one: it is
   * retried over the newest version).
   */
  readonly expectedVersion?: number | null;
}

/**
 * Options of {@link ConfigStore.update}.
 *
 * @since 0.1.0
 */
export interface ConfigUpdateOptions extends CallOptions {
  /** Overrides the store's `attemptsMax` for this update. */
  readonly attemptsMax?: number;
}

/** Default of {@link ConfigStoreOptions.historyMax}. */
const HISTORY_MAX_DEFAULT = 10;
/** Default of {@link ConfigStoreOptions.attemptsMax}. */
const ATTEMPTS_MAX_DEFAULT = 16;

/**
 * A configuration value stored in one znode: typed, validated on write and on read, versioned,
 * with history, compare-and-set writes and watches.
 *
 * @remarks
 * **Layout.** The value is the data of the znode at `path` (JSON by default, so `zab get path`
 * shows it); its znode version is the value's version. Each write is one multi that also records
 * the new version in history (`path/.history/<version>`, trimmed to the newest `historyMax`)
 * and leaves an ephemeral receipt (`path/.receipts/<random id>`) that tells, after a lost
 * connection, whether the write applied. Missing ancestors of `path` are created empty. The
 * children `.history` and `.receipts` are the store's: do not create stores at those paths, and
 * do not delete the store's znode while it is in use (versions would restart).
 *
 * **Writes** (`set`, `update`, `rollback`, {@link ConfigTransaction}) are compare-and-set on the
 * version read just before; a conflict with another writer re-reads and tries again, up to
 * `attemptsMax` times. A lost connection is not a failure: the write is sent again, and the
 * version guard and the receipt make it apply exactly once. An outcome is unknown only when the
 * session itself ends (`"SessionExpired"`, `"Closed"`) or `signal` fires while a write is in
 * flight, as for any ZooKeeper write.
 *
 * **Reads** (`get`, `watch`, `history`) validate what they read; a value the schema refuses is
 * an error (`get`), an `invalid` event (`watch`) or an entry marked invalid (`history`), never a
 * value handed to the application.
 *
 * **Disconnected.** The store remembers the newest value it read or wrote. `get({ allowStale:
 * true })` returns it marked `stale` while the session is disconnected, and watches report
 * `stale`, so a fleet keeps running on its last good configuration.
 * @typeParam Input - The values written: the schema's input type.
 * @typeParam Output - The values read: the schema's output type (the same unless the schema
 *   transforms).
 * @example
 * ```ts
 * import type { Coordination } from "@zab/core";
 * import { ConfigStore } from "@zab/recipe-config";
 * import { z } from "zod";
 *
 * const Flags = z.object({ newCheckout: z.boolean(), rolloutPercent: z.number().int().min(0).max(100) });
 *
 * async function rollOut(session: Coordination): Promise<void> {
 *   await using flags = new ConfigStore(session, "/config/flags", { schema: Flags });
 *   await flags.update((current) => ({
 *     newCheckout: true,
 *     rolloutPercent: Math.min(100, (current?.rolloutPercent ?? 0) + 10),
 *   }));
 *   const { value, version } = await flags.get();
 *   console.log(`version ${version}: ${value.rolloutPercent}%`);
 * }
 * ```
 * @since 0.1.0
 */
export class ConfigStore<Input, Output = Input> implements AsyncDisposable {
  /** The znode holding the value. */
  readonly path: string;
  readonly #internals: StoreInternals<Input, Output>;
  readonly #attemptsMax: number;
  readonly #watches = new Set<ConfigWatch<Output>>();
  #cache: { readonly value: Output; readonly version: number; readonly zxid: Zxid } | undefined;
  #lastWritten: StoreReading | undefined;
  #closed = false;

  /**
   * @param session - The session every call goes through. The store does not own it: closing
   *   the store leaves the session open.
   * @param path - The znode holding the value, such as `"/config/flags"`.
   * @param options - The schema, and optionally codec, history length, attempts and clock.
   * @throws {@link @zab/core!ZabError} with code `"Invalid"` for a bad path, `historyMax` or `attemptsMax`.
   */
  constructor(session: Coordination, path: string, options: ConfigStoreOptions<Input, Output>) {
    validatePath(path, { sequential: false, pathBytesMax: Number.MAX_SAFE_INTEGER });
    if (path === "/") throw new ZabError("Invalid", "a config store cannot be the root znode", { path });
    const historyMax = options.historyMax ?? HISTORY_MAX_DEFAULT;
    const attemptsMax = options.attemptsMax ?? ATTEMPTS_MAX_DEFAULT;
    positiveInteger("historyMax", historyMax, path);
    positiveInteger("attemptsMax", attemptsMax, path);
    const layout = configLayout(path);
    const clock = options.clock ?? systemClock;
    this.path = path;
    this.#attemptsMax = attemptsMax;
    this.#internals = {
      session,
      layout,
      schema: options.schema,
      codec: options.codec ?? (jsonCodec as ConfigCodec<Input>),
      historyMax,
      clock,
      receipts: new ReceiptBook(layout.receiptsPath, clock),
      remember: (value, version, zxid) => {
        if (this.#cache === undefined || compareZxid(zxid, this.#cache.zxid) > 0) {
          this.#cache = { value, version, zxid };
        }
      },
      cached: () => (this.#cache === undefined ? undefined : { ...this.#cache, stale: true }),
      lastWritten: () => this.#lastWritten,
      wrote: (reading) => {
        this.#lastWritten = reading;
      },
      checkOpen: () => {
        if (this.#closed) throw new ZabError("Closed", `the config store ${path} is closed`, { path });
      },
    };
    registerStoreInternals(this, this.#internals);
  }

  /**
   * Reads the current value.
   *
   * @remarks
   * A plain read is served by the session's member and never goes back in time within the
   * session; `linearizable` makes it at least as new as every write completed before the call.
   * With `allowStale`, a disconnected session gets the store's last known value, marked `stale`,
   * when there is one (otherwise the read waits for the connection as usual).
   * @param options - `allowStale`, `linearizable` and signal.
   * @returns The value, its version and zxid, and whether it is stale.
   * @throws {@link @zab/core!ZabError} with code `"NoNode"` when the store has no value yet;
   *   {@link ConfigValidationError} when the stored value fails the schema; `"Closed"` for a
   *   closed store; or a code common to every call of the session.
   */
  async get(options: ConfigGetOptions = {}): Promise<ConfigSnapshot<Output>> {
    this.#internals.checkOpen();
    const { session } = this.#internals;
    const cached = this.#internals.cached();
    if (options.allowStale === true && cached !== undefined && isDisconnected(session.state)) return cached;
    try {
      const { data, stat } = await session.getData(this.path, {
        ...signalOption(options.signal),
        ...(options.linearizable === true ? { linearizable: true } : {}),
      });
      if (data.byteLength === 0)
        throw new ZabError("NoNode", `${this.path} has no value yet`, { path: this.path });
      const value = await decodeConfigValue(this.#internals.schema, this.#internals.codec, data, {
        path: this.path,
        version: stat.version,
      });
      this.#internals.remember(value, stat.version, stat.mzxid);
      return { value, version: stat.version, zxid: stat.mzxid, stale: false };
    } catch (error) {
      const disconnected = isTransient(error) || ZabError.isInstance(error, "SessionExpired");
      const stale = this.#internals.cached();
      if (options.allowStale === true && disconnected && stale !== undefined) return stale;
      throw error;
    }
  }

  /**
   * Writes a new value.
   *
   * @remarks
   * The value is validated before anything is sent. Without `expectedVersion` the write goes over
   * whatever version is current (still as a compare-and-set, retried on conflict, so it never
   * loses a concurrent write's history entry). It is recorded in history in the same transaction.
   * @param value - The new value.
   * @param options - `expectedVersion` for a compare-and-set, and signal.
   * @returns The new version.
   * @throws {@link ConfigValidationError} when the schema refuses the value (nothing proposed);
   *   {@link @zab/core!ZabError} with code `"BadVersion"` when the store is not at `expectedVersion`, or
   *   when `attemptsMax` attempts were all overtaken (nothing written); `"SessionExpired"`,
   *   `"Closed"` or `"Aborted"` — if the write was sent, it may or may not have applied.
   */
  async set(value: Input, options: ConfigSetOptions = {}): Promise<ConfigSnapshot<Output>> {
    const { schema, codec } = this.#internals;
    const encoded = await encodeConfigValue(schema, codec, value, this.path);
    return this.#write(
      () => Promise.resolve(encoded),
      options.expectedVersion,
      this.#attemptsMax,
      options.signal,
    );
  }

  /**
   * Changes the value with a function of the current one, as a compare-and-set loop.
   *
   * @remarks
   * `change` gets the current value (`undefined` when there is none yet) and returns the new one;
   * when another writer gets in first, it runs again on the newer value, up to `attemptsMax`
   * times (plus one free try when the store starts from what its own last write left), so it
   * must be a pure function of its argument. It applies exactly once per successful
   * call, lost connections included (see {@link ConfigStore}).
   * @param change - Computes the new value from the current one.
   * @param options - `attemptsMax` for this call, and signal.
   * @returns The new version.
   * @throws {@link ConfigValidationError} when the current value or the new one fails the
   *   schema; {@link @zab/core!ZabError} with code `"BadVersion"` when every attempt was overtaken
   *   (nothing written); `"SessionExpired"`, `"Closed"` or `"Aborted"` — if the write was sent,
   *   it may or may not have applied.
   * @example
   * ```ts
   * import type { ConfigStore } from "@zab/recipe-config";
   *
   * async function increment(store: ConfigStore<{ count: number }>): Promise<number> {
   *   const { value } = await store.update((current) => ({ count: (current?.count ?? 0) + 1 }));
   *   return value.count;
   * }
   * ```
   */
  async update(
    change: (current: Output | undefined) => Input | Promise<Input>,
    options: ConfigUpdateOptions = {},
  ): Promise<ConfigSnapshot<Output>> {
    const { schema, codec } = this.#internals;
    return this.#write(
      async (current) => {
        const next = await change((await current.read()) as Output | undefined);
        return encodeConfigValue(schema, codec, next, this.path);
      },
      undefined,
      options.attemptsMax ?? this.#attemptsMax,
      options.signal,
    );
  }

  /**
   * Lists the versions kept in history, newest first.
   *
   * @remarks
   * Each entry is validated with the current schema; one that fails is listed with its error.
   * Entries trimmed while the list is read are left out.
   * @param options - Signal.
   * @returns The entries, newest first; empty for a store with no value yet.
   * @throws {@link @zab/core!ZabError} with code `"Closed"` for a closed store, or a code common to every
   *   call of the session.
   */
  async history(options: CallOptions = {}): Promise<readonly ConfigHistoryEntry<Output>[]> {
    this.#internals.checkOpen();
    const { session, layout, schema, codec } = this.#internals;
    const signal = options.signal;
    const children = await retryTransient(async () => {
      try {
        return (await session.getChildren(layout.historyPath, signalOption(signal))).children;
      } catch (error) {
        if (ZabError.isInstance(error, "NoNode")) return [];
        throw error;
      }
    }, signal);
    const versions = children
      .map(versionOfHistoryEntry)
      .filter((version) => version !== undefined)
      .sort((a, b) => b - a);
    const reads = await Promise.all(
      versions.map((version) =>
        retryTransient(async () => {
          try {
            return await session.getData(
              `${layout.historyPath}/${historyEntryName(version)}`,
              signalOption(signal),
            );
          } catch (error) {
            // Trimmed by a write since the listing: it is no longer history.
            if (ZabError.isInstance(error, "NoNode")) return undefined;
            throw error;
          }
        }, signal),
      ),
    );
    const entries: ConfigHistoryEntry<Output>[] = [];
    for (const [index, read] of reads.entries()) {
      if (read === undefined) continue;
      const version = versions[index] as number;
      const zxid = read.stat.czxid;
      try {
        const value = await decodeConfigValue(schema, codec, read.data, { path: this.path, version });
        entries.push({ valid: true, value, version, zxid });
      } catch (error) {
        if (!(error instanceof ConfigValidationError)) throw error;
        entries.push({ valid: false, error, version, zxid });
      }
    }
    return entries;
  }

  /**
   * Makes a version from history the current value again, as a new version.
   *
   * @remarks
   * History is never rewritten: the rolled-back value is written as the next version (and
   * recorded in history as such), with the same compare-and-set rules as {@link ConfigStore.set}.
   * The old value is validated with the current schema first.
   * @param version - A version listed by {@link ConfigStore.history}.
   * @param options - `expectedVersion` for a compare-and-set, and signal.
   * @returns The new version.
   * @throws {@link @zab/core!ZabError} with code `"NoNode"` when `version` is not in history;
   *   {@link ConfigValidationError} when that value fails the current schema; otherwise as
   *   {@link ConfigStore.set}.
   */
  async rollback(version: number, options: ConfigSetOptions = {}): Promise<ConfigSnapshot<Output>> {
    this.#internals.checkOpen();
    const { session, layout, schema, codec } = this.#internals;
    const entryPath = `${layout.historyPath}/${historyEntryName(version)}`;
    const { data } = await retryTransient(async () => {
      try {
        return await session.getData(entryPath, signalOption(options.signal));
      } catch (error) {
        if (!ZabError.isInstance(error, "NoNode")) throw error;
        throw new ZabError("NoNode", `version ${version} of ${this.path} is not in history`, {
          path: this.path,
          cause: error,
        });
      }
    }, options.signal);
    const output = await decodeConfigValue(schema, codec, data, { path: this.path, version });
    // The stored bytes are written again as they are: they are the encoding of a valid input.
    return this.#write(
      () => Promise.resolve({ data, output }),
      options.expectedVersion,
      this.#attemptsMax,
      options.signal,
    );
  }

  /**
   * Follows the value: the current version, then every newer one.
   *
   * @param options - Signal.
   * @returns The watch; see {@link ConfigWatch} for what it yields.
   * @throws {@link @zab/core!ZabError} with code `"Closed"` for a closed store.
   */
  watch(options: ConfigWatchOptions = {}): ConfigWatch<Output> {
    this.#internals.checkOpen();
    const watch: ConfigWatch<Output> = new ConfigWatch(
      this.#internals as StoreInternals<unknown, Output>,
      options,
      () => this.#watches.delete(watch),
    );
    this.#watches.add(watch);
    return watch;
  }

  /**
   * Closes the store: stops its watches and deletes its confirmed write receipts. The session
   * stays open. Idempotent; calls made afterwards fail with `"Closed"`.
   *
   * @param options - `signal` to stop waiting for the receipts' deletion (they are ephemeral:
   *   any left behind go with the session).
   */
  async close(options: CallOptions = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#watches].map((watch) => watch.return()));
    const { session, receipts } = this.#internals;
    if (session.state === "lost" || session.state === "closed") return;
    // Best effort, for the same reason: a receipt not deleted now goes with the session.
    await Promise.allSettled(
      receipts.takeAll().map((path) => session.delete(path, signalOption(options.signal))),
    );
  }

  /** Closes the store, as {@link ConfigStore.close} does. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #write(
    next: WriteIntent["next"],
    expectedVersion: number | null | undefined,
    attemptsMax: number,
    signal: AbortSignal | undefined,
  ): Promise<ConfigSnapshot<Output>> {
    const [written] = await writeConfig(
      [{ store: untypedInternals(this.#internals), expectedVersion, next }],
      { attemptsMax, signal },
    );
    if (written === undefined) throw new RangeError("a write returns one result per store");
    return { value: written.output as Output, version: written.version, zxid: written.zxid, stale: false };
  }
}

function isDisconnected(state: Coordination["state"]): boolean {
  return state === "suspended" || state === "lost";
}

function positiveInteger(name: string, value: number, path: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ZabError("Invalid", `${name} must be a positive integer, got ${value}`, { path });
  }
}
