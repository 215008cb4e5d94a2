// Goal: a channel that breaks — cut from outside, closed by one member, or lost with a member
// that goes away — is reported with `closed` to both ends before any frame of a later channel,
// nothing sent before the sender heard `closed` arrives after it, and frames flow again on a new
// channel. Method: members on loopback with a proxy on every path; cut connections at the proxy
// (as a pulled cable would), call disconnect, stop and restart a member on its old port; check
// the order of what each listener heard.
import { type ServerId, serverId } from "@zab/core";
import { describe, expect, it } from "vitest";
import { startPeers } from "./helpers/peer-network.js";
import { numbered, type PeerRecorder, sequenceOf } from "./helpers/peer-recorder.js";
import { nextTurn, until } from "./helpers/until.js";

const one = serverId(1);
const two = serverId(2);

/** The sequence numbers `recorder` got from `from` after it heard `closed(from)` for the n-th time. */
function framesAfterClosed(recorder: PeerRecorder, from: ServerId, closures: number): number[] {
  let seen = 0;
  const after: number[] = [];
  for (const event of recorder.events) {
    if (event.kind === "closed" && event.peer === from) seen += 1;
    else if (event.kind === "frame" && event.from === from && seen >= closures)
      after.push(sequenceOf(event.frame));
  }
  return after;
}

/** Sends numbered frames from `from` to `to`, one per turn, until `to` has heard `count` after its n-th closure. */
async function sendUntilHeard(
  send: (sequence: number) => void,
  recorder: PeerRecorder,
  from: ServerId,
  closures: number,
  count: number,
  firstSequence: number,
): Promise<number[]> {
  let sequence = firstSequence;
  await until(async () => {
    send(sequence);
    sequence += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return framesAfterClosed(recorder, from, closures).length >= count ? true : undefined;
  });
  return framesAfterClosed(recorder, from, closures);
}

function expectIncreasing(sequences: readonly number[]): void {
  for (let i = 1; i < sequences.length; i += 1) {
    expect(sequences[i], `frame ${i} after ${sequences[i - 1]}`).toBeGreaterThan(sequences[i - 1] ?? -1);
  }
}

describe("a broken channel", () => {
  it("cut from outside is reported to both ends, and later frames flow on a new channel", async () => {
    await using network = await startPeers([1, 2], { proxies: true });
    const a = network.transport(one);
    const b = network.transport(two);
    for (let i = 0; i < 100; i += 1) a.send(two, numbered(i));
    for (let i = 0; i < 100; i += 1) b.send(one, numbered(i));
    await network.recorder(two).waitFrames(one, 100);
    await network.recorder(one).waitFrames(two, 100);

    for (const proxy of network.proxies()) proxy.cut();
    await network.recorder(one).waitClosed(two);
    await network.recorder(two).waitClosed(one);

    // Frames sent after the break open a new channel; they arrive after the closure, in order.
    const after = await sendUntilHeard(
      (sequence) => a.send(two, numbered(sequence)),
      network.recorder(two),
      one,
      1,
      20,
      1_000,
    );
    expect(after[0]).toBeGreaterThanOrEqual(1_000);
    expectIncreasing(after);
    const back = await sendUntilHeard(
      (sequence) => b.send(one, numbered(sequence)),
      network.recorder(one),
      two,
      1,
      20,
      1_000,
    );
    expectIncreasing(back);
    // Before the cut, everything arrived once and in order.
    expect(network.recorder(two).framesFrom(one).slice(0, 100).map(sequenceOf)).toEqual([
      ...Array(100).keys(),
    ]);
  });

  it("closed by one member with disconnect is reported to both, on a later turn for the caller", async () => {
    await using network = await startPeers([1, 2]);
    const a = network.transport(one);
    a.send(two, numbered(0));
    await network.recorder(two).waitFrames(one, 1);

    a.disconnect(two);
    // Never inside the caller's own call.
    expect(network.recorder(one).closedCount(two)).toBe(0);
    // Frames sent before the caller heard `closed` belong to the old channel: dropped.
    a.send(two, numbered(1));
    await network.recorder(one).waitClosed(two);
    await network.recorder(two).waitClosed(one);

    a.send(two, numbered(2));
    const frames = await network.recorder(two).waitFrames(one, 2);
    expect(frames.map(sequenceOf)).toEqual([0, 2]);
    const events = network
      .recorder(two)
      .events.map((event) => (event.kind === "closed" ? "closed" : sequenceOf(event.frame)));
    expect(events).toEqual([0, "closed", 2]);
  });

  it("is reported when a member goes away; frames to it are dropped, and flow again once it is back", async () => {
    await using network = await startPeers([1, 2], { reconnectDelayMinMs: 10, reconnectDelayMaxMs: 50 });
    const a = network.transport(one);
    a.send(two, numbered(0));
    await network.recorder(two).waitFrames(one, 1);

    await network.stop(two);
    await network.recorder(one).waitClosed(two);
    // Sending to a member that is down never throws or blocks; the frames are lost, and the
    // sender hears `closed` before any later frame could reach the member.
    const closuresBefore = network.recorder(one).closedCount(two);
    for (let i = 0; i < 5; i += 1) {
      a.send(two, numbered(100 + i));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await until(() => (network.recorder(one).closedCount(two) > closuresBefore ? true : undefined));

    await network.restart(two);
    const frames = await sendUntilHeard(
      (sequence) => a.send(two, numbered(sequence)),
      network.recorder(two),
      one,
      0,
      10,
      1_000,
    );
    expect(frames[0]).toBeGreaterThanOrEqual(1_000);
    expectIncreasing(frames);
  });

  it("never delivers a frame sent before the sender heard closed after a later one", async () => {
    // A sender that keeps sending through repeated cuts: on the receiving side, within each
    // channel the frames increase, and no gap is ever followed by more frames of the same
    // channel (what was lost stays lost, the rest of that channel is dropped until `closed`).
    await using network = await startPeers([1, 2], {
      proxies: true,
      reconnectDelayMinMs: 5,
      reconnectDelayMaxMs: 20,
    });
    const a = network.transport(one);
    const sentPerEpoch: number[][] = [[]];
    const senderRecorder = network.recorder(one);
    let sequence = 0;
    let closures = 0;
    for (let round = 0; round < 8; round += 1) {
      for (let i = 0; i < 200; i += 1) {
        // Track which of the sender's channel epochs (between the closures it heard) each frame belongs to.
        const heard = senderRecorder.closedCount(two);
        while (closures < heard) {
          closures += 1;
          sentPerEpoch.push([]);
        }
        sentPerEpoch[closures]?.push(sequence);
        a.send(two, numbered(sequence));
        sequence += 1;
        if (i % 20 === 0) await nextTurn();
      }
      for (const proxy of network.proxies()) proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await network.recorder(two).waitClosed(one);
    const received = network.recorder(two).framesFrom(one).map(sequenceOf);
    expectIncreasing(received);
    // Within each sender epoch, the frames that arrived are a prefix of those sent in it.
    const arrived = new Set(received);
    for (const epoch of sentPerEpoch) {
      const delivered = epoch.filter((s) => arrived.has(s));
      expect(delivered).toEqual(epoch.slice(0, delivered.length));
    }
  });
});
