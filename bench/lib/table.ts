/**
 * Prints benchmark results as an aligned text table (also valid Markdown).
 *
 * @module
 */

/** Prints `rows` under `title`, one column per key of the first row, right-aligned. */
export function printTable(title: string, rows: readonly Readonly<Record<string, string | number>>[]): void {
  const first = rows[0];
  if (first === undefined) return;
  const columns = Object.keys(first);
  const cells = rows.map((row) => columns.map((column) => format(row[column])));
  const widths = columns.map((column, i) =>
    Math.max(column.length, ...cells.map((line) => line[i]?.length ?? 0)),
  );
  const line = (values: readonly string[]) =>
    `| ${values.map((value, i) => value.padStart(widths[i] ?? 0)).join(" | ")} |`;
  console.log(`\n${title}\n`);
  console.log(line(columns));
  console.log(`|${widths.map((width) => `${"-".repeat(width + 1)}:`).join("|")}|`);
  for (const values of cells) console.log(line(values));
}

function format(value: string | number | undefined): string {
  if (typeof value !== "number") return value ?? "";
  if (Number.isInteger(value)) return String(value);
  return value >= 100 ? value.toFixed(0) : value.toFixed(2);
}
