/**
 * Listening: a TCP or TLS server that hands each connected socket over, and logs TLS failures.
 *
 * @module
 */
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import type { Logger } from "@zab/core";
import type { MemberAddress } from "./member-addresses.js";
import type { Security } from "./tcp-security.js";

/**
 * Creates the server of a listener.
 *
 * @remarks
 * Under TLS the server requires a client certificate and verifies it against the CA, and closes a
 * TLS handshake that takes longer than `handshakeTimeoutMs`. A TLS failure (no certificate, an
 * untrusted one) closes that connection only, and is logged as a refusal.
 * @param settings - The security, the handshake timeout, the logger, a name for logs, and what to
 *   do with each connected (and, under TLS, verified) socket.
 * @returns The server, not yet listening.
 * @since 0.1.0
 * @internal
 */
export function createSocketServer(settings: {
  readonly security: Security;
  readonly handshakeTimeoutMs: number;
  readonly logger: Logger;
  readonly endpoint: string;
  readonly onSocket: (socket: Socket) => void;
}): Server {
  const { security, logger, endpoint, onSocket } = settings;
  if (security.kind !== "tls") {
    return createNetServer({ pauseOnConnect: true }, onSocket);
  }
  const server = createTlsServer(
    {
      ...security.credentials,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: "TLSv1.3",
      handshakeTimeout: settings.handshakeTimeoutMs,
    },
    onSocket,
  );
  server.on("tlsClientError", (error, socket) => {
    logger.warn(
      {
        endpoint,
        remote: `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`,
        reason: error.message,
      },
      `${endpoint} refused a connection: the TLS handshake failed`,
    );
  });
  return server;
}

/**
 * Binds a server.
 *
 * @param server - The server.
 * @param settings - The address and port to bind (port 0 picks a free one), a signal to give up
 *   (the server is then closed), and where to log errors of the running server.
 * @returns The address actually bound.
 * @throws The bind error (such as `EADDRINUSE`), or the signal's reason.
 * @since 0.1.0
 * @internal
 */
export function listenOn(
  server: Server,
  settings: {
    readonly host: string;
    readonly port: number;
    readonly signal: AbortSignal | undefined;
    readonly logger: Logger;
    readonly endpoint: string;
  },
): Promise<MemberAddress> {
  const { host, port, signal, logger, endpoint } = settings;
  return new Promise<MemberAddress>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      server.off("listening", onListening);
      server.off("error", onError);
      server.close();
      reject(signal?.reason);
    };
    const onError = (error: Error) => {
      server.off("listening", onListening);
      signal?.removeEventListener("abort", onAbort);
      reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      signal?.removeEventListener("abort", onAbort);
      // A running server hardly ever fails (accept errors are retried by libuv), but an unheard
      // error event would crash the process.
      server.on("error", (error) => logger.error({ endpoint, error: error.message }, `${endpoint} failed`));
      const address = server.address() as AddressInfo;
      resolve({ host: address.address, port: address.port });
    };
    server.once("error", onError);
    server.once("listening", onListening);
    signal?.addEventListener("abort", onAbort, { once: true });
    server.listen({ host, port });
  });
}

/**
 * Stops a server accepting and waits until it has closed. The caller destroys the sockets it
 * holds, or this waits for them.
 *
 * @param server - The server.
 * @since 0.1.0
 * @internal
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    // An error here means the server was not running; closed is what the caller wants.
    server.close(() => resolve());
  });
}
