/**
 * One end of a client channel as the client conformance checks drive it: it sends numbered test
 * frames, and its listener records what arrives and checks, as it arrives, every rule the
 * contract sets for one end of one channel.
 *
 * The rules checked on every event, whatever the check:
 *
 * - a frame is one the suite sent, intact, from the other end of this very channel (not another
 *   client's), never a forbidden (oversize) one;
 * - frames arrive in the order sent, none missing, none twice: a channel loses frames only by
 *   closing, and nothing arrives after `closed`;
 * - `closed` is heard at most once;
 * - the listener is never called re-entrantly or from inside a transport call.
 *
 * @module
 */
import type { ClientChannel, ServerId } from "@zab/core";
import type { CheckContext } from "./check-context.js";
import { decodeTestFrame, encodeTestFrame } from "./test-frame.js";

/** How a check reacts inside the listener, to test what a listener may do there. */
export interface ChannelReactions {
  frame?(seq: number): void;
  closed?(): void;
}

/** What a {@link ChannelProbe} is: which end of which member's channel. */
export interface ChannelProbeIdentity {
  /** A number unique among the check's channel ends, carried by every frame the end sends. */
  readonly tag: number;
  /** The member on the member's side of the channel. */
  readonly member: ServerId;
  /** Which end this is. */
  readonly side: "client" | "member";
}

/** One end of one client channel, listening from the moment it is made. */
export class ChannelProbe {
  /** Which end of which channel. */
  readonly identity: ChannelProbeIdentity;
  /** The end itself. */
  readonly channel: ClientChannel;
  /** Reactions run inside the listener. */
  reactions: ChannelReactions = {};
  readonly #context: CheckContext;
  readonly #name: string;
  #peerTag: number | undefined;
  #sent = 0;
  #received = 0;
  #closed = false;
  #depth = 0;
  #retired = false;

  /**
   * Wraps a channel end and listens on it at once, as the contract asks.
   *
   * @param context - The running check.
   * @param channel - The end.
   * @param identity - Which end of which channel it is.
   */
  constructor(context: CheckContext, channel: ClientChannel, identity: ChannelProbeIdentity) {
    this.#context = context;
    this.channel = channel;
    this.identity = identity;
    this.#name = `the ${identity.side} end #${identity.tag} of a channel to member ${identity.member}`;
    context.calling(`${this.#name}'s listen`, () =>
      channel.listen({
        frame: (frame) => this.#heard("a frame", () => this.#frame(frame)),
        closed: () => this.#heard("closed", () => this.#closedHeard()),
      }),
    );
  }

  /** The tag of the other end, once a frame from it arrived. */
  get peerTag(): number | undefined {
    return this.#peerTag;
  }

  /** How many frames arrived. */
  get received(): number {
    return this.#received;
  }

  /** How many frames this end sent. */
  get sent(): number {
    return this.#sent;
  }

  /** Whether `closed` was heard. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends one test frame.
   *
   * @param bytes - The frame's size.
   * @param kind - `forbidden` for a frame that must never be delivered.
   * @returns The frame's seq.
   */
  send(bytes: number, kind: "normal" | "forbidden" = "normal"): number {
    const seq = this.#sent;
    this.#sent += 1;
    const frame = encodeTestFrame(
      { kind, sender: this.identity.tag, target: this.identity.member, seq },
      bytes,
    );
    try {
      this.#context.calling(`${this.#name}'s send`, () => this.channel.send(frame));
    } catch (error) {
      this.#context.violation(`${this.#name}'s send threw: ${String(error)}`);
    }
    return seq;
  }

  /** Closes the end, noting a throw as a violation (close is idempotent and never throws). */
  close(): void {
    try {
      this.#context.calling(`${this.#name}'s close`, () => this.channel.close());
    } catch (error) {
      this.#context.violation(`${this.#name}'s close threw: ${String(error)}`);
    }
  }

  /** Stops recording and reacting: the check is over. */
  retire(): void {
    this.#retired = true;
    this.reactions = {};
  }

  #heard(what: string, handle: () => void): void {
    if (this.#retired) return;
    const call = this.#context.call;
    if (call !== undefined) this.#context.violation(`${this.#name} heard ${what} from inside ${call}`);
    if (this.#depth > 0) {
      this.#context.violation(
        `${this.#name} heard ${what} re-entrantly, inside another of its listener's calls`,
      );
    }
    this.#depth += 1;
    try {
      handle();
    } finally {
      this.#depth -= 1;
    }
  }

  #frame(frame: Uint8Array): void {
    if (this.#closed) {
      this.#context.violation(`${this.#name} received a frame after it heard closed`);
      return;
    }
    const header = decodeTestFrame(frame);
    if (typeof header === "string") {
      this.#context.violation(`${this.#name} received ${header}`);
      return;
    }
    const name = `frame ${header.seq} of end #${header.sender}`;
    if (header.kind === "forbidden") {
      this.#context.violation(
        `${this.#name} received ${name} (${frame.byteLength} bytes), an oversize frame that must never be delivered`,
      );
      return;
    }
    if (header.target !== this.identity.member) {
      this.#context.violation(`${this.#name} received ${name}, sent on a channel to member ${header.target}`);
      return;
    }
    if (this.#peerTag === undefined) this.#peerTag = header.sender;
    if (header.sender !== this.#peerTag) {
      this.#context.violation(
        `${this.#name} received ${name}, but its other end is #${this.#peerTag}: frames crossed channels`,
      );
      return;
    }
    if (header.seq !== this.#received) {
      this.#context.violation(
        `${this.#name} received ${name} where frame ${this.#received} was due: lost, reordered or duplicated on an open channel`,
      );
    }
    this.#received = Math.max(this.#received, header.seq + 1);
    this.reactions.frame?.(header.seq);
  }

  #closedHeard(): void {
    if (this.#closed) {
      this.#context.violation(`${this.#name} heard closed twice`);
      return;
    }
    this.#closed = true;
    this.reactions.closed?.();
  }
}
