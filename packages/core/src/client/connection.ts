/**
 * One channel between a client and a member: the connect handshake, then requests matched to
 * their replies in order, pings when idle, and the end of the channel.
 *
 * A connection knows nothing of sessions moving between members: when its channel ends, it fails
 * the requests still waiting for a reply with `"ConnectionLoss"` and tells its owner, who decides
 * what happens next.
 *
 * @module
 */
import { assert, assertNever } from "../assert.js";
import { decodeMemberToClient, encodeClientToMember } from "../codec/client-codec.js";
import { ZabError } from "../errors.js";
import type { ClientChannel, ClientDialer } from "../ports/client-channel.js";
import type { Clock, TimerHandle } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type {
  ClientReply,
  ConnectRequest,
  ConnectResponse,
  MemberToClientMessage,
  PingOp,
  WatchEvent,
} from "../protocol/client-messages.js";
import type { ServerId } from "../protocol/ids.js";
import { abortedError } from "./aborted-error.js";
import { ignoredRequest, type Request } from "./pending-call.js";
import { answeredOp } from "./reply-outcome.js";

/**
 * What a {@link Connection} reports to its owner once the handshake is done.
 *
 * @since 0.1.0
 * @internal
 */
export interface ConnectionHandler {
  /** A reply arrived; called before its request is told, so the owner sees its zxid first. */
  replied(reply: ClientReply): void;
  /** A watch the session set fired. */
  watchEvent(event: WatchEvent): void;
  /**
   * The channel ended. Called once, just before the requests without a reply fail with the
   * error that ended it.
   */
  closed(connection: Connection): void;
}

/**
 * Settings of {@link Connection.open}.
 *
 * @since 0.1.0
 * @internal
 */
export interface ConnectionOptions {
  /** Opens the channel. */
  readonly dialer: ClientDialer;
  /** The member to dial. */
  readonly member: ServerId;
  /** The handshake's first frame. */
  readonly request: ConnectRequest;
  /** How long to wait for the dial and the member's `connectResponse` together. */
  readonly handshakeTimeoutMs: number;
  /** The largest frame accepted from the member. */
  readonly frameBytesMax: number;
  /** Gives up on the handshake. */
  readonly signal: AbortSignal;
  /** Where to log. */
  readonly logger: Logger;
  /** Time and timers. */
  readonly clock: Clock;
  /** Told what happens after the handshake. */
  readonly handler: ConnectionHandler;
  /**
   * The first xid to use. A session keeps counting across its connections, so that a write
   * still in flight from an old connection can never be mistaken, by the member that applies
   * it, for a new request with the same xid (ZooKeeper's client does the same).
   */
  readonly firstXid: number;
}

/** A sent request and when it left. */
interface InFlight {
  readonly xid: number;
  readonly request: Request;
  readonly sentAtMs: number;
}

/** The largest xid; the next one is 1 again. 0 is never used: members reserve it for "no request". */
const XID_MAX = 0x7fff_ffff;

const PING: PingOp = { op: "ping" };

type Phase =
  | { readonly name: "handshaking"; readonly settle: (outcome: ConnectResponse | ZabError) => void }
  | { readonly name: "open" }
  | { readonly name: "closed" };

/**
 * A channel to one member, after (or during) the connect handshake.
 *
 * @remarks
 * Replies come in request order, so the pending requests form a queue: a reply must answer the
 * request at its head (same xid, same operation). Anything else is a protocol error that closes
 * the channel. Once open, the connection pings when nothing was sent for a third of the session
 * timeout, and closes the channel when nothing arrived for two thirds of it (ZooKeeper's
 * `readTimeout`): a member that stopped answering is given up before the session could expire.
 * @since 0.1.0
 * @internal
 */
export class Connection {
  /** The member at the other end. */
  readonly member: ServerId;

  /** The xid the next request on this connection will take. */
  get nextXid(): number {
    return this.#nextXid;
  }
  readonly #channel: ClientChannel;
  readonly #handler: ConnectionHandler;
  readonly #logger: Logger;
  readonly #frameBytesMax: number;
  #phase: Phase;
  #inFlight: InFlight[] = [];
  #nextXid: number;
  #lastSentAtMs: number;
  #lastReceivedAtMs: number;
  #confirmedAtMs: number;
  #pingIdleMs = 0;
  #silenceMaxMs = 0;
  #timer: TimerHandle | undefined;
  readonly #clock: Clock;

  private constructor(
    channel: ClientChannel,
    options: ConnectionOptions,
    settle: (outcome: ConnectResponse | ZabError) => void,
  ) {
    this.member = options.member;
    this.#channel = channel;
    this.#nextXid = options.firstXid;
    this.#handler = options.handler;
    this.#logger = options.logger;
    this.#frameBytesMax = options.frameBytesMax;
    this.#clock = options.clock;
    this.#phase = { name: "handshaking", settle };
    this.#lastSentAtMs = this.#clock.now();
    this.#lastReceivedAtMs = this.#lastSentAtMs;
    this.#confirmedAtMs = this.#lastSentAtMs;
  }

  /**
   * Dials a member and performs the handshake.
   *
   * @remarks
   * Resolves on any `connectResponse`, a refusal (timeout 0) included: judging it is the owner's
   * business. The connection is then open: requests may be sent, and the handler is told about
   * replies, events and the end of the channel.
   * @param options - The member, the handshake and the handler.
   * @returns The open connection and the member's response.
   * @throws {@link ZabError} with code `"ConnectionLoss"` when the member cannot be reached,
   *   closes the channel or breaks the protocol; `"Timeout"` when it does not answer in time;
   *   `"Aborted"` when `signal` fires.
   */
  static async open(
    options: ConnectionOptions,
  ): Promise<{ connection: Connection; response: ConnectResponse }> {
    const timeout = new AbortController();
    const timer = options.clock.setTimeout(
      () =>
        timeout.abort(
          new ZabError(
            "Timeout",
            `member ${options.member} did not answer within ${options.handshakeTimeoutMs} ms`,
          ),
        ),
      options.handshakeTimeoutMs,
    );
    const signal = AbortSignal.any([options.signal, timeout.signal]);
    try {
      const channel = await options.dialer.dial(options.member, { signal }).catch((error: unknown) => {
        // A dialer should fail with a ZabError; a socket error that slipped through is a lost
        // connection all the same.
        throw ZabError.isInstance(error)
          ? error
          : new ZabError("ConnectionLoss", `could not reach member ${options.member}`, { cause: error });
      });
      let connection: Connection | undefined;
      const response = await new Promise<ConnectResponse>((resolve, reject) => {
        const onAbort = () => {
          if (connection !== undefined)
            connection.#fail(abortedError(signal, `connecting to member ${options.member}`));
        };
        // Only the handshake is bounded by the signal: once settled, the connection outlives it.
        const settle = (outcome: ConnectResponse | ZabError) => {
          signal.removeEventListener("abort", onAbort);
          if (ZabError.isInstance(outcome)) reject(outcome);
          else resolve(outcome);
        };
        const opened = new Connection(channel, options, settle);
        connection = opened;
        channel.listen({ frame: (frame) => opened.#receive(frame), closed: () => opened.#closed() });
        if (signal.aborted) {
          onAbort();
          return;
        }
        signal.addEventListener("abort", onAbort, { once: true });
        opened.#sendFrame(encodeClientToMember(options.request));
      });
      assert(connection !== undefined, "the connection exists once its handshake resolved");
      return { connection, response };
    } finally {
      options.clock.clearTimeout(timer);
    }
  }

  /** Whether the channel has ended. */
  get isClosed(): boolean {
    return this.#phase.name === "closed";
  }

  /** How many requests wait for a reply. */
  get inFlight(): number {
    return this.#inFlight.length;
  }

  /**
   * When the member was last known to hear from the session, on `this.#clock.now()`'s clock: the
   * time the latest answered request (or the handshake) was sent.
   *
   * @remarks
   * The ensemble measures a session's timeout from the last time it heard from it, which is no
   * earlier than this, so a session this client has not reconnected by this time plus the
   * timeout may already be expired — and cannot have expired before.
   */
  get confirmedAtMs(): number {
    return this.#confirmedAtMs;
  }

  /**
   * Sends a request; its reply, or its failure, is reported to it.
   *
   * @param request - The request. One the codec refuses (a field outside the wire's domain)
   *   fails at once with the codec's `"Invalid"` error and takes no xid.
   */
  send(request: Request): void {
    assert(this.#phase.name === "open", "requests are sent on an open connection");
    const xid = this.#nextXid;
    let frame: Uint8Array;
    try {
      frame = encodeClientToMember({ kind: "request", xid, ...request.op });
    } catch (error) {
      if (!ZabError.isInstance(error)) throw error;
      request.failed(error);
      return;
    }
    this.#nextXid = xid === XID_MAX ? 1 : xid + 1;
    this.#inFlight.push({ xid, request, sentAtMs: this.#clock.now() });
    this.#sendFrame(frame);
  }

  /**
   * Closes the channel and fails every request without a reply.
   *
   * @param error - What those requests fail with.
   */
  close(error: ZabError): void {
    this.#fail(error);
  }

  /**
   * Starts pinging and watching for silence, once the owner accepted the session.
   *
   * @param sessionTimeoutMs - The negotiated session timeout.
   */
  startTimers(sessionTimeoutMs: number): void {
    assert(this.#phase.name === "open", "timers start on an open connection");
    assert(sessionTimeoutMs > 0, "a session timeout is positive");
    this.#pingIdleMs = sessionTimeoutMs / 3;
    this.#silenceMaxMs = (sessionTimeoutMs * 2) / 3;
    this.#armTimer();
  }

  #sendFrame(frame: Uint8Array): void {
    this.#lastSentAtMs = this.#clock.now();
    this.#channel.send(frame);
  }

  #receive(frame: Uint8Array): void {
    if (this.#phase.name === "closed") return;
    this.#lastReceivedAtMs = this.#clock.now();
    let message: MemberToClientMessage;
    try {
      message = decodeMemberToClient(frame, { frameBytesMax: this.#frameBytesMax });
    } catch (error) {
      if (!ZabError.isInstance(error)) throw error;
      this.#protocolError("an undecodable frame", error);
      return;
    }
    switch (message.kind) {
      case "connectResponse": {
        const phase = this.#phase;
        if (phase.name !== "handshaking") {
          this.#protocolError("a second connectResponse");
          return;
        }
        this.#confirmedAtMs = this.#lastSentAtMs;
        this.#phase = { name: "open" };
        phase.settle(message);
        return;
      }
      case "reply":
        this.#reply(message);
        return;
      case "watchEvent":
        if (this.#phase.name !== "open") {
          this.#protocolError("a watch event before the handshake");
          return;
        }
        this.#handler.watchEvent(message);
        return;
      default:
        assertNever(message);
    }
  }

  #reply(reply: ClientReply): void {
    const head = this.#inFlight[0];
    if (head === undefined || head.xid !== reply.xid || answeredOp(reply) !== head.request.op.op) {
      const expected = head === undefined ? "no reply" : `xid ${head.xid} (${head.request.op.op})`;
      this.#protocolError(`a reply to xid ${reply.xid} (${answeredOp(reply)}) where ${expected} was due`);
      return;
    }
    // Bounded by the session's pending-request limit, so shifting the array is cheap enough.
    this.#inFlight.shift();
    this.#confirmedAtMs = head.sentAtMs;
    this.#handler.replied(reply);
    head.request.answered(reply);
  }

  #protocolError(what: string, cause?: ZabError): void {
    this.#logger.warn(
      { member: this.member, cause: cause?.message },
      `closing the channel: the member sent ${what}`,
    );
    this.#fail(
      new ZabError("ConnectionLoss", `member ${this.member} broke the client protocol: it sent ${what}`, {
        cause,
      }),
    );
  }

  #closed(): void {
    this.#fail(new ZabError("ConnectionLoss", `the channel to member ${this.member} closed`));
  }

  /** Ends the connection once, whatever ended it, and tells whoever waits. */
  #fail(error: ZabError): void {
    const phase = this.#phase;
    if (phase.name === "closed") return;
    this.#phase = { name: "closed" };
    this.#clock.clearTimeout(this.#timer);
    this.#channel.close();
    const inFlight = this.#inFlight;
    this.#inFlight = [];
    // The owner hears first, so that nothing told below finds this connection still in use.
    if (phase.name === "handshaking") {
      phase.settle(error);
    } else {
      this.#handler.closed(this);
    }
    for (const { request } of inFlight) request.failed(error);
  }

  #armTimer(): void {
    this.#clock.clearTimeout(this.#timer);
    const dueAtMs = Math.min(
      this.#lastSentAtMs + this.#pingIdleMs,
      this.#lastReceivedAtMs + this.#silenceMaxMs,
    );
    this.#timer = this.#clock.setTimeout(() => this.#onTimer(), Math.max(1, dueAtMs - this.#clock.now()));
  }

  #onTimer(): void {
    if (this.#phase.name !== "open") return;
    const nowMs = this.#clock.now();
    if (nowMs >= this.#lastReceivedAtMs + this.#silenceMaxMs) {
      this.#logger.info({ member: this.member }, "closing a silent channel");
      this.#fail(
        new ZabError(
          "ConnectionLoss",
          `member ${this.member} sent nothing for ${Math.round(this.#silenceMaxMs)} ms`,
        ),
      );
      return;
    }
    if (nowMs >= this.#lastSentAtMs + this.#pingIdleMs) this.send(ignoredRequest(PING));
    this.#armTimer();
  }
}
