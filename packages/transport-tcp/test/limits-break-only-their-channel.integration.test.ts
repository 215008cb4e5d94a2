// Goal: the limits of the transport cost a channel, never memory and never another channel. An
// incoming frame over frameBytesMax breaks that channel (both ends hear `closed`) and a new
// channel follows; a frame over the sender's own limit breaks the channel at the sender without
// leaving; a peer that stops reading makes the sender's buffered bytes grow only to
// bufferedBytesMax, then the channel breaks. Method: members on loopback; a proxy that stops
// forwarding one way (as a paused process would stop reading), and a hand-driven handshake that
// never reads; the sender's buffered bytes are sampled after every burst.
import { type ServerId, serverId } from "@zab/core";
import { describe, expect, it } from "vitest";
import { listenPeers } from "../src/index.js";
import { CaptureLogger } from "./helpers/capture-logger.js";
import { startPeers } from "./helpers/peer-network.js";
import { numbered, PeerRecorder, sequenceOf } from "./helpers/peer-recorder.js";
import { rawHandshake } from "./helpers/raw-peer.js";
import { nextTurn, until } from "./helpers/until.js";

const one = serverId(1);
const two = serverId(2);
const three = serverId(3);

describe("frame and buffer limits", () => {
  it("an incoming frame over frameBytesMax breaks only that channel", async () => {
    const logger = new CaptureLogger();
    await using network = await startPeers([1, 2, 3], {
      overrides: (id) => (id === two ? { frameBytesMax: 1_024, logger } : { frameBytesMax: 64 * 1_024 }),
    });
    const a = network.transport(one);
    const b = network.transport(two);
    const c = network.transport(three);
    c.send(two, numbered(0));
    await network.recorder(two).waitFrames(three, 1);

    a.send(two, numbered(0, 2_000));
    await network.recorder(two).waitClosed(one);
    await network.recorder(one).waitClosed(two);
    expect(network.recorder(two).framesFrom(one)).toEqual([]);
    expect(logger.warnings("closing the channel to member 1")[0]?.fields.reason).toMatch(/exceeds the limit/);

    // The channel between 2 and 3 never noticed; a new channel from 1 carries small frames again.
    c.send(two, numbered(1));
    b.send(three, numbered(0));
    await network.recorder(two).waitFrames(three, 2);
    await network.recorder(three).waitFrames(two, 1);
    expect(network.recorder(two).closedCount(three)).toBe(0);
    a.send(two, numbered(1, 10));
    const [frame] = await network.recorder(two).waitFrames(one, 1);
    expect(frame && sequenceOf(frame)).toBe(1);
  });

  it("a frame over the sender's own frameBytesMax breaks the channel without leaving", async () => {
    const logger = new CaptureLogger();
    await using network = await startPeers([1, 2], {
      overrides: (id) => (id === one ? { frameBytesMax: 1_024, logger } : {}),
    });
    const a = network.transport(one);
    a.send(two, numbered(0));
    await network.recorder(two).waitFrames(one, 1);
    a.send(two, new Uint8Array(1_025));
    await network.recorder(one).waitClosed(two);
    await network.recorder(two).waitClosed(one);
    expect(logger.warnings("a frame exceeds frameBytesMax")).toHaveLength(1);
    a.send(two, numbered(1));
    const frames = await network.recorder(two).waitFrames(one, 2);
    expect(frames.map(sequenceOf)).toEqual([0, 1]);
  });

  it("a member that stops reading costs its channel once bufferedBytesMax is reached", async () => {
    const bufferedBytesMax = 512 * 1_024;
    const logger = new CaptureLogger();
    await using network = await startPeers([1, 2], {
      proxies: true,
      overrides: (id) => (id === one ? { bufferedBytesMax, frameBytesMax: 64 * 1_024, logger } : {}),
    });
    const a = network.transport(one);
    a.send(two, numbered(0));
    await network.recorder(two).waitFrames(one, 1);
    // The channel is the connection member 2 dialed; member 1's bytes flow back through it.
    network.proxy(two, one).pause("toClient");

    const sampled = await fillUntilClosed(
      network.recorder(one),
      two,
      (frame) => a.send(two, frame),
      () => a.bufferedBytes(two),
    );
    expect(Math.max(...sampled)).toBeLessThanOrEqual(bufferedBytesMax);
    expect(Math.max(...sampled)).toBeGreaterThan(bufferedBytesMax / 2);
    expect(logger.warnings("does not read fast enough")).toHaveLength(1);

    network.proxy(two, one).resume("toClient");
    await network.recorder(two).waitClosed(one);
    a.send(two, numbered(1));
    // Some of the filler may have reached member 2 before the break; the new frame comes last.
    await until(() => {
      const last = network.recorder(two).framesFrom(one).at(-1);
      return last?.byteLength === 4 && sequenceOf(last) === 1 ? true : undefined;
    });
  });

  it("an endpoint that completes the handshake and never reads is cut off at bufferedBytesMax", async () => {
    const bufferedBytesMax = 512 * 1_024;
    const secret = "never-reads";
    await using a = await listenPeers({
      self: one,
      host: "127.0.0.1",
      port: 0,
      secret,
      bufferedBytesMax,
      frameBytesMax: 64 * 1_024,
    });
    a.setMembers({ 3: { host: "127.0.0.1", port: 1 } });
    const recorder = new PeerRecorder(a);
    // Member 3 dials (as the larger id) and then never reads a byte.
    const raw = await rawHandshake({ address: a.address, role: "peer", dialerId: 3, acceptorId: 1, secret });
    expect(raw.outcome).toBe("accepted");
    const sampled = await fillUntilClosed(
      recorder,
      three,
      (frame) => a.send(three, frame),
      () => a.bufferedBytes(three),
    );
    expect(Math.max(...sampled)).toBeLessThanOrEqual(bufferedBytesMax);
    raw.socket.destroy();
  });
});

/**
 * Sends 64 KiB frames, a few per turn, until the sender hears `closed(peer)`; returns the
 * sender's buffered bytes sampled after every send. Gives up after 1 GiB.
 */
async function fillUntilClosed(
  recorder: PeerRecorder,
  peer: ServerId,
  send: (frame: Uint8Array) => void,
  bufferedBytes: () => number,
): Promise<number[]> {
  const frame = new Uint8Array(64 * 1_024 - 4);
  const sampled: number[] = [];
  for (let sent = 0; recorder.closedCount(peer) === 0; ) {
    if (sent > 1 << 30) throw new Error("the channel never broke");
    for (let i = 0; i < 4; i += 1, sent += frame.byteLength) {
      send(frame);
      sampled.push(bufferedBytes());
    }
    await nextTurn();
  }
  await until(() => (recorder.closedCount(peer) > 0 ? true : undefined));
  return sampled;
}
