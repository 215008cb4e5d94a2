/**
 * Host and port pairs as typed on the command line: `host:port`, or `[v6-address]:port`.
 *
 * @module
 */
import { ZabError } from "@zab/core";

/**
 * Splits the trailing `:port` off a host.
 *
 * @param text - Such as `127.0.0.1:2181`, `zk1:2181` or `[::1]:2181`.
 * @param what - What is being parsed, for the message (`--members entry "…"`).
 * @returns The host (without brackets) and the port.
 * @throws {@link ZabError} with code `"Invalid"` without a host or with a port outside 1–65535.
 * @since 0.1.0
 * @internal
 */
export function parseHostPort(text: string, what: string): { readonly host: string; readonly port: number } {
  const colon = text.lastIndexOf(":");
  const host = text.slice(0, Math.max(colon, 0)).replace(/^\[(.*)\]$/, "$1");
  const port = parsePort(text.slice(colon + 1));
  if (colon < 0 || host.length === 0 || port === undefined) {
    throw new ZabError("Invalid", `${what} must be HOST:PORT with a port from 1 to 65535`);
  }
  return { host, port };
}

/**
 * Reads a TCP port.
 *
 * @param text - Decimal digits.
 * @returns The port, or `undefined` when the text is not a port from 1 to 65535.
 * @since 0.1.0
 * @internal
 */
export function parsePort(text: string): number | undefined {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : 0;
  return port >= 1 && port <= 65_535 ? port : undefined;
}
