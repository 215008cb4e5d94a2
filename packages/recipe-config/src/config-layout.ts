/**
 * Where a store keeps its value, its history and its write receipts in the tree. Pure: paths and
 * names only.
 *
 * ```
 * <path>                       the current value (data = the encoded value; its stat's version
 *                              and mzxid are the value's version and zxid)
 * <path>/.history/0000000007   one entry per kept version, named by the version it recorded,
 *                              written in the same multi as that version (czxid = its zxid)
 * <path>/.receipts/<hex id>    ephemeral: one per write whose outcome was not yet confirmed
 * ```
 *
 * The value znode's own data is the value, so `zab get <path>` shows it. Its watch sees only
 * changes of the value: history and receipts are grandchildren.
 *
 * @module
 */

/** The child of a store's znode that holds the history entries. */
export const HISTORY_NODE = ".history";
/** The child of a store's znode that holds the write receipts. */
export const RECEIPTS_NODE = ".receipts";

/** Digits of a history entry's name: int32 versions, zero-padded so names sort as numbers. */
const VERSION_DIGITS = 10;

/** The znodes of one store. @internal */
export interface ConfigLayout {
  /** The value znode. */
  readonly valuePath: string;
  /** The parent of the history entries. */
  readonly historyPath: string;
  /** The parent of the write receipts. */
  readonly receiptsPath: string;
}

/**
 * The layout of the store at `path`.
 *
 * @internal
 */
export function configLayout(path: string): ConfigLayout {
  return {
    valuePath: path,
    historyPath: `${path}/${HISTORY_NODE}`,
    receiptsPath: `${path}/${RECEIPTS_NODE}`,
  };
}

/**
 * The name of the history entry of `version`.
 *
 * @internal
 */
export function historyEntryName(version: number): string {
  if (!Number.isInteger(version) || version < 0) throw new RangeError(`bad version ${version}`);
  return String(version).padStart(VERSION_DIGITS, "0");
}

/**
 * The version a history entry's name records, or `undefined` for a name that is not an entry's
 * (such a child is left alone).
 *
 * @internal
 */
export function versionOfHistoryEntry(name: string): number | undefined {
  if (name.length !== VERSION_DIGITS || !/^[0-9]+$/.test(name)) return undefined;
  return Number(name);
}

/**
 * The ancestors of `path` that must exist before it can be created, outermost first.
 *
 * @internal
 */
export function ancestorsOf(path: string): readonly string[] {
  const ancestors: string[] = [];
  for (let slash = path.indexOf("/", 1); slash > 0; slash = path.indexOf("/", slash + 1)) {
    ancestors.push(path.slice(0, slash));
  }
  return ancestors;
}
