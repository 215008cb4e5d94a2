/**
 * A TCP relay between one NATS client and the server, so a test can do to that client's
 * connection what a network does: cut it, or stop carrying bytes one way (a process that stopped
 * reading).
 *
 * @module
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

/** The two directions of a relayed connection. */
export type RelayDirection = "toClient" | "toServer";

/** Relays every connection made to it to one target port on loopback. */
export class TcpRelay implements AsyncDisposable {
  readonly #server: Server;
  readonly #pairs = new Set<{ readonly client: Socket; readonly server: Socket }>();
  readonly #paused = new Set<RelayDirection>();
  #port = 0;

  private constructor(targetPort: number) {
    this.#server = createServer((client) => {
      const server = createConnection({ host: "127.0.0.1", port: targetPort });
      const pair = { client, server };
      this.#pairs.add(pair);
      const end = (): void => {
        client.destroy();
        server.destroy();
        this.#pairs.delete(pair);
      };
      for (const socket of [client, server]) {
        socket.on("error", end);
        socket.on("close", end);
      }
      client.pipe(server);
      server.pipe(client);
      if (this.#paused.has("toServer")) client.pause();
      if (this.#paused.has("toClient")) server.pause();
    });
  }

  /**
   * Starts a relay on a free loopback port.
   *
   * @param targetPort - Where it relays to.
   * @returns The relay.
   */
  static async start(targetPort: number): Promise<TcpRelay> {
    const relay = new TcpRelay(targetPort);
    await new Promise<void>((resolve) => relay.#server.listen({ host: "127.0.0.1", port: 0 }, resolve));
    const address = relay.#server.address();
    relay.#port = typeof address === "object" && address !== null ? address.port : 0;
    return relay;
  }

  /** `nats://127.0.0.1:<relay port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.#port}`;
  }

  /** Resets every relayed connection at once, as a pulled cable; new ones are relayed again. */
  cut(): void {
    for (const { client, server } of this.#pairs) {
      client.resetAndDestroy();
      server.destroy();
    }
    this.#pairs.clear();
  }

  /**
   * Stops carrying bytes one way; they pile up in the kernel and then at the sender.
   *
   * @param direction - Which way.
   */
  pause(direction: RelayDirection): void {
    this.#paused.add(direction);
    for (const pair of this.#pairs) (direction === "toClient" ? pair.server : pair.client).pause();
  }

  /**
   * Carries bytes that way again.
   *
   * @param direction - Which way.
   */
  resume(direction: RelayDirection): void {
    this.#paused.delete(direction);
    for (const pair of this.#pairs) (direction === "toClient" ? pair.server : pair.client).resume();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
