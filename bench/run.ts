/**
 * Runs every `bench/*.bench.ts` in name order (or those whose name contains one of the command
 * line arguments). Each exports `async function run(): Promise<void>` and prints its own table.
 *
 * Usage: `pnpm bench` or `pnpm bench storage`.
 *
 * @module
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const benchDir = fileURLToPath(new URL(".", import.meta.url));
const filters = process.argv.slice(2);
const files = (await readdir(benchDir))
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();
if (files.length === 0) throw new Error(`no benchmark in ${benchDir} matches ${filters.join(", ")}`);

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
for (const file of files) {
  console.log(`\n## ${file}`);
  const module = (await import(pathToFileURL(join(benchDir, file)).href)) as { run?: unknown };
  if (typeof module.run !== "function") throw new Error(`${file} does not export run()`);
  await (module.run as () => Promise<void>)();
}
