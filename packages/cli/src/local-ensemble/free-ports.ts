/**
 * Free loopback ports, for ensembles started on this machine.
 *
 * @module
 */
import { createServer, type Server } from "node:net";

/** Where local ensembles listen. */
export const LOOPBACK = "127.0.0.1";

/**
 * Ports nothing listens on now, found by binding port 0 and closing. Another process could take
 * one before a member binds it; on loopback during a test or a demo that does not happen, and a
 * member that finds its port taken exits with a clear message.
 *
 * @param count - How many ports.
 * @returns Distinct ports.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen({ host: LOOPBACK, port: 0 }, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port bound");
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
