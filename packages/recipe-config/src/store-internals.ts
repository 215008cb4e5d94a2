/**
 * What the package's own modules (the write engine, transactions, watches) need to know about a
 * {@link ConfigStore}, kept off its public surface.
 *
 * @module
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { Clock, Coordination, Zxid } from "@zab/core";
import type { ConfigCodec } from "./config-codec.js";
import type { ConfigLayout } from "./config-layout.js";
import type { ConfigSnapshot } from "./config-snapshot.js";
import type { StoreReading } from "./decide-config-write.js";
import type { ReceiptBook } from "./receipt-book.js";

/**
 * A store's settings and state, as the package's modules see them.
 *
 * @internal
 */
export interface StoreInternals<Input = unknown, Output = unknown> {
  /** The session every call goes through. */
  readonly session: Coordination;
  /** The store's znodes. */
  readonly layout: ConfigLayout;
  /** Validates values on write and on read. */
  readonly schema: StandardSchemaV1<Input, Output>;
  /** Encodes and decodes values. */
  readonly codec: ConfigCodec<Input>;
  /** Versions kept in history. */
  readonly historyMax: number;
  /** Timers for the pause between conflicting attempts, and randomness. */
  readonly clock: Clock;
  /** The store's receipts. */
  readonly receipts: ReceiptBook;
  /** Remembers a value read or written, for stale reads while disconnected. */
  remember(value: Output, version: number, zxid: Zxid): void;
  /** The newest value read or written through the store, marked stale. */
  cached(): ConfigSnapshot<Output> | undefined;
  /** What the store's last write left, as a reading would give it; `undefined` when unknown. */
  lastWritten(): StoreReading | undefined;
  /** Records what a write left (`undefined`: forget it, another writer got in). */
  wrote(reading: StoreReading | undefined): void;
  /** Throws `"Closed"` once the store is closed. */
  checkOpen(): void;
}

const registry = new WeakMap<object, StoreInternals<never, unknown>>();

/**
 * Registers a store's internals; called once by its constructor.
 *
 * @internal
 */
export function registerStoreInternals<Input, Output>(
  store: object,
  internals: StoreInternals<Input, Output>,
): void {
  registry.set(store, internals as unknown as StoreInternals<never, unknown>);
}

/**
 * A store's internals.
 *
 * @internal
 */
export function storeInternals<Input, Output>(store: object): StoreInternals<Input, Output> {
  const internals = registry.get(store);
  if (internals === undefined) throw new TypeError("not a ConfigStore");
  return internals as unknown as StoreInternals<Input, Output>;
}

/**
 * A store's internals with its value types erased, as the write engine handles stores of
 * different types in one write. Sound because the engine only passes each store's own values
 * between its own schema, codec and cache.
 *
 * @internal
 */
export function untypedInternals<Input, Output>(
  internals: StoreInternals<Input, Output>,
): StoreInternals<unknown, unknown> {
  return internals as unknown as StoreInternals<unknown, unknown>;
}
