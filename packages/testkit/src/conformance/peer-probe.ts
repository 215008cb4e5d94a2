/**
 * One member as the peer conformance checks drive it: it sends numbered test frames, and its
 * listener records what arrives and checks, as it arrives, every rule the contract sets for one
 * member's view of its channels.
 *
 * The rules checked on every event, whatever the check:
 *
 * - a frame is one the suite sent through a member's transport, intact, attributed to its real
 *   sender and delivered to its real target; never an impostor's or an oversize one;
 * - from each sender, frames arrive in the order sent and at most once (across channels and
 *   across this member's restarts);
 * - between two frames from the same sender with no `closed` between them, nothing that sender
 *   sent in between is missing: frames of a later channel come only after `closed`, so those
 *   two are on one channel, which loses nothing until it breaks;
 * - the listener is never called re-entrantly, from inside a transport call, or after its
 *   transport's disposal resolved.
 *
 * @module
 */
import type { PeerTransport, ServerId } from "@zab/core";
import type { CheckContext } from "./check-context.js";
import type { PeerTransportFixture } from "./peer-transport-harness.js";
import { decodeTestFrame, encodeTestFrame } from "./test-frame.js";

/** One thing a member's listener heard. */
export type PeerEvent =
  | { readonly kind: "frame"; readonly from: ServerId; readonly seq: number; readonly bytes: number }
  | { readonly kind: "closed"; readonly peer: ServerId };

/** What a receiver last saw from one sender. */
interface SenderState {
  seq: number;
  /** Whether `closed(sender)` was heard (or this member restarted) since that frame. */
  closedSince: boolean;
}

/** How a check reacts inside the listener, to test what a listener may do there. */
export interface PeerReactions {
  frame?(from: ServerId, seq: number): void;
  closed?(peer: ServerId): void;
}

/** A member across its incarnations (each `open` is one). */
export class PeerProbe {
  /** The member's id. */
  readonly id: ServerId;
  /** What the listener of the current incarnation heard, in order. */
  events: PeerEvent[] = [];
  /** Reactions run inside the listener. */
  reactions: PeerReactions = {};
  readonly #context: CheckContext;
  #transport: PeerTransport | undefined;
  #incarnation = 0;
  #disposed = true;
  #retired = false;
  #depth = 0;
  /** Next seq per target: it survives restarts, so a receiver sees one increasing sequence. */
  readonly #nextSeq = new Map<ServerId, number>();
  /** `closed(peer)` heard, over all incarnations. */
  readonly #closuresHeard = new Map<ServerId, number>();
  readonly #senders = new Map<ServerId, SenderState>();

  /**
   * @param id - The member's id.
   * @param context - The running check.
   */
  constructor(id: ServerId, context: CheckContext) {
    this.id = id;
    this.#context = context;
  }

  /** The current incarnation's transport. */
  get transport(): PeerTransport {
    if (this.#transport === undefined || this.#disposed) throw new Error(`member ${this.id} is not running`);
    return this.#transport;
  }

  /**
   * Starts a new incarnation of the member and listens on it.
   *
   * @param fixture - The network.
   */
  async open(fixture: PeerTransportFixture): Promise<void> {
    if (!this.#disposed) throw new Error(`member ${this.id} is already running`);
    const transport = await fixture.open(this.id);
    if (transport.specificationVersion !== 1) {
      this.#context.violation(
        `member ${this.id}'s transport has specificationVersion ${String(transport.specificationVersion)}, not 1`,
      );
    }
    this.#incarnation += 1;
    const incarnation = this.#incarnation;
    this.#transport = transport;
    this.#disposed = false;
    this.events = [];
    // A restarted process has no channels: whatever arrives next is on a new one.
    for (const state of this.#senders.values()) state.closedSince = true;
    this.#context.calling(`member ${this.id}'s listen`, () =>
      transport.listen({
        frame: (from, frame) =>
          this.#heard(incarnation, `a frame from ${from}`, () => this.#frame(from, frame)),
        closed: (peer) => this.#heard(incarnation, `closed(${peer})`, () => this.#closed(peer)),
      }),
    );
  }

  /**
   * Disposes the current incarnation; its listener must hear nothing once this resolves.
   *
   * @param times - How many times to call dispose (more than once tests idempotence).
   */
  async dispose(times = 1): Promise<void> {
    const transport = this.transport;
    for (let call = 0; call < times; call += 1) {
      await this.#context.calling(`member ${this.id}'s dispose`, () => transport[Symbol.asyncDispose]());
      this.#disposed = true;
    }
  }

  /**
   * Sends one test frame.
   *
   * @param to - The target.
   * @param bytes - The frame's size.
   * @param kind - `forbidden` for a frame that must never be delivered.
   * @returns The frame's seq.
   */
  send(to: ServerId, bytes: number, kind: "normal" | "forbidden" = "normal"): number {
    const seq = this.#nextSeq.get(to) ?? 0;
    this.#nextSeq.set(to, seq + 1);
    const frame = encodeTestFrame({ kind, sender: this.id, target: to, seq }, bytes);
    const transport = this.transport;
    try {
      this.#context.calling(`member ${this.id}'s send`, () => transport.send(to, frame));
    } catch (error) {
      this.#context.violation(`member ${this.id}'s send to ${to} threw: ${String(error)}`);
    }
    return seq;
  }

  /** The seq the next frame to `to` gets; everything below it was sent already. */
  nextSeq(to: ServerId): number {
    return this.#nextSeq.get(to) ?? 0;
  }

  /**
   * Asks the transport to close the channel to `peer`.
   *
   * @param peer - The other member.
   */
  disconnect(peer: ServerId): void {
    const transport = this.transport;
    this.#context.calling(`member ${this.id}'s disconnect`, () => transport.disconnect(peer));
  }

  /** The seqs of the frames from `peer` this incarnation received, in order. */
  seqsFrom(peer: ServerId): number[] {
    const seqs: number[] = [];
    for (const event of this.events) if (event.kind === "frame" && event.from === peer) seqs.push(event.seq);
    return seqs;
  }

  /**
   * How many frames from `peer` this incarnation received with a seq in `[fromSeq, toSeq]`.
   *
   * @param peer - The sender.
   * @param fromSeq - The lowest seq counted.
   * @param toSeq - The highest seq counted.
   */
  countFrom(peer: ServerId, fromSeq = 0, toSeq = Number.POSITIVE_INFINITY): number {
    let count = 0;
    for (const event of this.events) {
      if (event.kind === "frame" && event.from === peer && event.seq >= fromSeq && event.seq <= toSeq) {
        count += 1;
      }
    }
    return count;
  }

  /** How many times this member, in any incarnation, heard that its channel to `peer` closed. */
  closures(peer: ServerId): number {
    return this.#closuresHeard.get(peer) ?? 0;
  }

  /**
   * Stops recording and reacting: the check is over, and what its fixture's disposal makes the
   * listeners hear is none of its business.
   */
  retire(): void {
    this.#retired = true;
    this.reactions = {};
  }

  #heard(incarnation: number, what: string, handle: () => void): void {
    if (this.#retired) return;
    if (incarnation !== this.#incarnation || this.#disposed) {
      this.#context.violation(
        `member ${this.id}'s listener heard ${what} after its transport's disposal resolved`,
      );
      return;
    }
    const call = this.#context.call;
    if (call !== undefined) {
      this.#context.violation(`member ${this.id}'s listener heard ${what} from inside ${call}`);
    }
    if (this.#depth > 0) {
      this.#context.violation(
        `member ${this.id}'s listener heard ${what} re-entrantly, inside another of its calls`,
      );
    }
    this.#depth += 1;
    try {
      handle();
    } finally {
      this.#depth -= 1;
    }
  }

  #frame(from: ServerId, frame: Uint8Array): void {
    const header = decodeTestFrame(frame);
    if (typeof header === "string") {
      this.#context.violation(`member ${this.id} received ${header} (attributed to ${from})`);
      return;
    }
    const name = `frame ${header.seq} from ${header.sender} to ${header.target}`;
    if (header.kind === "forbidden") {
      this.#context.violation(
        `member ${this.id} received ${name} (${frame.byteLength} bytes), which must never be delivered: an impostor's or an oversize one`,
      );
      return;
    }
    if (header.sender !== from) {
      this.#context.violation(`member ${this.id} received ${name} attributed to member ${from}`);
      return;
    }
    if (header.target !== this.id) {
      this.#context.violation(`member ${this.id} received ${name}, meant for another member`);
      return;
    }
    const last = this.#senders.get(from);
    if (last !== undefined) {
      if (header.seq <= last.seq) {
        this.#context.violation(
          `member ${this.id} received ${name} after frame ${last.seq}: reordered or duplicated`,
        );
      } else if (!last.closedSince && header.seq !== last.seq + 1) {
        this.#context.violation(
          `member ${this.id} received ${name} right after frame ${last.seq} with no closed(${from}) between: frames ${last.seq + 1}..${header.seq - 1} were lost without the channel breaking`,
        );
      }
    }
    this.#senders.set(from, { seq: Math.max(header.seq, last?.seq ?? -1), closedSince: false });
    this.events.push({ kind: "frame", from, seq: header.seq, bytes: frame.byteLength });
    this.reactions.frame?.(from, header.seq);
  }

  #closed(peer: ServerId): void {
    this.#closuresHeard.set(peer, this.closures(peer) + 1);
    const state = this.#senders.get(peer);
    if (state !== undefined) state.closedSince = true;
    this.events.push({ kind: "closed", peer });
    this.reactions.closed?.(peer);
  }
}
