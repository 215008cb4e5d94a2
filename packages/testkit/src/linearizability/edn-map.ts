/**
 * Reads one flat EDN map, `{:key value, …}`, as Jepsen prints history operations: keyword keys
 * and keyword, string, integer or `nil` values. Nested collections are not supported; a line
 * that is not such a map reads as `undefined`, so callers can skip it.
 *
 * @module
 */

/**
 * An EDN scalar value.
 *
 * @internal
 * @since 0.1.0
 */
export type EdnScalar =
  | { readonly type: "keyword"; readonly name: string }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "integer"; readonly value: number }
  | { readonly type: "nil" };

// One token after optional whitespace and commas (commas are whitespace in EDN): a brace, a
// keyword, a string with backslash escapes, an integer, or nil.
const tokenPattern = /[\s,]*(?:([{}])|:([^\s,{}[\]()"]+)|"((?:[^"\\]|\\.)*)"|(-?\d+)|(nil)(?![^\s,{}]))/y;
const escapes: Readonly<Record<string, string>> = { n: "\n", t: "\t", r: "\r" };

/**
 * Parses a line holding one flat EDN map.
 *
 * @param line - The text.
 * @returns The entries by keyword name (without the colon), or `undefined` if the line is not
 *   exactly one flat map with keyword keys and no repeated key.
 * @internal
 * @since 0.1.0
 */
export function parseEdnMap(line: string): Map<string, EdnScalar> | undefined {
  tokenPattern.lastIndex = 0;
  if (tokenPattern.exec(line)?.[1] !== "{") return undefined;
  const entries = new Map<string, EdnScalar>();
  // Each pass consumes at least one token, so the loop ends within the line's length.
  for (;;) {
    const key = tokenPattern.exec(line);
    if (key === null) return undefined;
    if (key[1] === "}") break;
    const name = key[2];
    if (name === undefined || entries.has(name)) return undefined;
    const value = tokenPattern.exec(line);
    const scalar = value === null ? undefined : toScalar(value);
    if (scalar === undefined) return undefined;
    entries.set(name, scalar);
  }
  return /^[\s,]*$/.test(line.slice(tokenPattern.lastIndex)) ? entries : undefined;
}

function toScalar(token: RegExpExecArray): EdnScalar | undefined {
  const [, brace, keyword, string, integer, nil] = token;
  if (brace !== undefined) return undefined;
  if (keyword !== undefined) return { type: "keyword", name: keyword };
  if (string !== undefined) {
    return { type: "string", value: string.replace(/\\(.)/g, (_, char: string) => escapes[char] ?? char) };
  }
  if (integer !== undefined) return { type: "integer", value: Number(integer) };
  return nil === undefined ? undefined : { type: "nil" };
}
