/**
 * The `--version` flag of `set` and `rm`: the data version a write expects (compare-and-set).
 *
 * @module
 */
import { integerFlag } from "./parse-command-args.js";

/**
 * The flag, in `parseArgs` form.
 *
 * @since 0.1.0
 * @internal
 */
export const VERSION_OPTION = { version: { type: "string" } } as const;

/**
 * Reads `--version`.
 *
 * @param value - The flag's value, if given.
 * @returns The expected version, or -1 (any version) when absent.
 * @throws {@link ZabError} with code `"Invalid"` unless it is an int32 of at least -1.
 * @since 0.1.0
 * @internal
 */
export function versionFlag(value: string | undefined): number {
  return integerFlag("version", value, { min: -1, max: 0x7fff_ffff }) ?? -1;
}
