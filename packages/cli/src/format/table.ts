/**
 * Plain-text tables with aligned columns, for people (scripts use `--json`).
 *
 * @module
 */

/**
 * Lays out rows under a header, each column as wide as its widest cell, two spaces apart.
 *
 * @param header - The column titles.
 * @param rows - The cells, one array per row, as many as the header.
 * @returns The table, each line ending with a line break; trailing spaces are trimmed.
 * @since 0.1.0
 * @internal
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  return [header, ...rows]
    .map((row) =>
      widths
        .map((width, column) => (row[column] ?? "").padEnd(width))
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}
