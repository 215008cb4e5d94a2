/**
 * Runs every `bench/*.bench.ts` in name order (or those whose name contains one of the command
 * line arguments). Each exports `async function run(options): Promise<void>` and prints its own
 * table; `--transport tcp|nats` is passed to it as `options.transport` (benchmarks that run an
 * ensemble run it over that transport; NATS runs start their own nats-server).
 *
 * Usage: `pnpm bench`, `pnpm bench storage`, `pnpm bench headline --transport nats`.
 *
 * @module
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const benchDir = fileURLToPath(new URL(".", import.meta.url));
const { values, positionals: filters } = parseArgs({
  args: process.argv.slice(2),
  options: { transport: { type: "string", default: "tcp" } },
  allowPositionals: true,
});
if (values.transport !== "tcp" && values.transport !== "nats") {
  throw new Error(`--transport must be tcp or nats, got ${values.transport}`);
}
const options = { transport: values.transport as "tcp" | "nats" };
const files = (await readdir(benchDir))
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();
if (files.length === 0) throw new Error(`no benchmark in ${benchDir} matches ${filters.join(", ")}`);

console.log(`node ${process.version}, ${process.platform}/${process.arch}, transport ${options.transport}`);
for (const file of files) {
  console.log(`\n## ${file}`);
  const module = (await import(pathToFileURL(join(benchDir, file)).href)) as { run?: unknown };
  if (typeof module.run !== "function") throw new Error(`${file} does not export run()`);
  await (module.run as (options: { readonly transport: "tcp" | "nats" }) => Promise<void>)(options);
}
