/**
 * Command-line parsing on top of `node:util`'s `parseArgs`, with the errors every command reports
 * the same way: a {@link ZabError} with code `"Invalid"` naming the flag.
 *
 * @module
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { ZabError } from "@zab/core";

/**
 * The option table `parseArgs` takes.
 *
 * @since 0.1.0
 * @internal
 */
export type OptionTable = NonNullable<ParseArgsConfig["options"]>;

/**
 * What {@link parseCommandArgs} returns for an option table: the flag values, typed after the
 * table, and the positional arguments.
 *
 * @since 0.1.0
 * @internal
 */
export type ParsedCommandArgs<Options extends OptionTable> = ReturnType<
  typeof parseArgs<{ args: string[]; options: Options; allowPositionals: true; strict: true }>
>;

/**
 * Parses a command's arguments strictly: unknown flags and missing values are errors.
 *
 * @param args - The arguments after the command's name.
 * @param options - The flags the command takes.
 * @returns The flag values and the positional arguments.
 * @throws {@link ZabError} with code `"Invalid"` for an unknown flag or a flag without its value.
 * @since 0.1.0
 * @internal
 */
export function parseCommandArgs<const Options extends OptionTable>(
  args: readonly string[],
  options: Options,
): ParsedCommandArgs<Options> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ZabError("Invalid", error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/**
 * Reads an integer flag.
 *
 * @param flag - The flag's name, without dashes, for the message.
 * @param value - Its value as typed, or `undefined` when absent.
 * @param range - The inclusive bounds.
 * @returns The number, or `undefined` when the flag is absent.
 * @throws {@link ZabError} with code `"Invalid"` when the value is not an integer in range.
 * @since 0.1.0
 * @internal
 */
export function integerFlag(
  flag: string,
  value: string | undefined,
  range: { readonly min: number; readonly max: number },
): number | undefined {
  if (value === undefined) return undefined;
  const number = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < range.min || number > range.max) {
    throw new ZabError(
      "Invalid",
      `--${flag} must be an integer from ${range.min} to ${range.max}, got "${value}"`,
    );
  }
  return number;
}

/**
 * Takes exactly the positional arguments a command expects.
 *
 * @param positionals - What the command was given.
 * @param names - The names of the required arguments, in order, for the message.
 * @param optional - How many more may follow.
 * @returns The required arguments as a tuple, then any optional ones.
 * @throws {@link ZabError} with code `"Invalid"` when there are too few or too many.
 * @since 0.1.0
 * @internal
 */
export function positionalArgs<const Names extends readonly string[]>(
  positionals: readonly string[],
  names: Names,
  optional = 0,
): { readonly [Index in keyof Names]: string } & readonly (string | undefined)[] {
  if (positionals.length < names.length) {
    throw new ZabError("Invalid", `missing ${names.slice(positionals.length).join(" and ")}`);
  }
  if (positionals.length > names.length + optional) {
    const extra = positionals.slice(names.length + optional);
    throw new ZabError("Invalid", `unexpected argument${extra.length > 1 ? "s" : ""}: ${extra.join(" ")}`);
  }
  // Checked just above: there is a string for every name.
  return positionals as { readonly [Index in keyof Names]: string } & readonly (string | undefined)[];
}
