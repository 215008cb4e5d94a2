/**
 * The version of `@zab/cli`, read from its package.json (one level above both `src/` and
 * `dist/`, so the same code works from source and built).
 *
 * @module
 */
import { readFileSync } from "node:fs";

/**
 * The package's version, such as `"0.1.0"`.
 *
 * @returns The `version` field of `@zab/cli`'s package.json.
 * @since 0.1.0
 * @internal
 */
export function cliVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const version = (manifest as { version?: unknown }).version;
  return typeof version === "string" ? version : "unknown";
}
