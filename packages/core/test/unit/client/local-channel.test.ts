// Goal: localChannelPair honours the ClientChannel contract that sessions rely on — frames arrive
// FIFO, exactly once, never inside the send() call and never before listen(); a close on either
// end is reported to both ends exactly once, on a later turn; like a TCP close, what the closing
// end sent still arrives and what it had not read is discarded, and frames sent afterwards are
// dropped; exceeding the buffered-bytes bound closes the channel.
//
// Method: two ends with recording listeners; the event loop is turned with setImmediate between
// steps, and every observation is made both before and after the turn.

import { describe, expect, it } from "vitest";
import { localChannelPair } from "../../../src/client/local-channel.js";
import type { ClientChannel } from "../../../src/ports/client-channel.js";
import { expectZabError, settle } from "./scripted-ensemble.js";

function recorder(channel: ClientChannel) {
  const log: string[] = [];
  channel.listen({
    frame: (frame) => log.push(`frame ${[...frame].join(",")}`),
    closed: () => log.push("closed"),
  });
  return log;
}

describe("localChannelPair", () => {
  it("delivers frames in order, on a later turn, in both directions", async () => {
    const [a, b] = localChannelPair();
    const atA = recorder(a);
    const atB = recorder(b);
    a.send(new Uint8Array([1]));
    a.send(new Uint8Array([2]));
    b.send(new Uint8Array([9]));
    expect(atB).toEqual([]);
    expect(atA).toEqual([]);
    await settle(1);
    expect(atB).toEqual(["frame 1", "frame 2"]);
    expect(atA).toEqual(["frame 9"]);
  });

  it("holds frames until the receiving end listens", async () => {
    const [a, b] = localChannelPair();
    recorder(a);
    a.send(new Uint8Array([1]));
    await settle(2);
    const atB = recorder(b);
    expect(atB).toEqual([]);
    await settle(1);
    expect(atB).toEqual(["frame 1"]);
  });

  it("never delivers re-entrantly: a frame sent from inside a listener arrives on a later turn", async () => {
    const [a, b] = localChannelPair();
    const atA = recorder(a);
    let repliedInside = false;
    b.listen({
      frame: () => {
        b.send(new Uint8Array([42]));
        repliedInside = atA.length > 0;
      },
      closed: () => {},
    });
    a.send(new Uint8Array([1]));
    await settle(3);
    expect(repliedInside).toBe(false);
    expect(atA).toEqual(["frame 42"]);
  });

  it("reports a close to both ends exactly once, on a later turn", async () => {
    const [a, b] = localChannelPair();
    const atA = recorder(a);
    const atB = recorder(b);
    a.close();
    a.close();
    b.close();
    expect(atA).toEqual([]);
    expect(atB).toEqual([]);
    await settle(3);
    expect(atA).toEqual(["closed"]);
    expect(atB).toEqual(["closed"]);
  });

  it("delivers what the closing end sent before closing, and discards what it had not received", async () => {
    const [a, b] = localChannelPair();
    const atA = recorder(a);
    const atB = recorder(b);
    a.send(new Uint8Array([1]));
    b.send(new Uint8Array([2]));
    b.send(new Uint8Array([3]));
    b.close();
    await settle(3);
    expect(atA).toEqual(["frame 2", "frame 3", "closed"]);
    expect(atB).toEqual(["closed"]);
  });

  it("drops frames sent after the close", async () => {
    const [a, b] = localChannelPair();
    const atB = recorder(b);
    recorder(a);
    b.close();
    a.send(new Uint8Array([1]));
    await settle(3);
    expect(atB).toEqual(["closed"]);
  });

  it("reports a close made by a listener on a later turn, and stops delivering at once", async () => {
    const [a, b] = localChannelPair();
    const atB: string[] = [];
    b.listen({
      frame: (frame) => {
        atB.push(`frame ${frame[0]}`);
        b.close();
        atB.push("after close");
      },
      closed: () => atB.push("closed"),
    });
    recorder(a);
    a.send(new Uint8Array([1]));
    a.send(new Uint8Array([2]));
    await settle(3);
    expect(atB).toEqual(["frame 1", "after close", "closed"]);
  });

  it("reports a close to an end that listens only afterwards", async () => {
    const [a, b] = localChannelPair();
    recorder(a);
    a.close();
    await settle(2);
    const atB = recorder(b);
    await settle(1);
    expect(atB).toEqual(["closed"]);
  });

  it("closes the channel when the receiver's buffer would exceed bufferedBytesMax", async () => {
    const [a, b] = localChannelPair({ bufferedBytesMax: 4 });
    const atA = recorder(a);
    a.send(new Uint8Array([1, 2, 3]));
    a.send(new Uint8Array([4, 5]));
    const atB = recorder(b);
    await settle(2);
    expect(atB).toEqual(["closed"]);
    expect(atA).toEqual(["closed"]);
  });

  it("refuses a bound that is not a positive integer", async () => {
    await expectZabError(
      Promise.resolve().then(() => localChannelPair({ bufferedBytesMax: 0 })),
      "Invalid",
    );
  });
});
