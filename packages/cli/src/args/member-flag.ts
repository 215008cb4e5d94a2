/**
 * The `--member` flag of `zab serve`: one ensemble member per flag, for running without a config
 * file.
 *
 * ```text
 * --member ID=HOST:PEER_PORT:CLIENT_PORT[:observer]   (TCP)
 * --member ID[:observer]                              (NATS: members have no address)
 * ```
 *
 * @module
 */
import { type ServerId, serverId, ZabError } from "@zab/core";
import type { MemberEntry } from "../config/serve-settings.js";
import { parsePort } from "./address.js";

const FORMAT = "ID=HOST:PEER_PORT:CLIENT_PORT[:observer] (or ID[:observer] over NATS)";

/**
 * Reads every `--member` flag into the members of the ensemble.
 *
 * @param flags - The values, one per flag given.
 * @returns The members, or `undefined` when no flag was given.
 * @throws {@link ZabError} with code `"Invalid"` quoting the bad value, or for a member given twice.
 * @since 0.1.0
 * @internal
 */
export function membersFromFlags(
  flags: readonly string[] | undefined,
): ReadonlyMap<ServerId, MemberEntry> | undefined {
  if (flags === undefined || flags.length === 0) return undefined;
  const members = new Map<ServerId, MemberEntry>();
  for (const flag of flags) {
    const [id, member] = parseMemberFlag(flag);
    if (members.has(id)) throw new ZabError("Invalid", `--member: member ${id} is given twice`);
    members.set(id, member);
  }
  return members;
}

function parseMemberFlag(flag: string): readonly [ServerId, MemberEntry] {
  const bad = (): ZabError => new ZabError("Invalid", `--member "${flag}" must be ${FORMAT}`);
  const idOnly = /^([1-9]\d{0,9})(?::(voter|observer))?$/.exec(flag);
  if (idOnly !== null) {
    if (Number(idOnly[1]) > 0x7fff_ffff) throw bad();
    const role = idOnly[2] === "observer" ? "observer" : "voter";
    return [serverId(Number(idOnly[1])), { host: "", peerPort: 0, clientPort: 0, role }];
  }
  const equals = flag.indexOf("=");
  const idText = flag.slice(0, equals);
  if (equals < 1 || !/^[1-9]\d{0,9}$/.test(idText) || Number(idText) > 0x7fff_ffff) throw bad();
  const parts = flag.slice(equals + 1).split(":");
  const role = parts.at(-1) === "observer" || parts.at(-1) === "voter" ? parts.pop() : undefined;
  const clientPort = parsePort(parts.pop() ?? "");
  const peerPort = parsePort(parts.pop() ?? "");
  const host = parts.join(":").replace(/^\[(.*)\]$/, "$1");
  if (clientPort === undefined || peerPort === undefined || host.length === 0) throw bad();
  return [
    serverId(Number(idText)),
    { host, peerPort, clientPort, role: role === "observer" ? "observer" : "voter" },
  ];
}
