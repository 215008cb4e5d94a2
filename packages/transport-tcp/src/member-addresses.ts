/**
 * Where members listen: the address book a transport dials from.
 *
 * @module
 */
import { type ServerId, serverId, ZabError } from "@zab/core";

/**
 * A host and port to dial.
 *
 * @since 0.1.0
 */
export interface MemberAddress {
  /** A host name or IP address. */
  readonly host: string;
  /** The TCP port, from 1 to 65535. */
  readonly port: number;
}

/**
 * The address of each member, by id: a `Map`, or a plain object keyed by the numeric id
 * (`{ 1: { host, port }, 2: { host, port } }`).
 *
 * @since 0.1.0
 */
export type MemberAddresses = ReadonlyMap<ServerId, MemberAddress> | Readonly<Record<number, MemberAddress>>;

/**
 * Checks an address book and copies it into a map.
 *
 * @param members - The addresses.
 * @returns A fresh map from member id to address.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` for a bad id, host or port.
 * @since 0.1.0
 * @internal
 */
export function toAddressMap(members: MemberAddresses): Map<ServerId, MemberAddress> {
  const entries: [number, MemberAddress][] =
    members instanceof Map
      ? [...members.entries()]
      : Object.entries(members).map(([key, address]) => [Number(key), address]);
  const map = new Map<ServerId, MemberAddress>();
  for (const [id, address] of entries) {
    const member = serverId(id);
    if (typeof address?.host !== "string" || address.host.length === 0) {
      throw new ZabError("Invalid", `member ${member} needs a host`);
    }
    if (!Number.isInteger(address.port) || address.port < 1 || address.port > 65_535) {
      throw new ZabError("Invalid", `member ${member} needs a port from 1 to 65535, got ${address.port}`);
    }
    map.set(member, { host: address.host, port: address.port });
  }
  return map;
}
