/**
 * Checks on the values of a parsed JSON document, each naming the field at fault by its dotted
 * path (`members.2.peerPort`), so a bad config file is reported in one clear line.
 *
 * @module
 */
import { ZabError } from "@zab/core";

/**
 * Requires a JSON object and refuses fields it does not know: that catches typos such as
 * `tickMS`, which would otherwise be silently ignored.
 *
 * @param value - The value.
 * @param field - Its path, or `"the config"` for the document itself.
 * @param known - The fields allowed.
 * @returns The object, typed with the fields it may have.
 * @throws {@link ZabError} with code `"Invalid"` otherwise.
 * @since 0.1.0
 * @internal
 */
export function objectField<const Known extends string>(
  value: unknown,
  field: string,
  known: readonly Known[],
): Partial<Record<Known, unknown>> {
  const object = recordField(value, field);
  const unknown = Object.keys(object).filter((key) => !(known as readonly string[]).includes(key));
  if (unknown.length > 0) {
    const where = field === "the config" ? "" : ` in ${field}`;
    throw new ZabError(
      "Invalid",
      `unknown field ${unknown.map((key) => `"${key}"`).join(", ")}${where} (known: ${known.join(", ")})`,
    );
  }
  return object as Partial<Record<Known, unknown>>;
}

/**
 * Requires a JSON object with any fields, such as a map keyed by member id.
 *
 * @param value - The value.
 * @param field - Its path.
 * @returns The object.
 * @throws {@link ZabError} with code `"Invalid"` otherwise.
 * @since 0.1.0
 * @internal
 */
export function recordField(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(field, "must be a JSON object", value);
  }
  return value as Record<string, unknown>;
}

/**
 * Requires a non-empty string.
 *
 * @param value - The value.
 * @param field - Its path.
 * @returns The string.
 * @throws {@link ZabError} with code `"Invalid"` otherwise.
 * @since 0.1.0
 * @internal
 */
export function stringField(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0)
    throw invalid(field, "must be a non-empty string", value);
  return value;
}

/**
 * Requires an integer within bounds.
 *
 * @param value - The value.
 * @param field - Its path.
 * @param range - The inclusive bounds.
 * @returns The integer.
 * @throws {@link ZabError} with code `"Invalid"` otherwise.
 * @since 0.1.0
 * @internal
 */
export function integerField(
  value: unknown,
  field: string,
  range: { readonly min: number; readonly max: number },
): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw invalid(field, `must be an integer from ${range.min} to ${range.max}`, value);
  }
  return value;
}

/**
 * Requires one of a few strings.
 *
 * @param value - The value.
 * @param field - Its path.
 * @param allowed - The strings allowed.
 * @returns The string.
 * @throws {@link ZabError} with code `"Invalid"` otherwise.
 * @since 0.1.0
 * @internal
 */
export function choiceField<const Choice extends string>(
  value: unknown,
  field: string,
  allowed: readonly Choice[],
): Choice {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw invalid(field, `must be one of ${allowed.map((choice) => `"${choice}"`).join(", ")}`, value);
  }
  return value as Choice;
}

/**
 * The error for a field whose value is wrong, quoting the value.
 *
 * @param field - Its path.
 * @param requirement - What it must be, e.g. "must be a non-empty string".
 * @param value - What it is.
 * @returns The error.
 * @since 0.1.0
 * @internal
 */
export function invalid(field: string, requirement: string, value: unknown): ZabError {
  return new ZabError("Invalid", `${field} ${requirement}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "an array" : "an object";
  return JSON.stringify(value);
}
