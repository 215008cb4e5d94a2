// Goal: when two members dial each other at the same moment, exactly one connection survives
// (the one dialed by the larger id: the smaller id's only asks for it), neither member hears a
// spurious `closed`, and the frames each queued while dialing all arrive, in order, once. Method: many rounds of two fresh members with a
// proxy on each path (so the test can count connections); both send a burst to the other in the
// same synchronous step, before any connection exists; then compare what arrived and count the
// connections still open through the proxies.
import { serverId } from "@zab/core";
import { describe, expect, it } from "vitest";
import { startPeers } from "./helpers/peer-network.js";
import { numbered, sequenceOf } from "./helpers/peer-recorder.js";
import { until } from "./helpers/until.js";

const one = serverId(1);
const two = serverId(2);
const ROUNDS = 15;
const FRAMES = 200;

describe("two members dialing each other at once", () => {
  it("keep exactly one connection, lose no frame and hear no closure", async () => {
    const winners = { dialedByLarger: 0, other: 0 };
    for (let round = 0; round < ROUNDS; round += 1) {
      await using network = await startPeers([1, 2], { proxies: true });
      const a = network.transport(one);
      const b = network.transport(two);
      for (let i = 0; i < FRAMES; i += 1) {
        a.send(two, numbered(i));
        b.send(one, numbered(i));
      }
      const atB = await network.recorder(two).waitFrames(one, FRAMES);
      const atA = await network.recorder(one).waitFrames(two, FRAMES);
      expect(atB.map(sequenceOf)).toEqual([...Array(FRAMES).keys()]);
      expect(atA.map(sequenceOf)).toEqual([...Array(FRAMES).keys()]);
      // The losing connection goes away; one stays.
      await until(() => (network.liveConnections() === 1 ? true : undefined), 10_000, "one connection left");
      if (network.proxy(two, one).live === 1) winners.dialedByLarger += 1;
      else winners.other += 1;
      // More frames use the surviving connection; still no closure anywhere.
      a.send(two, numbered(FRAMES));
      b.send(one, numbered(FRAMES));
      await network.recorder(two).waitFrames(one, FRAMES + 1);
      await network.recorder(one).waitFrames(two, FRAMES + 1);
      expect(network.liveConnections()).toBe(1);
      expect(network.recorder(one).closedCount(two)).toBe(0);
      expect(network.recorder(two).closedCount(one)).toBe(0);
      expect(network.proxy(one, two).accepted + network.proxy(two, one).accepted).toBeLessThanOrEqual(2);
    }
    // The survivor is always the connection the larger id dialed.
    expect(winners).toEqual({ dialedByLarger: ROUNDS, other: 0 });
  });

  it("never carry a channel on the connection the smaller one dials: it only asks to be called", async () => {
    await using network = await startPeers([1, 2], { proxies: true });
    network.transport(one).send(two, numbered(0));
    await network.recorder(two).waitFrames(one, 1);
    network.transport(two).send(one, numbered(0));
    await network.recorder(one).waitFrames(two, 1);
    // Member 1's connection (the request) is gone; member 2's carries the channel both ways.
    await until(() => (network.liveConnections() === 1 ? true : undefined), 10_000, "one connection left");
    expect(network.proxy(one, two).accepted).toBe(1);
    expect(network.proxy(one, two).live).toBe(0);
    expect(network.proxy(two, one).live).toBe(1);
  });
});
