// Goal: whatever a connection sends that is not the protocol — text, a lying length prefix, a
// stream of nothing, a huge frame after an honest handshake — closes that connection only (before
// anything is buffered for a lying prefix), is logged, and never disturbs the member's other
// channels or stops it accepting. Method: members 1 and 2 keep a channel busy while raw sockets
// throw garbage at member 1's port; a hand-driven handshake as member 3 then sends a length
// prefix far over the limit.
import { serverId } from "@zab/core";
import { describe, expect, it } from "vitest";
import { lengthPrefix } from "../src/frame-decoder.js";
import { CaptureLogger } from "./helpers/capture-logger.js";
import { startPeers } from "./helpers/peer-network.js";
import { numbered, sequenceOf } from "./helpers/peer-recorder.js";
import { closedPromise, rawConnect, rawHandshake } from "./helpers/raw-peer.js";
import { until } from "./helpers/until.js";

const one = serverId(1);
const two = serverId(2);
const three = serverId(3);
const secret = "garbage-test-secret";

describe("garbage on a connection", () => {
  it("closes that connection only; the member keeps its channels and keeps accepting", async () => {
    const logger = new CaptureLogger();
    await using network = await startPeers([1, 2], {
      secret,
      handshakeTimeoutMs: 300,
      overrides: (id) => (id === one ? { logger } : {}),
    });
    const a = network.transport(one);
    const b = network.transport(two);
    // Member 1 also knows a member 3, which the raw endpoint below claims to be.
    a.setMembers({ 2: b.address, 3: { host: "127.0.0.1", port: 1 } });
    let sent = 0;
    const sendSome = () => {
      for (let i = 0; i < 10; i += 1, sent += 1) b.send(one, numbered(sent));
    };
    sendSome();
    await network.recorder(one).waitFrames(two, sent);

    const garbage: [string, Uint8Array][] = [
      ["text", new TextEncoder().encode("GET / HTTP/1.1\r\nHost: zab\r\n\r\n")],
      ["a lying length prefix", Uint8Array.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3])],
      ["a handshake-sized frame of junk", Buffer.concat([lengthPrefix(47), new Uint8Array(47).fill(0xee)])],
    ];
    for (const [what, bytes] of garbage) {
      const socket = await rawConnect(a.address);
      const closed = closedPromise(socket);
      socket.write(bytes);
      await closed;
      sendSome();
      await network.recorder(one).waitFrames(two, sent);
      expect(logger.warnings("refused a connection").length, what).toBeGreaterThan(0);
    }
    expect(logger.warnings("not a zab handshake").length).toBeGreaterThan(0);
    // The text's first four bytes ("GET ") read as a length too: both are refused on the prefix.
    expect(logger.warnings("exceeds the limit of 128 bytes").length).toBe(2);

    // Silence: closed once the handshake times out.
    const silent = await rawConnect(a.address);
    await closedPromise(silent);
    await until(() => logger.warnings("the handshake timed out")[0]);

    // An honest handshake as member 3, then a frame announced far over the limit.
    const raw = await rawHandshake({ address: a.address, role: "peer", dialerId: 3, acceptorId: 1, secret });
    expect(raw.outcome).toBe("accepted");
    const closed = closedPromise(raw.socket);
    raw.socket.write(Uint8Array.from([0xff, 0xff, 0xff, 0xf0]));
    await closed;
    await until(() => logger.warnings("closing the channel to member 3")[0]);
    await network.recorder(one).waitClosed(three);
    expect(network.recorder(one).framesFrom(three)).toEqual([]);

    sendSome();
    const frames = await network.recorder(one).waitFrames(two, sent);
    expect(frames.map(sequenceOf)).toEqual([...Array(sent).keys()]);
    expect(network.recorder(one).closedCount(two)).toBe(0);
    expect(network.recorder(two).closedCount(one)).toBe(0);
  });
});
