/**
 * The values a store hands out: snapshots of the current value, history entries, and the events
 * of a watch.
 *
 * @module
 */
import type { Zxid } from "@zab/core";
import type { ConfigValidationError } from "./config-validation-error.js";

/**
 * One version of a store's value.
 *
 * @remarks
 * `version` counts the writes of the store's znode (0 for the first value); `zxid` is the
 * transaction that wrote it. Both only grow, so either orders the versions of one store; `zxid`
 * also orders them against writes to other znodes.
 * @typeParam Output - The schema's output type.
 * @since 0.1.0
 */
export interface ConfigSnapshot<Output> {
  /** The value, as the schema outputs it. */
  readonly value: Output;
  /** The znode version of the value. */
  readonly version: number;
  /** The transaction that wrote the value. */
  readonly zxid: Zxid;
  /**
   * `true` when the value was served from the store's local cache because the session was
   * disconnected (only with `allowStale`): a newer version may exist.
   */
  readonly stale: boolean;
}

/**
 * One kept version, as {@link ConfigStore.history} lists it.
 *
 * @remarks
 * A version that the current schema refuses is listed with its error rather than left out, so a
 * rollback target can be chosen knowingly.
 * @typeParam Output - The schema's output type.
 * @since 0.1.0
 */
export type ConfigHistoryEntry<Output> =
  | {
      /** The entry passed validation. */
      readonly valid: true;
      /** The value, as the schema outputs it. */
      readonly value: Output;
      /** The znode version it recorded. */
      readonly version: number;
      /** The transaction that wrote it. */
      readonly zxid: Zxid;
    }
  | {
      /** The entry failed validation under the current schema. */
      readonly valid: false;
      /** Why. */
      readonly error: ConfigValidationError;
      /** The znode version it recorded. */
      readonly version: number;
      /** The transaction that wrote it. */
      readonly zxid: Zxid;
    };

/**
 * What a {@link ConfigWatch} yields.
 *
 * - `value`: a version newer than every one yielded before; the first event is the current value.
 * - `invalid`: a newer version that the schema refuses; the previous value still stands, and
 *   the watch goes on.
 * - `stale`: the session is disconnected; the last value yielded may be outdated. `snapshot` is
 *   the newest value the store knows, if any.
 * - `fresh`: the session reconnected and the watch read the value again: the last value yielded
 *   is current again (a `value` event comes first if it changed meanwhile).
 *
 * @typeParam Output - The schema's output type.
 * @since 0.1.0
 */
export type ConfigEvent<Output> =
  | {
      /** A newer valid version. */
      readonly kind: "value";
      /** The value, as the schema outputs it. */
      readonly value: Output;
      /** The znode version of the value. */
      readonly version: number;
      /** The transaction that wrote the value. */
      readonly zxid: Zxid;
    }
  | {
      /** A newer version that fails validation. */
      readonly kind: "invalid";
      /** The znode version that failed. */
      readonly version: number;
      /** The transaction that wrote it. */
      readonly zxid: Zxid;
      /** Why it failed. */
      readonly error: ConfigValidationError;
    }
  | {
      /** The session is disconnected. */
      readonly kind: "stale";
      /** The newest value the store knows, if any. */
      readonly snapshot: ConfigSnapshot<Output> | undefined;
    }
  | {
      /** The session is back and the value was read again. */
      readonly kind: "fresh";
    };
