/**
 * The error for a configuration value that its schema refuses, on write or on read.
 *
 * @module
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { ZabError } from "@zab/core";

/**
 * A value that failed validation: refused before it was proposed (on write), or found in the
 * tree and kept from the application (on read: the schema changed, or another writer bypassed
 * it). Its code is `"Invalid"`.
 *
 * @remarks
 * Bytes the codec cannot decode are reported the same way, with one issue naming the codec's
 * error (chained as `cause`). A watch reports an invalid stored version as an `"invalid"`
 * event carrying this error rather than throwing it into the consumer's loop.
 * @example
 * ```ts
 * import { ConfigValidationError, type ConfigStore } from "@zab/recipe-config";
 *
 * async function publish(store: ConfigStore<{ percent: number }>, percent: number): Promise<void> {
 *   try {
 *     await store.set({ percent });
 *   } catch (error) {
 *     if (error instanceof ConfigValidationError) console.log(error.issues.map((issue) => issue.message));
 *     else throw error;
 *   }
 * }
 * ```
 * @since 0.1.0
 */
export class ConfigValidationError extends ZabError {
  /** What the schema (or the codec) objected to. */
  readonly issues: readonly StandardSchemaV1.Issue[];
  /** The stored version that failed, when the value was read; `undefined` for a refused write. */
  readonly version: number | undefined;

  /**
   * @param message - A sentence for humans.
   * @param issues - The schema's issues.
   * @param options - `path` of the store, `version` of a stored value, `cause` to chain.
   */
  constructor(
    message: string,
    issues: readonly StandardSchemaV1.Issue[],
    options: ErrorOptions & { readonly path: string; readonly version?: number },
  ) {
    super("Invalid", message, options);
    this.name = "ConfigValidationError";
    this.issues = issues;
    this.version = options.version;
  }
}
