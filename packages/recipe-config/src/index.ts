/**
 * Typed, versioned configuration distribution on zab: Curator's `SharedValue` and
 * `CuratorCache` for one value, with validation, history and atomic multi-key releases.
 *
 * A {@link ConfigStore} keeps one configuration value in a znode. Values are validated with any
 * [Standard Schema](https://standardschema.dev) validator (zod, valibot, arktype) on write and
 * on read, and encoded as JSON unless another {@link ConfigCodec} is given. Writes are
 * compare-and-set and apply exactly once across lost connections; `update` retries a
 * read-modify-write loop; {@link ConfigTransaction} changes several stores in one transaction;
 * the last versions are kept for `history()` and `rollback()`. `watch()` yields the current
 * value and then every newer one, coalescing for slow consumers and resuming across
 * reconnections; while disconnected, reads can serve the last known value marked stale.
 *
 * @example
 * ```ts
 * import type { Coordination } from "@zab/core";
 * import { ConfigStore } from "@zab/recipe-config";
 * import { z } from "zod";
 *
 * const Flags = z.object({ newCheckout: z.boolean() });
 *
 * async function run(session: Coordination, signal: AbortSignal): Promise<void> {
 *   await using flags = new ConfigStore(session, "/config/flags", { schema: Flags });
 *   for await (const event of flags.watch({ signal })) {
 *     if (event.kind === "value") console.log("new checkout:", event.value.newCheckout);
 *   }
 * }
 * ```
 * @see The guide: docs/guides/config.md.
 * @packageDocumentation
 */
export { type ConfigCodec, jsonCodec } from "./config-codec.js";
export type { ConfigEvent, ConfigHistoryEntry, ConfigSnapshot } from "./config-snapshot.js";
export {
  type ConfigGetOptions,
  type ConfigSetOptions,
  ConfigStore,
  type ConfigStoreOptions,
  type ConfigUpdateOptions,
} from "./config-store.js";
export { type ConfigCommitOptions, ConfigTransaction } from "./config-transaction.js";
export { ConfigValidationError } from "./config-validation-error.js";
export { ConfigWatch, type ConfigWatchOptions } from "./config-watch.js";
