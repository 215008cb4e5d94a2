// Goal: with a shared secret, only processes that know it and claim a member id of the ensemble
// get a channel, and only to the member they meant; a member never sends a frame to an endpoint
// that cannot prove it knows the secret. Each refusal is logged as a warning with the remote
// address and the reason, closes only that connection, and delivers nothing. Method: members 1
// and 3 share a secret and have a working channel; intruders (real transports with a wrong
// secret, no secret, an unknown id, a wrong target, a client on the peer port) and a hand-made
// acceptor that fakes the handshake try their luck; the test captures the members' loggers and
// listeners.
import { once } from "node:events";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { type ServerId, serverId, ZabError } from "@zab/core";
import { afterEach, describe, expect, it } from "vitest";
import { Connection } from "../src/connection.js";
import {
  decodeHello,
  decodeProof,
  encodeChallenge,
  encodeResult,
  NONCE_BYTES,
} from "../src/handshake-messages.js";
import { computeProof } from "../src/handshake-proof.js";
import { listenPeers, type TcpPeerTransport, tcpClientDialer } from "../src/index.js";
import { CaptureLogger } from "./helpers/capture-logger.js";
import { numbered, PeerRecorder, sequenceOf } from "./helpers/peer-recorder.js";
import { until } from "./helpers/until.js";

const secret = "the-right-secret";
const one = serverId(1);
const two = serverId(2);
const three = serverId(3);

interface Members {
  readonly a: TcpPeerTransport;
  readonly b: TcpPeerTransport;
  readonly recorderA: PeerRecorder;
  readonly recorderB: PeerRecorder;
  readonly logA: CaptureLogger;
  /** Points member 1's entry for member 2 at an address (the intruder's). */
  setTwo(address: { host: string; port: number }): void;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** Members 1 and 3, with a working channel between them; member 2 is the intruder's id. */
async function members(): Promise<Members> {
  const logA = new CaptureLogger();
  const a = await listenPeers({ self: one, host: "127.0.0.1", port: 0, secret, logger: logA });
  const b = await listenPeers({ self: three, host: "127.0.0.1", port: 0, secret });
  cleanup.push(
    () => a.close(),
    () => b.close(),
  );
  let twoAddress = { host: "127.0.0.1", port: 1 };
  const update = () => {
    a.setMembers({ 2: twoAddress, 3: b.address });
    b.setMembers({ 1: a.address, 2: twoAddress });
  };
  update();
  const recorderA = new PeerRecorder(a);
  const recorderB = new PeerRecorder(b);
  a.send(three, numbered(0));
  await recorderB.waitFrames(one, 1);
  return {
    a,
    b,
    recorderA,
    recorderB,
    logA,
    setTwo: (address) => {
      twoAddress = address;
      update();
    },
  };
}

/** Checks the channel between members 1 and 3 still works and never broke. */
async function expectChannelIntact(m: Members): Promise<void> {
  const before = m.recorderB.framesFrom(one).length;
  m.a.send(three, numbered(before));
  const frames = await m.recorderB.waitFrames(one, before + 1);
  expect(frames.map(sequenceOf)).toEqual([...Array(before + 1).keys()]);
  expect(m.recorderA.closedCount(three)).toBe(0);
  expect(m.recorderB.closedCount(one)).toBe(0);
}

async function intruder(
  self: ServerId,
  options: { secret?: string; insecure?: true },
  logger = new CaptureLogger(),
) {
  const transport = await listenPeers({ self, host: "127.0.0.1", port: 0, ...options, logger });
  cleanup.push(() => transport.close());
  return { transport, logger, recorder: new PeerRecorder(transport) };
}

describe("a member with a shared secret", () => {
  it("refuses a member that does not know the secret, whichever side dials", async () => {
    const m = await members();
    // Member 2 (larger than 1) dials 1 for a channel; member 1's request to 2 meets the same refusal.
    const wrong = await intruder(two, { secret: "a-wrong-secret" });
    wrong.transport.setMembers({ 1: m.a.address });
    m.setTwo(wrong.transport.address);
    wrong.transport.send(one, numbered(666));
    await until(() => m.logA.warnings("did not prove it knows the shared secret")[0]);
    const [warning] = m.logA.warnings("refused a connection");
    expect(warning?.fields).toMatchObject({ reason: expect.stringContaining("member id 2") });
    expect(warning?.fields.remote).toMatch(/^127\.0\.0\.1:\d+$/);
    await until(() => wrong.logger.warnings("could not authenticate to member 1")[0]);

    m.a.send(two, numbered(777));
    await until(() => wrong.logger.warnings("did not prove it knows the shared secret")[0]);
    await until(() => m.logA.warnings("could not authenticate to member 2")[0]);
    // Nothing crossed either way; member 1 heard its frame to 2 was lost.
    expect(m.recorderA.framesFrom(two)).toEqual([]);
    expect(wrong.recorder.framesFrom(one)).toEqual([]);
    await m.recorderA.waitClosed(two);
    await expectChannelIntact(m);
  });

  it("refuses a member without any secret", async () => {
    const m = await members();
    const plain = await intruder(two, { insecure: true });
    plain.transport.setMembers({ 1: m.a.address });
    plain.transport.send(one, numbered(666));
    await until(() => m.logA.warnings("did not prove it knows the shared secret")[0]);
    expect(m.recorderA.framesFrom(two)).toEqual([]);
    await expectChannelIntact(m);
  });

  it("refuses an id that is not a member of its ensemble", async () => {
    const m = await members();
    const stranger = await intruder(serverId(9), { secret });
    stranger.transport.setMembers({ 1: m.a.address });
    stranger.transport.send(one, numbered(666));
    await until(() => m.logA.warnings("which is not another member of the ensemble")[0]);
    expect(m.recorderA.framesFrom(serverId(9))).toEqual([]);
    await expectChannelIntact(m);
  });

  it("refuses a member that meant to reach another member", async () => {
    const m = await members();
    // Member 3 believes member 2 lives at member 1's address.
    m.setTwo(m.a.address);
    m.b.send(two, numbered(666));
    await until(() => m.logA.warnings("it meant to reach member 2, but this is member 1")[0]);
    expect(m.recorderA.framesFrom(three).length).toBe(0);
    await expectChannelIntact(m);
  });

  it("refuses a client on the peer port", async () => {
    const m = await members();
    await using dialer = tcpClientDialer({ members: { 1: m.a.address }, secret });
    const failure = await dialer.dial(one).catch((error: unknown) => error);
    expect(ZabError.isInstance(failure, "ConnectionLoss")).toBe(true);
    await until(() => m.logA.warnings("a client connected to the peer port")[0]);
    await expectChannelIntact(m);
  });

  it("sends nothing to an endpoint that cannot prove it knows the secret", async () => {
    const m = await members();
    // A hand-made member 2 that accepts whatever it is told and answers with a made-up proof.
    const received: Buffer[] = [];
    const rogue = createServer((socket: Socket) => {
      const connection = new Connection(socket, { frameBytesMax: 1 << 20, bufferedBytesMax: 1 << 20 });
      void (async () => {
        const signal = AbortSignal.timeout(5_000);
        const hello = decodeHello(await connection.readMessage(signal));
        const acceptorNonce = new Uint8Array(NONCE_BYTES);
        connection.sendMessage(encodeChallenge({ acceptorId: two, nonce: acceptorNonce }));
        decodeProof(await connection.readMessage(signal));
        const proof = computeProof(new TextEncoder().encode("a-guess"), "acceptor", {
          role: "peer",
          dialerId: hello.dialerId,
          acceptorId: two,
          dialerNonce: hello.nonce,
          acceptorNonce,
        });
        // "callBack" to member 1's request would need a channel dialed by 2; "accepted" is the
        // rogue's best try to get frames.
        connection.sendMessage(encodeResult({ outcome: "accepted", proof }));
        connection.open({ frame: (frame) => received.push(Buffer.from(frame)), ended: () => {} });
      })().catch(() => {});
    });
    cleanup.push(async () => {
      rogue.close();
    });
    rogue.listen({ host: "127.0.0.1", port: 0 });
    await once(rogue, "listening");
    m.setTwo({ host: "127.0.0.1", port: (rogue.address() as AddressInfo).port });
    m.a.send(two, numbered(666));
    await until(() => m.logA.warnings("could not authenticate to member 2: the endpoint did not prove")[0]);
    await m.recorderA.waitClosed(two);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual([]);
    await expectChannelIntact(m);
  });
});
