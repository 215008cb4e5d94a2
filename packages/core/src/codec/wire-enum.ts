/**
 * A two-way table between the string names the code uses and the one-byte codes on the wire.
 *
 * Message types, op codes, create modes and error codes are all such tables. Keeping the mapping
 * in one value means the encoder and the decoder cannot disagree, and a code missing from the
 * table is rejected on decode rather than mapped to `undefined`.
 *
 * @module
 */
import { assert } from "../assert.js";

/**
 * A fixed mapping between names and byte codes.
 *
 * @typeParam Name - The string literal names.
 * @since 0.1.0
 * @internal
 */
export interface WireEnum<Name extends string> {
  /**
   * The byte code of a name.
   *
   * @param name - A name in the table.
   * @returns Its code, 0 to 255, or `undefined` when a caller forged a name outside the union.
   */
  codeOf(name: Name): number | undefined;
  /**
   * The name for a byte code.
   *
   * @param code - A byte read from the wire.
   * @returns The name, or `undefined` when the code is not in the table.
   */
  nameOf(code: number): Name | undefined;
}

/**
 * Builds a {@link WireEnum} from a record of codes.
 *
 * @remarks
 * Typing the record as `Record<Name, number>` makes the compiler insist on a code for every
 * name, so a name added to a union without a wire code is a type error, not a runtime surprise.
 *
 * @param codes - Every name with its code. Codes must be distinct integers from 0 to 255.
 * @returns The table.
 * @throws {@link AssertionError} when two names share a code or a code is not a byte.
 * @since 0.1.0
 * @internal
 */
export function wireEnum<Name extends string>(codes: Readonly<Record<Name, number>>): WireEnum<Name> {
  // A 256-slot array makes decoding one bounds-checked index, with no hashing on the hot path.
  const names: (Name | undefined)[] = new Array<Name | undefined>(256).fill(undefined);
  // A Map, not the record, so that a forged name such as "constructor" finds nothing inherited.
  const codeByName = new Map<string, number>();
  for (const [name, code] of Object.entries(codes) as [Name, number][]) {
    assert(
      Number.isInteger(code) && code >= 0 && code <= 0xff,
      `wire code of ${name} is not a byte: ${code}`,
    );
    assert(names[code] === undefined, `wire code ${code} is used by both ${names[code]} and ${name}`);
    names[code] = name;
    codeByName.set(name, code);
  }
  return {
    codeOf: (name) => codeByName.get(name),
    nameOf: (code) => names[code],
  };
}
