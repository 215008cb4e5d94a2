/**
 * A znode's stat as `zab get --stat` and `zab set --stat` print it: ZooKeeper's field names, one
 * per line, zxids in hex and times as ISO dates.
 *
 * @module
 */
import { formatZxid, type Stat } from "@zab/core";

/**
 * The stat as `name = value` lines, like zkCli's `stat`.
 *
 * @param stat - The stat.
 * @returns The lines, each ending with a line break.
 * @since 0.1.0
 * @internal
 */
export function statLines(stat: Stat): string {
  return Object.entries(statFields(stat))
    .map(([name, value]) => `${name} = ${value}\n`)
    .join("");
}

/**
 * The stat as a JSON-ready object: zxids and the owner as hex strings, times as ISO dates.
 *
 * @param stat - The stat.
 * @returns The fields, in ZooKeeper's order.
 * @since 0.1.0
 * @internal
 */
export function statFields(stat: Stat): Record<string, string | number> {
  return {
    czxid: formatZxid(stat.czxid),
    mzxid: formatZxid(stat.mzxid),
    pzxid: formatZxid(stat.pzxid),
    ctime: new Date(stat.ctime).toISOString(),
    mtime: new Date(stat.mtime).toISOString(),
    version: stat.version,
    cversion: stat.cversion,
    ephemeralOwner: `0x${stat.ephemeralOwner.toString(16)}`,
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  };
}
