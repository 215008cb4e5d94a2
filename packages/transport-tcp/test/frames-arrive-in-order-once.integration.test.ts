// Goal: over real sockets, every frame a member sends to another arrives exactly in the order
// sent, at most once (here, with nothing breaking: exactly once), whatever their sizes and
// however they are spread over turns of the event loop; and frames of up to frameBytesMax arrive.
// Method: three members on loopback with a shared secret each send thousands of numbered frames
// of irregular sizes to both others in bursts, then compare what each heard with what was sent.
import { serverId } from "@zab/core";
import { describe, expect, it } from "vitest";
import { startPeers } from "./helpers/peer-network.js";
import { numbered, sequenceOf } from "./helpers/peer-recorder.js";
import { nextTurn } from "./helpers/until.js";

const FRAMES = 3_000;

describe("frames between members", () => {
  it("arrive in order, each once, in both directions among three members", async () => {
    await using network = await startPeers([1, 2, 3]);
    // Sizes from empty to 4 KiB, deterministic but irregular.
    const padding = (sequence: number) => (sequence * 7919) % 4_096;
    for (let sent = 0; sent < FRAMES; ) {
      const burst = 1 + (sent % 97);
      for (let i = 0; i < burst && sent < FRAMES; i += 1, sent += 1) {
        for (const from of network.ids) {
          for (const to of network.ids) {
            if (from !== to) network.transport(from).send(to, numbered(sent, padding(sent)));
          }
        }
      }
      await nextTurn();
    }
    for (const to of network.ids) {
      for (const from of network.ids) {
        if (from === to) continue;
        const frames = await network.recorder(to).waitFrames(from, FRAMES);
        expect(frames.map(sequenceOf)).toEqual([...Array(FRAMES).keys()]);
        frames.forEach((frame, sequence) => {
          expect(frame.byteLength).toBe(4 + padding(sequence));
        });
      }
      expect(network.recorder(to).events.some((event) => event.kind === "closed")).toBe(false);
      expect(network.recorder(to).reentrant).toBe(false);
    }
  });

  it("carry a frame of exactly frameBytesMax", async () => {
    const frameBytesMax = 256 * 1024;
    await using network = await startPeers([1, 2], { frameBytesMax });
    const big = new Uint8Array(frameBytesMax).fill(0xab);
    network.transport(serverId(1)).send(serverId(2), big);
    const [frame] = await network.recorder(serverId(2)).waitFrames(serverId(1), 1);
    expect(frame?.byteLength).toBe(frameBytesMax);
    expect(Buffer.from(big).equals(frame ?? new Uint8Array(0))).toBe(true);
  });
});
