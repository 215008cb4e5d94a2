// Goal: the client transport gives a member and its clients FIFO channels that close for both
// ends, only to clients that know the secret, only to the member they dialed, with aborts, limits
// and disposal that behave as core's ClientChannel and ClientDialer contracts say. Method: a
// member's client port on loopback with an echoing handler; clients dial it with right and wrong
// settings; a raw server that never answers stands in for a hung member.
import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";
import { type ClientChannel, serverId, ZabError } from "@zab/core";
import { afterEach, describe, expect, it } from "vitest";
import { listenClients, type TcpClientAcceptor, tcpClientDialer } from "../src/index.js";
import { CaptureLogger } from "./helpers/capture-logger.js";
import { until } from "./helpers/until.js";

const one = serverId(1);
const two = serverId(2);
const secret = "client-secret";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

interface MemberSide {
  readonly acceptor: TcpClientAcceptor;
  readonly channels: ClientChannel[];
  readonly received: Uint8Array[][];
  readonly closed: number[];
  readonly logger: CaptureLogger;
}

/** A member's client port that echoes every frame back. */
async function member(options: { frameBytesMax?: number; accept?: boolean } = {}): Promise<MemberSide> {
  const logger = new CaptureLogger();
  const acceptor = await listenClients({
    self: one,
    host: "127.0.0.1",
    port: 0,
    secret,
    logger,
    ...(options.frameBytesMax === undefined ? {} : { frameBytesMax: options.frameBytesMax }),
  });
  cleanup.push(() => acceptor.close());
  const side: MemberSide = { acceptor, channels: [], received: [], closed: [], logger };
  if (options.accept !== false) {
    acceptor.accept((channel) => {
      const index = side.channels.length;
      side.channels.push(channel);
      side.received.push([]);
      channel.listen({
        frame: (frame) => {
          side.received[index]?.push(frame);
          channel.send(frame);
        },
        closed: () => side.closed.push(index),
      });
    });
  }
  return side;
}

function listenTo(channel: ClientChannel): { frames: Uint8Array[]; closed: () => boolean } {
  const frames: Uint8Array[] = [];
  let closed = false;
  channel.listen({
    frame: (frame) => frames.push(frame),
    closed: () => {
      closed = true;
    },
  });
  return { frames, closed: () => closed };
}

describe("client channels", () => {
  it("carry frames both ways in order, and close for both ends", async () => {
    const side = await member();
    await using dialer = tcpClientDialer({ members: { 1: side.acceptor.address }, secret });
    const channel = await dialer.dial(one);
    const heard = listenTo(channel);
    for (let i = 0; i < 1_000; i += 1) channel.send(Uint8Array.from([i >> 8, i & 0xff]));
    await until(() => (heard.frames.length === 1_000 ? true : undefined));
    expect(heard.frames.map((frame) => ((frame[0] ?? 0) << 8) | (frame[1] ?? 0))).toEqual([
      ...Array(1_000).keys(),
    ]);

    channel.close();
    // `closed` comes on a later turn, never inside `close`.
    expect(heard.closed()).toBe(false);
    await until(() => (heard.closed() ? true : undefined));
    await until(() => side.closed[0] === 0 || undefined);
    channel.send(Uint8Array.from([9])); // dropped, no throw
  });

  it("close on the client when the member closes", async () => {
    const side = await member();
    await using dialer = tcpClientDialer({ members: { 1: side.acceptor.address }, secret });
    const heard = listenTo(await dialer.dial(one));
    await until(() => side.channels[0]);
    side.channels[0]?.close();
    await until(() => (heard.closed() ? true : undefined));
  });

  it("refuse a client that does not know the secret, and log it", async () => {
    const side = await member();
    const clientLogger = new CaptureLogger();
    await using dialer = tcpClientDialer({
      members: { 1: side.acceptor.address },
      secret: "wrong",
      logger: clientLogger,
    });
    const failure = await dialer.dial(one).catch((error: unknown) => error);
    expect(ZabError.isInstance(failure, "ConnectionLoss")).toBe(true);
    await until(() => side.logger.warnings("refused a connection")[0]);
    expect(side.logger.warnings("refused a connection")[0]?.fields.reason).toBe(
      "it claims to be a client but did not prove it knows the shared secret",
    );
    expect(clientLogger.warnings("could not authenticate to member 1")).toHaveLength(1);
    expect(side.channels).toHaveLength(0);
  });

  it("refuse to reach a member other than the one dialed", async () => {
    const side = await member();
    await using dialer = tcpClientDialer({ members: { 2: side.acceptor.address }, secret });
    const failure = await dialer.dial(two).catch((error: unknown) => error);
    expect(ZabError.isInstance(failure, "ConnectionLoss")).toBe(true);
    expect(String(failure)).toMatch(/refused/);
    await until(() => side.logger.warnings("it meant to reach member 2, but this is member 1")[0]);
  });

  it("fail with ConnectionLoss for an unknown member, a closed port, a member not serving yet", async () => {
    const side = await member({ accept: false });
    const closedPort = await member();
    const { port } = closedPort.acceptor.address;
    await closedPort.acceptor.close();
    await using dialer = tcpClientDialer({
      members: { 1: side.acceptor.address, 2: { host: "127.0.0.1", port } },
      secret,
    });
    for (const target of [serverId(7), two, one]) {
      const failure = await dialer.dial(target).catch((error: unknown) => error);
      expect(ZabError.isInstance(failure, "ConnectionLoss"), String(failure)).toBe(true);
    }
  });

  it("give up with Aborted when the signal fires while a member hangs", async () => {
    const hung = createServer(() => {});
    hung.listen({ host: "127.0.0.1", port: 0 });
    await once(hung, "listening");
    cleanup.push(async () => {
      hung.close();
    });
    await using dialer = tcpClientDialer({
      members: { 1: { host: "127.0.0.1", port: (hung.address() as AddressInfo).port } },
      secret,
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const failure = await dialer.dial(one, { signal: controller.signal }).catch((error: unknown) => error);
    expect(ZabError.isInstance(failure, "Aborted"), String(failure)).toBe(true);
    const already = await dialer.dial(one, { signal: AbortSignal.abort() }).catch((error: unknown) => error);
    expect(ZabError.isInstance(already, "Aborted")).toBe(true);
  });

  it("close a channel whose peer sends a frame over the limit", async () => {
    const side = await member({ frameBytesMax: 1_024 });
    await using dialer = tcpClientDialer({ members: { 1: side.acceptor.address }, secret });
    const heard = listenTo(await dialer.dial(one));
    await until(() => side.channels[0]);
    const client = await dialer.dial(one);
    const heardSecond = listenTo(client);
    client.send(new Uint8Array(2_000));
    await until(() => (heardSecond.closed() ? true : undefined));
    await until(() => side.logger.warnings("exceeds the limit")[0]);
    expect(side.received[1]).toEqual([]);
    expect(heard.closed()).toBe(false);
  });

  it("end with their dialer or acceptor", async () => {
    const side = await member();
    const dialer = tcpClientDialer({ members: { 1: side.acceptor.address }, secret });
    const first = listenTo(await dialer.dial(one));
    await dialer.close();
    await until(() => (first.closed() ? true : undefined));
    const failure = await dialer.dial(one).catch((error: unknown) => error);
    expect(ZabError.isInstance(failure, "Closed")).toBe(true);

    await using again = tcpClientDialer({ members: { 1: side.acceptor.address }, secret });
    const second = listenTo(await again.dial(one));
    await side.acceptor.close();
    await until(() => (second.closed() ? true : undefined));
  });
});
