/**
 * Standard Schema validation and decoding of configuration values, shared by every read and
 * write of the package so that one rule decides what is valid.
 *
 * @module
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { ConfigCodec } from "./config-codec.js";
import { ConfigValidationError } from "./config-validation-error.js";

/** Where a value comes from, for the error message. */
export interface ValueOrigin {
  /** The store's path. */
  readonly path: string;
  /** The stored version, for a value read from the tree. */
  readonly version?: number;
}

/**
 * Validates a value with any Standard Schema validator (zod, valibot, arktype, ...).
 *
 * @returns The schema's output for the value.
 * @throws {@link ConfigValidationError} with the schema's issues when it refuses the value.
 * @internal
 */
export async function validateConfigValue<Input, Output>(
  schema: StandardSchemaV1<Input, Output>,
  value: unknown,
  origin: ValueOrigin,
): Promise<Output> {
  const result = await schema["~standard"].validate(value);
  if (result.issues === undefined) return result.value;
  const where = origin.version === undefined ? "" : ` (version ${origin.version})`;
  const summary = result.issues.map((issue) => issue.message).join("; ");
  throw new ConfigValidationError(
    `the value of ${origin.path}${where} fails its schema: ${summary}`,
    result.issues,
    origin,
  );
}

/**
 * Decodes stored bytes with the codec, then validates them.
 *
 * @returns The schema's output for the stored value.
 * @throws {@link ConfigValidationError} when the codec cannot decode the bytes or the schema
 *   refuses the value.
 * @internal
 */
export async function decodeConfigValue<Input, Output>(
  schema: StandardSchemaV1<Input, Output>,
  codec: ConfigCodec<Input>,
  bytes: Uint8Array,
  origin: ValueOrigin,
): Promise<Output> {
  let decoded: unknown;
  try {
    decoded = codec.decode(bytes);
  } catch (error) {
    const where = origin.version === undefined ? "" : ` (version ${origin.version})`;
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigValidationError(
      `the value of ${origin.path}${where} cannot be decoded: ${message}`,
      [{ message: `cannot be decoded: ${message}` }],
      { ...origin, cause: error },
    );
  }
  return validateConfigValue(schema, decoded, origin);
}

/**
 * Validates a value to write and encodes it: a value the schema refuses is never proposed.
 *
 * @returns The bytes to store and the schema's output for the value.
 * @throws {@link ConfigValidationError} when the schema refuses the value.
 * @internal
 */
export async function encodeConfigValue<Input, Output>(
  schema: StandardSchemaV1<Input, Output>,
  codec: ConfigCodec<Input>,
  value: Input,
  path: string,
): Promise<{ readonly data: Uint8Array; readonly output: Output }> {
  const output = await validateConfigValue(schema, value, { path });
  // The input is stored, not the output: reading applies the schema again, and a transforming
  // schema's output need not be a valid input.
  const data = codec.encode(value);
  if (data.byteLength === 0) {
    throw new TypeError(`the codec of ${path} encoded a value as empty bytes, which mean "no value"`);
  }
  return { data, output };
}
