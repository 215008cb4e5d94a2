/**
 * Dialing: a TCP or TLS connection to a member's address.
 *
 * @module
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { MemberAddress } from "./member-addresses.js";
import type { Security } from "./tcp-security.js";

/**
 * Connects to an address, completing the TLS handshake under TLS.
 *
 * @remarks
 * Under TLS the member's certificate is verified against the CA, and this end presents its own.
 * The host name is not checked against the certificate: members are identified by the
 * `zab-member-<id>` name it carries, which the zab handshake checks next.
 * @param address - Where to connect.
 * @param security - The endpoint's security.
 * @param signal - Gives up when it fires; the socket is destroyed.
 * @returns The connected socket.
 * @throws The socket's error, or the signal's reason.
 * @since 0.1.0
 * @internal
 */
export function openSocket(address: MemberAddress, security: Security, signal: AbortSignal): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const socket =
      security.kind === "tls"
        ? tlsConnect({
            host: address.host,
            port: address.port,
            ...security.credentials,
            rejectUnauthorized: true,
            minVersion: "TLSv1.3",
            checkServerIdentity: () => undefined,
          })
        : netConnect({ host: address.host, port: address.port });
    const connectedEvent = security.kind === "tls" ? "secureConnect" : "connect";
    const settle = (error: unknown) => {
      socket.off(connectedEvent, onConnected);
      socket.off("error", onError);
      socket.off("close", onClose);
      signal.removeEventListener("abort", onAbort);
      if (error === undefined) {
        resolve(socket);
        return;
      }
      socket.destroy();
      reject(error);
    };
    const onConnected = () => settle(undefined);
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(new Error("the connection closed while opening"));
    const onAbort = () => settle(signal.reason);
    socket.once(connectedEvent, onConnected);
    socket.once("error", onError);
    socket.once("close", onClose);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
