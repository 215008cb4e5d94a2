/**
 * Which listen addresses keep the admin endpoint on this machine.
 *
 * @module
 */
import { BlockList, isIP } from "node:net";

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/**
 * Whether binding to `host` accepts connections from this machine only.
 *
 * @remarks
 * True for an address in 127.0.0.0/8, for `::1` (in any spelling, IPv4-mapped forms included)
 * and for `localhost`, which resolves to loopback by definition (RFC 6761). False for every other
 * name, since where a name resolves is not known before binding, and for the wildcards `0.0.0.0`
 * and `::`, which accept connections from everywhere.
 * @param host - The address or name to bind.
 * @returns Whether it is a loopback address.
 * @since 0.1.0
 * @internal
 */
export function isLoopbackHost(host: string): boolean {
  if (host === "localhost") return true;
  const family = isIP(host);
  if (family === 0) return false;
  return loopback.check(host, family === 4 ? "ipv4" : "ipv6");
}
