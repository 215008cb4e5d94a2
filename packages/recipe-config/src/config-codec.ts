/**
 * How a configuration value becomes the bytes of its znode and back. The store validates what a
 * codec decodes, so a codec only has to be a faithful encoding, not a validator.
 *
 * @module
 */

/**
 * Turns values into znode data and back.
 *
 * @remarks
 * `decode(encode(v))` must give back a value the schema accepts as it accepted `v`. `encode`
 * must not return empty bytes: a value znode with no data means "no value yet" (see
 * {@link ConfigStore}). `decode` may throw on bytes it cannot read; the store reports that as a
 * {@link ConfigValidationError}, as it does for a value the schema refuses.
 * @typeParam Input - The values the codec encodes: the schema's input type.
 * @example
 * ```ts
 * import type { ConfigCodec } from "@zab/recipe-config";
 *
 * // A codec for plain strings, stored as UTF-8.
 * const utf8: ConfigCodec<string> = {
 *   encode: (value) => new TextEncoder().encode(value),
 *   decode: (bytes) => new TextDecoder("utf-8", { fatal: true }).decode(bytes),
 * };
 * ```
 * @since 0.1.0
 */
export interface ConfigCodec<Input> {
  /**
   * Encodes a value that passed validation.
   *
   * @param value - The value to store.
   * @returns Its bytes; never empty.
   */
  encode(value: Input): Uint8Array;
  /**
   * Decodes stored bytes; the store validates the result.
   *
   * @param bytes - A value znode's data (or a history entry's).
   * @returns The decoded value, not yet validated.
   */
  decode(bytes: Uint8Array): unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The default codec: UTF-8 JSON.
 *
 * @remarks
 * Values must be JSON-serializable (no `bigint`, no cycles; `undefined` fields are dropped, as
 * `JSON.stringify` does). JSON keeps the value readable with `zab get`.
 * @example
 * ```ts
 * import { jsonCodec } from "@zab/recipe-config";
 *
 * const bytes = jsonCodec.encode({ rolloutPercent: 10 });
 * jsonCodec.decode(bytes); // { rolloutPercent: 10 }
 * ```
 * @since 0.1.0
 */
export const jsonCodec: ConfigCodec<unknown> = Object.freeze({
  encode(value: unknown): Uint8Array {
    const text = JSON.stringify(value);
    // JSON.stringify returns undefined for undefined, functions and symbols: not storable.
    if (text === undefined) throw new TypeError(`a ${typeof value} has no JSON encoding`);
    return encoder.encode(text);
  },
  decode(bytes: Uint8Array): unknown {
    return JSON.parse(decoder.decode(bytes));
  },
});
