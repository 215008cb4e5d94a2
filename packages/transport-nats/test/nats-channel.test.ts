// Goal: an established NATS channel delivers a prefix of what was sent, in order, once: a missing
// envelope (gap), a repeated one (replay) or two swapped (reordering) close it rather than
// deliver past them; frames larger than NATS max_payload travel in chunks and are reassembled
// exactly; a frame announced longer than frameBytesMax is refused before it is buffered; chunks
// that do not make a frame close the channel; a sender never has more than bufferedBytesMax
// unacknowledged, and the receiver's acknowledgements give credit back; a silent peer is noticed
// and a quiet channel pings. Method: two NatsChannel ends joined by a wire in this file that
// encodes and authenticates every envelope exactly as the endpoint does (encodeEnvelope, then
// decodeEnvelope), holding them until the test hands them over, dropped, doubled or swapped.
// Frames sent in one task travel as one envelope at its end; `emitted` ends the task (flush).
// Time is an explicit number: the channel reads no clock.
import { describe, expect, it } from "vitest";
import {
  decodeEnvelope,
  type Envelope,
  type EnvelopeKey,
  encodeEnvelope,
  envelopeOverheadBytes,
  FLAG_FIRST_CHUNK,
  FLAG_FRAMES,
  FLAG_LAST_CHUNK,
} from "../src/envelope.js";
import { type ChannelBreak, NatsChannel, type NatsChannelSettings } from "../src/nats-channel.js";

const key: EnvelopeKey = { secret: new TextEncoder().encode("s"), cluster: "unit" };

/** Envelopes one end published, authenticated and decoded as the other end's endpoint would. */
class Wire {
  readonly sent: Envelope[] = [];
  constructor(readonly maxPayload: number) {}
  publish(_subject: string, envelope: Envelope): void {
    const bytes = encodeEnvelope(key, envelope);
    expect(bytes.byteLength).toBeLessThanOrEqual(this.maxPayload);
    const decoded = decodeEnvelope(key, bytes);
    if (typeof decoded === "string") throw new Error(`the wire refused its own envelope: ${decoded}`);
    this.sent.push(decoded);
  }
  maxPayloadBytes(): number {
    return this.maxPayload;
  }
  take(): Envelope[] {
    return this.sent.splice(0);
  }
}

interface End {
  readonly channel: NatsChannel;
  readonly wire: Wire;
  readonly frames: Uint8Array[];
}

function pair(
  options: {
    readonly maxPayload?: number;
    readonly frameBytesMax?: number;
    readonly receiverFrameBytesMax?: number;
    readonly bufferedBytesMax?: number;
  } = {},
): { a: End; b: End } {
  const id = new Uint8Array(32).fill(7);
  const end = (local: string, remote: string, frameBytesMax: number): End => {
    const wire = new Wire(options.maxPayload ?? 1024 * 1024);
    const settings: NatsChannelSettings = {
      id,
      role: "peer",
      local,
      remote,
      remoteSubject: `zab.unit.peer.${remote}`,
      frameBytesMax,
      bufferedBytesMax: options.bufferedBytesMax ?? 1024 * 1024,
      wire,
      now: 0,
    };
    return { channel: new NatsChannel(settings), wire, frames: [] };
  };
  const frameBytesMax = options.frameBytesMax ?? 64 * 1024;
  return {
    a: end("1", "2", frameBytesMax),
    b: end("2", "1", options.receiverFrameBytesMax ?? frameBytesMax),
  };
}

/** What `from` emitted: its batch of this turn flushed first, as the end of the task would. */
function emitted(from: End): Envelope[] {
  from.channel.flush(0);
  return from.wire.take();
}

/** Sends each frame in a turn of its own: one envelope (or one run of chunks) each. */
function sendEach(from: End, frames: readonly Uint8Array[]): void {
  for (const each of frames) {
    expect(from.channel.send(each, 0)).toBe(true);
    from.channel.flush(0);
  }
}

/** Hands envelopes to `to`, in the order given; returns the first break. */
function deliver(to: End, envelopes: readonly Envelope[], now = 0): ChannelBreak | undefined {
  for (const envelope of envelopes) {
    const broke = to.channel.receive(envelope, (frame) => to.frames.push(frame), now);
    if (broke !== undefined) return broke;
  }
  return undefined;
}

function frame(length: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (index * 13 + seed) & 0xff);
}

describe("order, gaps and replays", () => {
  it("delivers frames in order, once, each as sent", () => {
    const { a, b } = pair();
    const sent = [frame(10, 1), frame(0), frame(300, 3), frame(1, 4)];
    for (const each of sent) expect(a.channel.send(each, 0)).toBe(true);
    expect(deliver(b, emitted(a))).toBeUndefined();
    expect(b.frames).toEqual(sent);
    expect(b.channel.open).toBe(true);
  });

  it("closes on a gap: a missing envelope stops delivery at the frame before it", () => {
    const { a, b } = pair();
    sendEach(a, [frame(8, 1), frame(8, 2), frame(8, 3)]);
    const [first, , third] = emitted(a);
    expect(deliver(b, [first as Envelope, third as Envelope])).toBe("gap");
    expect(b.frames).toEqual([frame(8, 1)]);
    expect(b.channel.open).toBe(false);
  });

  it("closes on a duplicate (a replay): nothing is delivered twice", () => {
    const { a, b } = pair();
    sendEach(a, [frame(8, 1), frame(8, 2)]);
    const [first, second] = emitted(a);
    expect(deliver(b, [first as Envelope, first as Envelope, second as Envelope])).toBe("replayed");
    expect(b.frames).toEqual([frame(8, 1)]);
    expect(b.channel.open).toBe(false);
  });

  it("closes on reordering: the later envelope arriving first is a gap", () => {
    const { a, b } = pair();
    sendEach(a, [frame(8, 1), frame(8, 2)]);
    const [first, second] = emitted(a);
    expect(deliver(b, [second as Envelope, first as Envelope])).toBe("gap");
    expect(b.frames).toEqual([]);
  });

  it("ends when the other end closes, after everything it sent before", () => {
    const { a, b } = pair();
    a.channel.send(frame(5), 0);
    a.channel.close(0);
    expect(a.channel.open).toBe(false);
    expect(deliver(b, emitted(a))).toBe("closed");
    expect(b.frames).toEqual([frame(5)]);
  });
});

describe("chunks", () => {
  // Room for 10 frame bytes per chunk after the envelope and the first chunk's 4-byte length.
  const maxPayload = envelopeOverheadBytes("1", "2") + 4 + 10;

  it("splits a frame above max_payload into chunks and reassembles it exactly", () => {
    const { a, b } = pair({ maxPayload });
    const big = frame(95, 9);
    a.channel.send(big, 0);
    const chunks = emitted(a);
    expect(chunks.length).toBe(10);
    expect(chunks.map((chunk) => chunk.flags)).toEqual([
      FLAG_FIRST_CHUNK,
      ...Array.from({ length: 8 }, () => 0),
      FLAG_LAST_CHUNK,
    ]);
    expect(deliver(b, chunks.slice(0, 9))).toBeUndefined();
    expect(b.frames).toEqual([]);
    expect(deliver(b, chunks.slice(9))).toBeUndefined();
    expect(b.frames).toEqual([big]);
  });

  it("batches the frames sent in one task into one envelope after it, splitting at max_payload", async () => {
    // 30 bytes of room: two 10-byte frames (14 bytes with their lengths) per envelope.
    const { a, b } = pair({ maxPayload: envelopeOverheadBytes("1", "2") + 30 });
    const sent = [frame(10, 1), frame(10, 2), frame(0), frame(10, 3)];
    for (const each of sent) a.channel.send(each, 0);
    // The first envelope left when the third frame did not fit; the rest waits for the task's end.
    expect(a.wire.sent.map((envelope) => envelope.flags)).toEqual([FLAG_FRAMES]);
    await Promise.resolve();
    const envelopes = a.wire.take();
    expect(envelopes.map((envelope) => envelope.flags)).toEqual([FLAG_FRAMES, FLAG_FRAMES]);
    expect(deliver(b, envelopes)).toBeUndefined();
    expect(b.frames).toEqual(sent);
  });

  it("keeps order between batched frames and a chunked one, and flushes the batch before a close", () => {
    const { a, b } = pair({ maxPayload });
    const sent = [frame(3, 1), frame(40, 2), frame(2, 3)];
    for (const each of sent) a.channel.send(each, 0);
    a.channel.close(0);
    const envelopes = a.wire.take();
    expect(envelopes.map((envelope) => envelope.kind).at(-1)).toBe("close");
    expect(deliver(b, envelopes)).toBe("closed");
    expect(b.frames).toEqual(sent);
  });

  it.each<[string, number[], ChannelBreak]>([
    ["a length running past the body", [0, 0, 0, 9, 1, 2], "malformed"],
    ["trailing bytes too short for a length", [0, 0, 0, 1, 7, 0, 0], "malformed"],
    ["no frame at all", [], "malformed"],
    ["a frame above frameBytesMax", [0, 1, 0, 0, 1], "oversize"],
  ])("closes on a batch with %s, delivering none of it", (_, body, reason) => {
    const { a, b } = pair({ frameBytesMax: 1000 });
    a.channel.send(frame(5), 0);
    const [envelope] = emitted(a);
    expect(deliver(b, [{ ...(envelope as Envelope), body: Uint8Array.from(body) }])).toBe(reason);
    expect(b.frames).toEqual([]);
  });

  it("closes on whole frames flagged as a chunk too (malformed)", () => {
    const { a, b } = pair();
    a.channel.send(frame(5), 0);
    const [envelope] = emitted(a);
    expect(deliver(b, [{ ...(envelope as Envelope), flags: FLAG_FRAMES | FLAG_FIRST_CHUNK }])).toBe(
      "malformed",
    );
  });

  it("copies the delivered frame: reusing the arrived buffer does not change it", () => {
    const { a, b } = pair();
    a.channel.send(frame(16), 0);
    const [only] = emitted(a);
    deliver(b, [only as Envelope]);
    (only as Envelope).body.fill(0);
    expect(b.frames).toEqual([frame(16)]);
  });

  it("refuses a frame announced above frameBytesMax at its first chunk, before buffering it", () => {
    const { a, b } = pair({ maxPayload, frameBytesMax: 1000, receiverFrameBytesMax: 50 });
    a.channel.send(frame(51), 0);
    const chunks = emitted(a);
    expect(deliver(b, chunks.slice(0, 1))).toBe("oversize");
    expect(b.channel.open).toBe(false);
  });

  it.each<[string, (chunks: Envelope[]) => Envelope[]]>([
    ["a middle chunk without a first", (chunks) => [{ ...(chunks[1] as Envelope), seq: 1 }]],
    [
      "a first chunk while a frame is incomplete",
      (chunks) => [chunks[0] as Envelope, { ...(chunks[0] as Envelope), seq: 2 }],
    ],
    [
      "a last chunk short of the announced length",
      (chunks) => [chunks[0] as Envelope, { ...(chunks[9] as Envelope), seq: 2 }],
    ],
    [
      "chunks longer than the announced length",
      (chunks) => [
        chunks[0] as Envelope,
        ...chunks.slice(1, 9).map((chunk, index) => ({ ...chunk, seq: index + 2 })),
        { ...(chunks[8] as Envelope), seq: 10 },
        { ...(chunks[8] as Envelope), seq: 11 },
      ],
    ],
    [
      "a first chunk too short to hold the length",
      (chunks) => [{ ...(chunks[0] as Envelope), body: new Uint8Array(3) }],
    ],
  ])("closes on %s (malformed)", (_, forge) => {
    const { a, b } = pair({ maxPayload });
    a.channel.send(frame(95), 0);
    expect(deliver(b, forge(emitted(a)))).toBe("malformed");
    expect(b.frames).toEqual([]);
  });
});

describe("byte credits", () => {
  it("refuses a send that would pass bufferedBytesMax unacknowledged, and sends nothing for it", () => {
    const { a } = pair({ frameBytesMax: 100, bufferedBytesMax: 100 });
    expect(a.channel.send(frame(60), 0)).toBe(true);
    emitted(a);
    expect(a.channel.send(frame(60), 0)).toBe(false);
    expect(emitted(a)).toEqual([]);
    expect(a.channel.unacknowledgedBytes).toBe(60);
  });

  it("gets credit back once the receiver's listener took the bytes and acknowledged them", () => {
    const { a, b } = pair({ frameBytesMax: 100, bufferedBytesMax: 100 });
    a.channel.send(frame(60), 0);
    deliver(b, emitted(a));
    // Not acknowledged while the listener has not taken it: credit tracks delivery, not arrival.
    expect(emitted(b)).toEqual([]);
    b.channel.delivered(60, 0);
    const acks = emitted(b);
    expect(acks.map((envelope) => envelope.kind)).toEqual(["ack"]);
    expect(deliver(a, acks)).toBeUndefined();
    expect(a.channel.unacknowledgedBytes).toBe(0);
    expect(a.channel.send(frame(60), 0)).toBe(true);
  });

  it("acknowledges small deliveries in batches, and the rest at the next tick", () => {
    const { a, b } = pair({ frameBytesMax: 100, bufferedBytesMax: 400 });
    a.channel.send(frame(10), 0);
    deliver(b, emitted(a));
    b.channel.delivered(10, 0);
    expect(emitted(b)).toEqual([]);
    expect(b.channel.tick(1, 1_000, 5_000)).toBeUndefined();
    const acks = emitted(b);
    expect(acks.map((envelope) => envelope.kind)).toEqual(["ack"]);
    deliver(a, acks);
    expect(a.channel.unacknowledgedBytes).toBe(0);
  });

  it("closes on an acknowledgement of more than was sent, or less than before (malformed)", () => {
    for (const count of [61, 0]) {
      const { a, b } = pair({ frameBytesMax: 100, bufferedBytesMax: 100 });
      a.channel.send(frame(60), 0);
      deliver(b, emitted(a));
      b.channel.delivered(60, 0);
      const [ack] = emitted(b);
      const body = new Uint8Array(8);
      new DataView(body.buffer).setUint32(4, count);
      if (count === 0) {
        // A first, honest ack of 60, then one going back to 0.
        deliver(a, [ack as Envelope]);
        expect(deliver(a, [{ ...(ack as Envelope), seq: 2, body }])).toBe("malformed");
      } else {
        expect(deliver(a, [{ ...(ack as Envelope), body }])).toBe("malformed");
      }
    }
  });
});

describe("liveness", () => {
  it("pings a quiet channel, and the ping keeps the other end from calling it silent", () => {
    const { a, b } = pair();
    expect(a.channel.tick(999, 1_000, 5_000)).toBeUndefined();
    expect(emitted(a)).toEqual([]);
    expect(a.channel.tick(1_000, 1_000, 5_000)).toBeUndefined();
    const pings = emitted(a);
    expect(pings.map((envelope) => envelope.kind)).toEqual(["ping"]);
    expect(deliver(b, pings, 4_000)).toBeUndefined();
    expect(b.channel.tick(8_000, 1_000, 5_000)).toBeUndefined();
    expect(b.channel.open).toBe(true);
  });

  it("calls a peer silent once it said nothing for longer than peerSilenceMaxMs", () => {
    const { b } = pair();
    expect(b.channel.tick(5_000, 1_000, 5_000)).toBeUndefined();
    expect(b.channel.tick(5_001, 1_000, 5_000)).toBe("silent");
    expect(b.channel.open).toBe(false);
  });
});
