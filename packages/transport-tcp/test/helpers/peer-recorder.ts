/**
 * A peer transport listener that records what it hears, in order.
 *
 * @module
 */
import type { PeerTransport, PeerTransportListener, ServerId } from "@zab/core";
import { until } from "./until.js";

/** One event heard by a listener. */
export type PeerEventRecord =
  | { readonly kind: "frame"; readonly from: ServerId; readonly frame: Uint8Array }
  | { readonly kind: "closed"; readonly peer: ServerId };

/** Records the events of one transport. */
export class PeerRecorder implements PeerTransportListener {
  readonly events: PeerEventRecord[] = [];
  /** Set while a listener call runs, to catch re-entrant calls. */
  #inside = false;
  reentrant = false;

  /**
   * @param transport - Starts listening on it at once.
   * @param onFrame - Called after each frame is recorded (to answer, say).
   */
  constructor(
    transport: PeerTransport,
    readonly onFrame?: (from: ServerId, frame: Uint8Array) => void,
  ) {
    transport.listen(this);
  }

  frame(from: ServerId, frame: Uint8Array): void {
    if (this.#inside) this.reentrant = true;
    this.#inside = true;
    this.events.push({ kind: "frame", from, frame });
    this.onFrame?.(from, frame);
    this.#inside = false;
  }

  closed(peer: ServerId): void {
    if (this.#inside) this.reentrant = true;
    this.events.push({ kind: "closed", peer });
  }

  /** Frames from `peer`, in arrival order. */
  framesFrom(peer: ServerId): Uint8Array[] {
    return this.events.flatMap((event) =>
      event.kind === "frame" && event.from === peer ? [event.frame] : [],
    );
  }

  /** How many times `closed(peer)` was heard. */
  closedCount(peer: ServerId): number {
    return this.events.filter((event) => event.kind === "closed" && event.peer === peer).length;
  }

  /** Waits until `count` frames from `peer` arrived. */
  async waitFrames(peer: ServerId, count: number, timeoutMs = 10_000): Promise<Uint8Array[]> {
    await until(
      () => (this.framesFrom(peer).length >= count ? true : undefined),
      timeoutMs,
      `${count} frames from ${peer}`,
    );
    return this.framesFrom(peer);
  }

  /** Waits until `closed(peer)` was heard `count` times. */
  async waitClosed(peer: ServerId, count = 1, timeoutMs = 10_000): Promise<void> {
    await until(
      () => (this.closedCount(peer) >= count ? true : undefined),
      timeoutMs,
      `closed(${peer}) x${count}`,
    );
  }
}

/** A frame carrying a sequence number (4 bytes) followed by `padding` filler bytes. */
export function numbered(sequence: number, padding = 0): Uint8Array {
  const frame = new Uint8Array(4 + padding);
  new DataView(frame.buffer).setUint32(0, sequence, false);
  frame.fill(sequence & 0xff, 4);
  return frame;
}

/** The sequence number of a {@link numbered} frame. */
export function sequenceOf(frame: Uint8Array): number {
  return new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, false);
}
