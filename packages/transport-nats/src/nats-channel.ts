/**
 * One channel between two endpoints over NATS, once its handshake is done: a sequence-numbered
 * stream of envelopes each way, which breaks rather than deliver out of order, twice, or past a
 * gap.
 *
 * @module
 */
import { assert } from "@zab/core";
import {
  type EndpointRole,
  type Envelope,
  type EnvelopeKind,
  envelopeOverheadBytes,
  FLAG_FIRST_CHUNK,
  FLAG_FRAMES,
  FLAG_LAST_CHUNK,
} from "./envelope.js";

/** The bytes of the frame length that leads a frame's first chunk. */
const FRAME_LENGTH_BYTES = 4;
/** The most frame bytes delivered before the receiver acknowledges them, whatever its buffer. */
const ACK_EVERY_BYTES_MAX = 256 * 1024;

/**
 * How a channel reaches the other end.
 *
 * @since 0.1.0
 * @internal
 */
export interface ChannelWire {
  /** Publishes an envelope to the other end's subject (the wire adds the MAC). */
  publish(subject: string, envelope: Envelope): void;
  /** The largest message the NATS server takes now (`max_payload`). */
  maxPayloadBytes(): number;
}

/**
 * Why a channel ended on receiving something.
 *
 * @remarks
 * `closed`: the other end closed it; `gap`: a message is missing (NATS dropped it, or the other
 * end lost its connection); `replayed`: a message came again (a replay: a sender never reuses a
 * seq); `oversize`: a frame longer than `frameBytesMax` was announced; `malformed`: chunks that do
 * not make a frame (an authentic sender never sends them).
 * @since 0.1.0
 * @internal
 */
export type ChannelBreak = "closed" | "gap" | "replayed" | "oversize" | "malformed";

/**
 * Settings of a {@link NatsChannel}.
 *
 * @since 0.1.0
 * @internal
 */
export interface NatsChannelSettings {
  readonly id: Uint8Array;
  readonly role: EndpointRole;
  /** This end's name, and the other end's. */
  readonly local: string;
  readonly remote: string;
  /** Where the other end listens. */
  readonly remoteSubject: string;
  readonly frameBytesMax: number;
  readonly bufferedBytesMax: number;
  readonly wire: ChannelWire;
  /** Now, in milliseconds (monotonic). */
  readonly now: number;
}

/**
 * The state of one established channel: sequence numbers both ways, delivery credit, frame
 * reassembly and liveness.
 *
 * @remarks
 * Every envelope after the handshake (data, ack, ping, close) takes the next seq of its
 * direction, starting at 1. The receiver takes only the seq it expects next: a lower one is a
 * replay, a higher one a gap, and either breaks the channel, so what is delivered is always a
 * prefix of what was sent, in order, once. The sender counts frame bytes sent and not yet
 * acknowledged as delivered; a send that would take that over `bufferedBytesMax` fails, and the
 * owner breaks the channel.
 * @since 0.1.0
 * @internal
 */
export class NatsChannel {
  readonly id: Uint8Array;
  readonly remote: string;
  readonly #settings: NatsChannelSettings;
  readonly #ackEveryBytes: number;
  #sendSeq = 1;
  #receiveSeq = 1;
  #sentBytes = 0;
  #ackedBytes = 0;
  #deliveredBytes = 0;
  #deliveredAckedBytes = 0;
  #chunks: Uint8Array[] = [];
  #chunksBytes = 0;
  #frameBytes = -1;
  #lastSentMs: number;
  #lastReceivedMs: number;
  #open = true;
  /** Frames sent this task and not yet emitted (held, not copied); one envelope at flush. */
  #batch: Uint8Array[] = [];
  #batchBytes = 0;
  #batchScheduled = false;

  constructor(settings: NatsChannelSettings) {
    this.#settings = settings;
    this.id = settings.id;
    this.remote = settings.remote;
    this.#ackEveryBytes = Math.max(
      1,
      Math.min(ACK_EVERY_BYTES_MAX, Math.floor(settings.bufferedBytesMax / 4)),
    );
    this.#lastSentMs = settings.now;
    this.#lastReceivedMs = settings.now;
  }

  /** Whether the channel has not ended. */
  get open(): boolean {
    return this.#open;
  }

  /** Frame bytes sent and not yet acknowledged as delivered. */
  get unacknowledgedBytes(): number {
    return this.#sentBytes - this.#ackedBytes;
  }

  /**
   * Sends a frame: with the other frames sent in this turn (one envelope for all that fit under
   * NATS `max_payload`, at the end of the current task), or, when larger, in as many chunks as
   * `max_payload` requires.
   *
   * @remarks
   * Batching is what keeps a busy member from paying a NATS message, a MAC and a callback per
   * frame: a leader sends a follower many proposals and commits per turn. Order is kept: a frame
   * that is chunked, a close, an ack or a ping first emits the batch before it.
   * @param frame - The frame, at most `frameBytesMax` bytes.
   * @param now - Now, in milliseconds.
   * @returns `false` when it would take the unacknowledged bytes over `bufferedBytesMax` (nothing
   *   was sent; the owner breaks the channel).
   */
  send(frame: Uint8Array, now: number): boolean {
    assert(this.#open, "frames are sent only on an open channel");
    assert(frame.byteLength <= this.#settings.frameBytesMax, "the owner checks frameBytesMax");
    if (this.unacknowledgedBytes + frame.byteLength > this.#settings.bufferedBytesMax) return false;
    this.#sentBytes += frame.byteLength;
    const room = this.#room();
    const record = FRAME_LENGTH_BYTES + frame.byteLength;
    if (record <= room) {
      if (this.#batchBytes + record > room) this.flush(now);
      this.#batch.push(frame);
      this.#batchBytes += record;
      this.#scheduleFlush();
      return true;
    }
    this.flush(now);
    this.#sendChunked(frame, room - FRAME_LENGTH_BYTES, now);
    return true;
  }

  /**
   * Emits the frames batched so far as one envelope. Called at the end of the task that sent
   * them, and before anything else this end emits.
   *
   * @param now - Now, in milliseconds.
   */
  flush(now: number): void {
    if (this.#batch.length === 0 || !this.#open) return;
    // One allocation for the whole body: each frame led by its length.
    const body = new Uint8Array(this.#batchBytes);
    const view = new DataView(body.buffer);
    let offset = 0;
    for (const frame of this.#batch) {
      view.setUint32(offset, frame.byteLength);
      body.set(frame, offset + FRAME_LENGTH_BYTES);
      offset += FRAME_LENGTH_BYTES + frame.byteLength;
    }
    assert(offset === this.#batchBytes, "the batch's bytes were counted as it grew");
    this.#batch = [];
    this.#batchBytes = 0;
    this.#emit("data", body, FLAG_FRAMES, now);
  }

  /** The most body bytes one envelope of this channel may carry under `max_payload`. */
  #room(): number {
    const { local, remote } = this.#settings;
    const room = this.#settings.wire.maxPayloadBytes() - envelopeOverheadBytes(local, remote);
    assert(
      room > FRAME_LENGTH_BYTES,
      "max_payload leaves room for a chunk (checked when the endpoint connects)",
    );
    return room;
  }

  #scheduleFlush(): void {
    if (this.#batchScheduled) return;
    this.#batchScheduled = true;
    // A microtask: after the task that sent the frames, before any I/O of the next one.
    queueMicrotask(() => {
      this.#batchScheduled = false;
      this.flush(performance.now());
    });
  }

  #sendChunked(frame: Uint8Array, room: number, now: number): void {
    let offset = 0;
    // Terminates: each chunk carries at least one byte (room > 0), or is the one empty frame.
    do {
      const first = offset === 0;
      const end = Math.min(frame.byteLength, offset + room);
      const chunk = frame.subarray(offset, end);
      const body = first ? withLength(frame.byteLength, chunk) : chunk;
      const flags = (first ? FLAG_FIRST_CHUNK : 0) | (end === frame.byteLength ? FLAG_LAST_CHUNK : 0);
      this.#emit("data", body, flags, now);
      offset = end;
    } while (offset < frame.byteLength);
  }

  /**
   * Takes an envelope of this channel, authenticated and addressed to this end.
   *
   * @param envelope - It.
   * @param deliver - Receives each complete frame, in order; the receiver owns it.
   * @param now - Now, in milliseconds.
   * @returns Why the channel ended, or `undefined` when it is still open.
   */
  receive(envelope: Envelope, deliver: (frame: Uint8Array) => void, now: number): ChannelBreak | undefined {
    assert(this.#open, "only an open channel receives");
    if (envelope.seq < this.#receiveSeq) return this.#end("replayed");
    if (envelope.seq > this.#receiveSeq) return this.#end("gap");
    this.#receiveSeq += 1;
    this.#lastReceivedMs = now;
    switch (envelope.kind) {
      case "data":
        return (envelope.flags & FLAG_FRAMES) !== 0
          ? this.#receiveFrames(envelope, deliver)
          : this.#receiveChunk(envelope, deliver);
      case "ack": {
        const acked = readCount(envelope.body);
        if (acked === undefined || acked < this.#ackedBytes || acked > this.#sentBytes) {
          return this.#end("malformed");
        }
        this.#ackedBytes = acked;
        return undefined;
      }
      case "ping":
        return undefined;
      case "close":
        return this.#end("closed");
      default:
        // Handshake and reset envelopes carry seq 0 and never reach here.
        return this.#end("malformed");
    }
  }

  /**
   * Notes frame bytes the listener took, acknowledging them once enough add up.
   *
   * @param bytes - The frame's length.
   * @param now - Now, in milliseconds.
   */
  delivered(bytes: number, now: number): void {
    this.#deliveredBytes += bytes;
    if (this.#open && this.#deliveredBytes - this.#deliveredAckedBytes >= this.#ackEveryBytes) {
      this.#acknowledge(now);
    }
  }

  /**
   * Keeps a quiet channel alive and notices a silent peer.
   *
   * @param now - Now, in milliseconds.
   * @param heartbeatIntervalMs - How long without sending before a ping.
   * @param peerSilenceMaxMs - How long without hearing anything before the channel is broken.
   * @returns `"silent"` when the other end has said nothing for too long (the owner breaks the
   *   channel), else `undefined`.
   */
  tick(now: number, heartbeatIntervalMs: number, peerSilenceMaxMs: number): "silent" | undefined {
    if (!this.#open) return undefined;
    if (now - this.#lastReceivedMs > peerSilenceMaxMs) {
      this.#open = false;
      return "silent";
    }
    if (this.#deliveredBytes > this.#deliveredAckedBytes) this.#acknowledge(now);
    else if (now - this.#lastSentMs >= heartbeatIntervalMs && this.#batch.length === 0) {
      this.#emit("ping", new Uint8Array(0), 0, now);
    }
    return undefined;
  }

  /**
   * Ends the channel on this end's initiative and tells the other end, after everything already
   * sent (a close takes the next seq).
   *
   * @param now - Now, in milliseconds.
   */
  close(now: number): void {
    if (!this.#open) return;
    this.flush(now);
    this.#emit("close", new Uint8Array(0), 0, now);
    this.#open = false;
  }

  /** Ends the channel without telling the other end (it already knows, or cannot be reached). */
  abandon(): void {
    this.#open = false;
    this.#batch = [];
    this.#batchBytes = 0;
  }

  #receiveFrames(envelope: Envelope, deliver: (frame: Uint8Array) => void): ChannelBreak | undefined {
    const body = envelope.body;
    if (this.#frameBytes >= 0 || (envelope.flags & (FLAG_FIRST_CHUNK | FLAG_LAST_CHUNK)) !== 0) {
      return this.#end("malformed");
    }
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const frames: Uint8Array[] = [];
    let offset = 0;
    // Terminates: each record advances `offset` by at least its 4-byte length.
    while (offset < body.byteLength) {
      if (body.byteLength - offset < FRAME_LENGTH_BYTES) return this.#end("malformed");
      const frameBytes = view.getUint32(offset);
      if (frameBytes > this.#settings.frameBytesMax) return this.#end("oversize");
      const start = offset + FRAME_LENGTH_BYTES;
      if (frameBytes > body.byteLength - start) return this.#end("malformed");
      // Copied: NATS may reuse the buffer the message arrived in, and the listener owns the frame.
      // A plain Uint8Array, as from the chunked path (NATS hands over Buffers).
      frames.push(new Uint8Array(body.subarray(start, start + frameBytes)));
      offset = start + frameBytes;
    }
    if (frames.length === 0) return this.#end("malformed");
    // Checked whole before any is delivered: a bad batch delivers nothing of itself.
    for (const frame of frames) deliver(frame);
    return undefined;
  }

  #receiveChunk(envelope: Envelope, deliver: (frame: Uint8Array) => void): ChannelBreak | undefined {
    let chunk = envelope.body;
    if ((envelope.flags & FLAG_FIRST_CHUNK) !== 0) {
      if (this.#frameBytes >= 0 || chunk.byteLength < FRAME_LENGTH_BYTES) return this.#end("malformed");
      const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const frameBytes = view.getUint32(0);
      // Refused on the announced length, before anything is buffered for it.
      if (frameBytes > this.#settings.frameBytesMax) return this.#end("oversize");
      this.#frameBytes = frameBytes;
      chunk = chunk.subarray(FRAME_LENGTH_BYTES);
    } else if (this.#frameBytes < 0) {
      return this.#end("malformed");
    }
    this.#chunksBytes += chunk.byteLength;
    if (this.#chunksBytes > this.#frameBytes) return this.#end("malformed");
    this.#chunks.push(chunk);
    if ((envelope.flags & FLAG_LAST_CHUNK) === 0) return undefined;
    if (this.#chunksBytes !== this.#frameBytes) return this.#end("malformed");
    // Copied: NATS may reuse the buffer the message arrived in, and the listener owns the frame.
    const frame =
      this.#chunks.length === 1 ? Uint8Array.from(chunk) : new Uint8Array(Buffer.concat(this.#chunks));
    this.#chunks = [];
    this.#chunksBytes = 0;
    this.#frameBytes = -1;
    deliver(frame);
    return undefined;
  }

  #acknowledge(now: number): void {
    this.flush(now);
    this.#deliveredAckedBytes = this.#deliveredBytes;
    this.#emit("ack", writeCount(this.#deliveredBytes), 0, now);
  }

  #emit(kind: EnvelopeKind, body: Uint8Array, flags: number, now: number): void {
    const { role, local, remote, remoteSubject, wire } = this.#settings;
    wire.publish(remoteSubject, {
      kind,
      role,
      flags,
      channelId: this.id,
      seq: this.#sendSeq,
      from: local,
      to: remote,
      body,
    });
    this.#sendSeq += 1;
    this.#lastSentMs = now;
  }

  #end(reason: ChannelBreak): ChannelBreak {
    this.#open = false;
    this.#chunks = [];
    return reason;
  }
}

function withLength(length: number, chunk: Uint8Array): Uint8Array {
  const body = new Uint8Array(FRAME_LENGTH_BYTES + chunk.byteLength);
  new DataView(body.buffer).setUint32(0, length);
  body.set(chunk, FRAME_LENGTH_BYTES);
  return body;
}

function writeCount(count: number): Uint8Array {
  const body = new Uint8Array(8);
  const view = new DataView(body.buffer);
  view.setUint32(0, Math.floor(count / 2 ** 32));
  view.setUint32(4, count % 2 ** 32);
  return body;
}

function readCount(body: Uint8Array): number | undefined {
  if (body.byteLength !== 8) return undefined;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return view.getUint32(0) * 2 ** 32 + view.getUint32(4);
}
