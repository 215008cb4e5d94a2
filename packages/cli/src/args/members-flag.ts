/**
 * The `--members` flag of the client commands: the client ports of the ensemble, comma-separated,
 * like a ZooKeeper connect string.
 *
 * ```text
 * --members [ID=]HOST:PORT,[ID=]HOST:PORT,...
 * ```
 *
 * The transport's handshake names the member a client means to reach, so each address needs its
 * member's id: given as `ID=`, or else the position in the list (1, 2, 3, …), which is right for
 * the usual ensemble numbered from 1 in order.
 *
 * @module
 */
import { type ServerId, serverId, ZabError } from "@zab/core";
import type { MemberAddress } from "@zab/transport-tcp";
import { parseHostPort } from "./address.js";

/**
 * Reads the `--members` flag.
 *
 * @param flag - Its value.
 * @returns Each member's client address, by id.
 * @throws {@link ZabError} with code `"Invalid"` quoting the bad entry, or for an id given twice.
 * @since 0.1.0
 * @internal
 */
export function membersFromList(flag: string): ReadonlyMap<ServerId, MemberAddress> {
  const members = new Map<ServerId, MemberAddress>();
  const entries = flag.split(",").map((entry) => entry.trim());
  for (const [index, entry] of entries.entries()) {
    const what = `--members entry "${entry}"`;
    const match = /^(\d+)=(.*)$/.exec(entry);
    const idText = match?.[1] ?? String(index + 1);
    const id = Number(idText);
    if (!Number.isSafeInteger(id) || id < 1 || id > 0x7fff_ffff) {
      throw new ZabError("Invalid", `${what}: ${idText} is not a member id`);
    }
    if (members.has(serverId(id))) throw new ZabError("Invalid", `${what}: member ${id} is given twice`);
    members.set(serverId(id), parseHostPort(match?.[2] ?? entry, what));
  }
  return members;
}

/**
 * Reads the `--members` flag over NATS, where members have no address: just their ids,
 * comma-separated (`--members 1,2,3`).
 *
 * @param flag - Its value.
 * @returns The ids, in the order given.
 * @throws {@link ZabError} with code `"Invalid"` quoting an entry that is not an id, or for an id
 *   given twice.
 * @since 0.1.0
 * @internal
 */
export function memberIdsFromList(flag: string): readonly ServerId[] {
  const ids: ServerId[] = [];
  for (const entry of flag.split(",").map((part) => part.trim())) {
    const id = /^[1-9]\d*$/.test(entry) ? Number(entry) : Number.NaN;
    if (!Number.isSafeInteger(id) || id > 0x7fff_ffff) {
      throw new ZabError(
        "Invalid",
        `--members entry "${entry}" is not a member id: over NATS give --members ID,ID,...`,
      );
    }
    if (ids.includes(serverId(id))) throw new ZabError("Invalid", `--members: member ${id} is given twice`);
    ids.push(serverId(id));
  }
  return ids;
}
