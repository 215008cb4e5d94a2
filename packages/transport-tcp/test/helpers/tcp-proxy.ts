/**
 * A TCP proxy between two endpoints, to inject network faults from outside the transports:
 * connections cut as by a pulled cable, and a side that stops reading as a paused process would.
 *
 * @module
 */
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import type { MemberAddress } from "../../src/index.js";

/** Which way bytes flow: from the dialing side to the target, or back. */
export type Direction = "toTarget" | "toClient";

interface Pair {
  readonly client: Socket;
  readonly target: Socket;
}

/** Forwards every connection it accepts to a target address. */
export class TcpProxy implements AsyncDisposable {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  readonly #paused = new Set<Direction>();
  readonly #hanging = new Set<Socket>();
  /**
   * Where new connections go; may change (a restarted member listens elsewhere). Without one,
   * connections are closed at once, as by a member that is down.
   */
  target: MemberAddress | undefined;
  /** When set, connections are accepted and then left hanging: nothing forwarded, nothing said. */
  stalled = false;
  /** How many connections were ever accepted. */
  accepted = 0;
  /** How many chunks the proxy read and forwarded, both ways (about one per read system call). */
  chunks = 0;

  private constructor(server: Server, target: MemberAddress | undefined) {
    this.#server = server;
    this.target = target;
  }

  /** Starts a proxy on a free loopback port. */
  static async start(target?: MemberAddress): Promise<TcpProxy> {
    const server = createServer({ pauseOnConnect: true });
    const proxy = new TcpProxy(server, target);
    server.on("connection", (socket) => proxy.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: "127.0.0.1", port: 0 }, () => resolve());
    });
    return proxy;
  }

  /** Where the proxy listens. */
  get address(): MemberAddress {
    const { port } = this.#server.address() as AddressInfo;
    return { host: "127.0.0.1", port };
  }

  /** Connections open through the proxy now. */
  get live(): number {
    return this.#pairs.size;
  }

  /** Cuts every connection through the proxy: both sides see their connection fail. */
  cut(): void {
    for (const pair of this.#pairs) {
      pair.client.resetAndDestroy();
      pair.target.resetAndDestroy();
    }
    this.#pairs.clear();
  }

  /** Stops forwarding (and reading) bytes flowing one way; the sender's buffers fill up. */
  pause(direction: Direction): void {
    this.#paused.add(direction);
    for (const pair of this.#pairs) this.#source(pair, direction).pause();
  }

  /** Forwards bytes flowing one way again. */
  resume(direction: Direction): void {
    this.#paused.delete(direction);
    for (const pair of this.#pairs) this.#source(pair, direction).resume();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.cut();
    for (const socket of this.#hanging) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #source(pair: Pair, direction: Direction): Socket {
    return direction === "toTarget" ? pair.client : pair.target;
  }

  #accept(client: Socket): void {
    this.accepted += 1;
    client.on("error", () => {});
    if (this.stalled) {
      this.#hanging.add(client);
      client.once("close", () => this.#hanging.delete(client));
      return;
    }
    if (this.target === undefined) {
      client.destroy();
      return;
    }
    const target = connect({ host: this.target.host, port: this.target.port });
    target.pause();
    const pair: Pair = { client, target };
    this.#pairs.add(pair);
    const end = () => {
      this.#pairs.delete(pair);
      client.destroy();
      target.destroy();
    };
    this.#forward(client, target, "toTarget", end);
    this.#forward(target, client, "toClient", end);
    target.once("connect", () => {
      if (!this.#paused.has("toTarget")) client.resume();
      if (!this.#paused.has("toClient")) target.resume();
    });
  }

  #forward(from: Socket, to: Socket, direction: Direction, end: () => void): void {
    from.on("data", (chunk: Buffer) => {
      this.chunks += 1;
      if (!to.write(chunk)) {
        from.pause();
        to.once("drain", () => {
          if (!this.#paused.has(direction)) from.resume();
        });
      }
    });
    from.on("end", () => to.end());
    from.on("error", end);
    from.on("close", end);
  }
}
