/**
 * The client side of a session: {@link connect} opens one and returns its {@link Coordination}.
 *
 * It implements the client half of [sessions](../../../../docs/architecture/sessions.md): the
 * connect handshake, requests answered in order, pings, and what happens when a channel breaks —
 * calls in flight fail with `"ConnectionLoss"`, the session is `suspended` and moves to whichever
 * member takes it first (same id and password, and the highest zxid seen, so it never sees time go
 * backwards), or is `lost` when a member reports it expired or the client's own timer says it must
 * have. One-shot watches do not survive a channel; persistent ones are set again on the next,
 * from the zxid of what they last delivered, so that the member replays what they missed.
 *
 * @module
 */
import { assert } from "../assert.js";
import { SESSION_PASSWORD_BYTES } from "../codec/client-codec.js";
import { FRAME_BYTES_MAX_DEFAULT, PROTOCOL_VERSION } from "../codec/frame.js";
import { ZabError } from "../errors.js";
import type { ClientDialer } from "../ports/client-channel.js";
import { type Clock, systemClock, type TimerHandle } from "../ports/clock.js";
import { type Logger, silentLogger } from "../ports/logger.js";
import type {
  AddWatchMode,
  AddWatchOp,
  ClientOp,
  ClientReply,
  ConnectRequest,
  ConnectResponse,
  CreateOp,
  ExistsOp,
  GetChildrenOp,
  GetDataOp,
  MultiItemOp,
  MultiItemOutcome,
  MultiOp,
  Stat,
  WatchEvent,
} from "../protocol/client-messages.js";
import type { ServerId, SessionId } from "../protocol/ids.js";
import { formatZxid, ZXID_ZERO, type Zxid } from "../protocol/zxid.js";
import { abortedError } from "./aborted-error.js";
import { BoundedEventStream } from "./bounded-event-stream.js";
import { Connection, type ConnectionHandler } from "./connection.js";
import type {
  CallOptions,
  ConnectionState,
  Coordination,
  CreateOptions,
  EventStream,
  NodeChildren,
  NodeData,
  NodeExistence,
  ReadOptions,
  ReadResult,
  StatesOptions,
  VersionOptions,
  WatchOptions,
} from "./coordination.js";
import { ignoredRequest, PendingCall, type Request } from "./pending-call.js";
import { multiOutcomes, operationError, resultOf } from "./reply-outcome.js";
import { type OneShotTarget, WatchRegistry, WatchStreamEntry } from "./watch-registry.js";

/**
 * Settings of {@link connect}. Every setting but `dialer` and `members` has a default in
 * {@link connectDefaults}.
 *
 * @since 0.1.0
 */
export interface ConnectOptions {
  /** Opens channels to members: a transport's client side, or an embedded member's local dialer. */
  readonly dialer: ClientDialer;
  /**
   * The members to connect to, tried in this order (shuffle it to spread clients); a moving
   * session tries the others first, then the one it lost.
   */
  readonly members: readonly ServerId[];
  /**
   * The session timeout to ask for, in milliseconds; the member clamps it to its own bounds. It
   * also bounds the first connection: {@link connect} fails when no member accepts a session
   * within it.
   */
  readonly sessionTimeoutMs?: number;
  /** How long a call waits for its reply (or, while suspended, to be sent), in milliseconds. */
  readonly requestTimeoutMs?: number;
  /** The most calls waiting for a reply or a reconnection; one more rejects with `"Throttled"`. */
  readonly pendingRequestsMax?: number;
  /**
   * The most events a persistent watch buffers for a slow consumer; one more fails its stream
   * with `"WatchOverflow"`. The events a member replays after a reconnection arrive at once, so
   * this also bounds how many changes a stream may miss while the session moves.
   */
  readonly watchEventsBufferedMax?: number;
  /** The largest frame accepted from a member, in bytes. */
  readonly frameBytesMax?: number;
  /** Gives up on the first connection. Later calls take their own signals. */
  readonly signal?: AbortSignal;
  /** Where to log state changes and protocol errors. Default: nowhere. */
  readonly logger?: Logger;
  /**
   * Time, timers and randomness. Default {@link systemClock}; a deterministic simulator passes
   * a virtual one.
   */
  readonly clock?: Clock;
}

/**
 * Defaults of {@link ConnectOptions}: a 30 s session timeout (ZooKeeper's common choice), 10 s per
 * call, 1000 pending calls, 1000 buffered events per persistent watch, 4 MiB frames.
 *
 * @since 0.1.0
 */
export const connectDefaults: Readonly<
  Required<Omit<ConnectOptions, "dialer" | "members" | "signal" | "logger" | "clock">>
> = Object.freeze({
  sessionTimeoutMs: 30_000,
  requestTimeoutMs: 10_000,
  pendingRequestsMax: 1000,
  watchEventsBufferedMax: 1000,
  frameBytesMax: FRAME_BYTES_MAX_DEFAULT,
});

/**
 * Opens a session with the ensemble.
 *
 * @remarks
 * Dials the members in turn, with a capped backoff after each round, until one answers the
 * handshake with a new session. Each attempt is bounded by the session timeout divided by the
 * number of members (ZooKeeper's rule). The session then runs as {@link Coordination} describes;
 * close it with `close()` or `await using`.
 * @param options - The dialer, the members and the settings.
 * @returns The session, in state `connected`.
 * @throws {@link ZabError} with code `"Invalid"` for a bad option; `"ConnectionLoss"` when no
 *   member accepted a session within `sessionTimeoutMs`; `"SessionExpired"` when a member
 *   refused it; `"Aborted"` when `signal` fired.
 * @example
 * ```ts
 * import { connect, serverId, type ClientDialer } from "@zab/core";
 *
 * async function main(dialer: ClientDialer): Promise<void> {
 *   await using session = await connect({ dialer, members: [serverId(1), serverId(2), serverId(3)] });
 *   await session.create("/workers/w-", { mode: "ephemeralSequential" });
 * }
 * ```
 * @since 0.1.0
 */
export async function connect(options: ConnectOptions): Promise<Coordination> {
  const session = new ClientSession(resolveSettings(options));
  await session.open(options.signal);
  return session;
}

/** The settings of a session, complete and checked. */
interface Settings extends Readonly<Required<Omit<ConnectOptions, "signal">>> {}

function resolveSettings(options: ConnectOptions): Settings {
  const { signal: _signal, ...given } = options;
  const settings: Settings = {
    ...connectDefaults,
    logger: silentLogger,
    clock: systemClock,
    ...withoutUndefined(given),
    dialer: options.dialer,
    members: options.members,
  };
  if (settings.members.length === 0) throw new ZabError("Invalid", "connect needs at least one member");
  for (const name of Object.keys(connectDefaults) as (keyof typeof connectDefaults)[]) {
    const value = settings[name];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ZabError("Invalid", `${name} must be a positive safe integer, got ${value}`);
    }
  }
  // The wire carries the session timeout as a uint32.
  if (settings.sessionTimeoutMs > 0xffff_ffff) {
    throw new ZabError("Invalid", `sessionTimeoutMs must fit in 32 bits, got ${settings.sessionTimeoutMs}`);
  }
  return settings;
}

/** Drops the keys whose value is `undefined`, so that they do not override a default. */
function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

/** How many state changes a `states()` stream buffers for its consumer. */
const STATE_CHANGES_BUFFERED_MAX = 64;

/** The first pause between two rounds of connection attempts, in milliseconds. */
const RECONNECT_DELAY_MS_MIN = 50;
/** The longest pause between two rounds of connection attempts (ZooKeeper sleeps up to 1 s). */
const RECONNECT_DELAY_MS_MAX = 1000;

const EMPTY_DATA = new Uint8Array(0);

const FINAL_STATES: ReadonlySet<ConnectionState> = new Set(["lost", "closed"]);

const TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  connecting: ["connected", "lost", "closed"],
  connected: ["suspended", "lost", "closed"],
  suspended: ["reconnected", "lost", "closed"],
  reconnected: ["suspended", "lost", "closed"],
  lost: [],
  closed: [],
};

/** One session; lives until closed or lost. */
class ClientSession implements Coordination {
  readonly #settings: Settings;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #watches = new WatchRegistry();
  /** Calls made while suspended, in call order; sent once reconnected. */
  readonly #waiting = new Set<Request>();
  readonly #stateStreams = new Set<BoundedEventStream<ConnectionState>>();
  readonly #handler: ConnectionHandler = {
    replied: (reply) => this.#replied(reply),
    watchEvent: (event) => {
      this.#sawZxid(event.zxid);
      this.#watches.deliver(event);
    },
    closed: (connection) => this.#suspend(connection),
  };
  #state: ConnectionState = "connecting";
  #sessionId = 0n as SessionId;
  #password: Uint8Array = new Uint8Array(SESSION_PASSWORD_BYTES);
  /** The timeout asked for until a member answered, then the negotiated one. */
  #timeoutMs: number;
  #lastZxidSeen: Zxid = ZXID_ZERO;
  /** The open connection; `undefined` unless `connected` or `reconnected`. */
  #connection: Connection | undefined;
  /** The session's next xid; each connection continues from where the last one stopped. */
  #nextXid = 1;
  /** The index in `members` of the member last connected to. */
  #memberIndex = 0;
  #reconnection: AbortController | undefined;
  #expiryTimer: TimerHandle | undefined;
  /** Why new calls are refused: set when closing starts or the session is lost. */
  #refusal: ZabError | undefined;
  #closing: Promise<void> | undefined;

  constructor(settings: Settings) {
    this.#settings = settings;
    this.#logger = settings.logger;
    this.#clock = settings.clock;
    this.#timeoutMs = settings.sessionTimeoutMs;
  }

  get sessionId(): SessionId {
    return this.#sessionId;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Establishes the session, within the session timeout and `signal`. */
  async open(signal: AbortSignal | undefined): Promise<void> {
    const deadline = new AbortController();
    const timer = this.#clock.setTimeout(
      () =>
        deadline.abort(
          new ZabError(
            "ConnectionLoss",
            `no member accepted a session within ${this.#settings.sessionTimeoutMs} ms`,
          ),
        ),
      this.#settings.sessionTimeoutMs,
    );
    try {
      await this.#establish(
        signal === undefined ? deadline.signal : AbortSignal.any([signal, deadline.signal]),
        0,
      );
    } catch (error) {
      this.#end("closed", new ZabError("Closed", "the session was never established", { cause: error }));
      throw error;
    } finally {
      this.#clock.clearTimeout(timer);
    }
  }

  states(options?: StatesOptions): EventStream<ConnectionState> {
    const stream = new BoundedEventStream<ConnectionState>({
      itemsMax: STATE_CHANGES_BUFFERED_MAX,
      overflow: () =>
        new ZabError(
          "Throttled",
          `the consumer of state changes fell ${STATE_CHANGES_BUFFERED_MAX} changes behind`,
        ),
      signal: options?.signal,
      stopped: (stopped) => this.#stateStreams.delete(stopped),
    });
    if (FINAL_STATES.has(this.#state)) stream.end();
    else if (stream.open) this.#stateStreams.add(stream);
    return stream;
  }

  create(path: string, options?: CreateOptions): Promise<string> {
    const mode = options?.mode ?? "persistent";
    const ttlMs = options?.ttlMs;
    const withTtl = mode === "persistentWithTtl" || mode === "persistentSequentialWithTtl";
    if (withTtl ? ttlMs === undefined || !Number.isSafeInteger(ttlMs) || ttlMs < 1 : ttlMs !== undefined) {
      return Promise.reject(
        new ZabError(
          "Invalid",
          `mode ${mode} ${withTtl ? "needs a positive integer ttlMs" : "takes no ttlMs"}`,
          {
            path,
          },
        ),
      );
    }
    const op: CreateOp = { op: "create", path, data: options?.data ?? EMPTY_DATA, mode, ttlMs: ttlMs ?? 0 };
    return this.#call(op, (reply) => resultOf(op, reply).path, options);
  }

  getData<const Options extends ReadOptions | undefined = undefined>(
    path: string,
    options?: Options,
  ): Promise<ReadResult<NodeData, Options>> {
    const op: GetDataOp = { op: "getData", path, watch: options?.watch === true };
    return this.#read(op, "node", options, (reply) => {
      const { data, stat } = resultOf(op, reply);
      return { data, stat };
    });
  }

  exists<const Options extends ReadOptions | undefined = undefined>(
    path: string,
    options?: Options,
  ): Promise<ReadResult<NodeExistence, Options>> {
    const op: ExistsOp = { op: "exists", path, watch: options?.watch === true };
    // A missing node is an answer, not a failure, and its watch is set all the same: it fires
    // when the node is created.
    return this.#read(op, "node", options, (reply) => ({
      stat: reply.op === "error" && reply.code === "NoNode" ? undefined : resultOf(op, reply).stat,
    }));
  }

  getChildren<const Options extends ReadOptions | undefined = undefined>(
    path: string,
    options?: Options,
  ): Promise<ReadResult<NodeChildren, Options>> {
    const op: GetChildrenOp = { op: "getChildren", path, watch: options?.watch === true };
    return this.#read(op, "children", options, (reply) => {
      const { children, stat } = resultOf(op, reply);
      return { children, stat };
    });
  }

  setData(path: string, data: Uint8Array, options?: VersionOptions): Promise<Stat> {
    const op = { op: "setData", path, data, version: options?.version ?? -1 } as const;
    return this.#call(op, (reply) => resultOf(op, reply).stat, options);
  }

  delete(path: string, options?: VersionOptions): Promise<void> {
    const op = { op: "delete", path, version: options?.version ?? -1 } as const;
    return this.#call(op, (reply) => void resultOf(op, reply), options);
  }

  multi(ops: readonly MultiItemOp[], options?: CallOptions): Promise<readonly MultiItemOutcome[]> {
    const op: MultiOp = { op: "multi", ops };
    return this.#call(op, (reply) => multiOutcomes(op, reply), options);
  }

  sync(path = "/", options?: CallOptions): Promise<void> {
    const op = { op: "sync", path } as const;
    return this.#call(op, (reply) => void resultOf(op, reply), options);
  }

  watch(path: string, options?: WatchOptions): EventStream<WatchEvent> {
    const mode: AddWatchMode = options?.recursive === true ? "persistentRecursive" : "persistent";
    const bufferedMax = this.#settings.watchEventsBufferedMax;
    let entry: WatchStreamEntry | undefined;
    const stream = new BoundedEventStream<WatchEvent>({
      itemsMax: bufferedMax,
      overflow: () =>
        new ZabError(
          "WatchOverflow",
          `the consumer of the watch on ${path} fell ${bufferedMax} events behind: read the node again and watch anew`,
          { path },
        ),
      signal: options?.signal,
      stopped: () => {
        if (entry !== undefined) this.#unwatch(entry);
      },
    });
    if (this.#refusal !== undefined) stream.fail(this.#refusal);
    if (!stream.open) return stream;
    entry = new WatchStreamEntry(path, mode, stream);
    this.#watches.addStream(entry);
    if (this.#connection !== undefined) this.#addWatch(this.#connection, entry);
    return stream;
  }

  close(options?: CallOptions): Promise<void> {
    this.#closing ??= this.#close(options?.signal);
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A read that may leave a one-shot watch, registered as the reply is dispatched. */
  #read<Result extends object, Options extends ReadOptions | undefined>(
    op: GetDataOp | ExistsOp | GetChildrenOp,
    target: OneShotTarget,
    options: Options | undefined,
    read: (reply: ClientReply) => Result,
  ): Promise<ReadResult<Result, Options>> {
    const signal = options?.signal;
    // A linearizable read: the sync goes first on the same FIFO connection, and the member
    // answers the read only after the sync's no-op transaction is applied there.
    const synced = options?.linearizable === true ? this.sync(op.path, options) : undefined;
    const result = this.#call(
      op,
      (reply): Result | (Result & { watch: Promise<WatchEvent> }) => {
        const value = read(reply);
        return op.watch ? { ...value, watch: this.#watches.addOneShot(target, op.path, signal) } : value;
      },
      options,
    ) as Promise<ReadResult<Result, Options>>;
    if (synced === undefined) return result;
    // The read counts only if the sync before it succeeded.
    return Promise.allSettled([synced, result]).then(([sync, value]) => {
      if (sync.status === "rejected") throw sync.reason;
      if (value.status === "rejected") throw value.reason;
      return value.value;
    });
  }

  /** A caller's operation: refused once the session is closing or lost, else sent or queued. */
  #call<T>(op: ClientOp, interpret: (reply: ClientReply) => T, options: CallOptions | undefined): Promise<T> {
    if (this.#refusal !== undefined) return Promise.reject(this.#refusal);
    const pending = this.#waiting.size + (this.#connection?.inFlight ?? 0);
    if (pending >= this.#settings.pendingRequestsMax) {
      return Promise.reject(
        new ZabError(
          "Throttled",
          `${pending} calls are already waiting (pendingRequestsMax)`,
          "path" in op ? { path: op.path } : {},
        ),
      );
    }
    return this.#issue(op, interpret, options?.signal);
  }

  #issue<T>(op: ClientOp, interpret: (reply: ClientReply) => T, signal: AbortSignal | undefined): Promise<T> {
    const call = new PendingCall(op, interpret, {
      clock: this.#clock,
      signal,
      timeoutMs: this.#settings.requestTimeoutMs,
      abandoned: (abandoned) => this.#waiting.delete(abandoned),
    });
    if (call.settled) return call.promise;
    if (this.#connection === undefined) this.#waiting.add(call);
    else this.#connection.send(call);
    return call.promise;
  }

  async #close(signal: AbortSignal | undefined): Promise<void> {
    if (this.#refusal !== undefined) return;
    const closed = new ZabError("Closed", "the session was closed");
    this.#refusal = closed;
    let aborted: ZabError | undefined;
    if (this.#connection !== undefined) {
      const op = { op: "closeSession" } as const;
      try {
        await this.#issue(op, (reply) => resultOf(op, reply), signal);
      } catch (error) {
        assert(ZabError.isInstance(error), "a call fails with a ZabError");
        // Any other failure (the channel broke, the member refused, no reply in time) leaves the
        // client nothing to do: the session ends here, and the ensemble expires it if the member
        // never applied the close.
        if (error.code === "Aborted") aborted = error;
      }
    }
    this.#end("closed", closed);
    if (aborted !== undefined) throw aborted;
  }

  /**
   * Tries the members in turn, from `firstIndex`, until one takes the session.
   *
   * @throws {@link ZabError} with code `"SessionExpired"` when a member reports the session
   *   expired; the signal's reason (see {@link abortedError}) when it fires.
   */
  async #establish(signal: AbortSignal, firstIndex: number): Promise<void> {
    const members = this.#settings.members;
    // Ends when a member takes the session, reports it expired, or the signal fires; the signal
    // always carries a deadline (connect's, or the session's expiry timer), so the loop is bounded.
    for (let attempt = 0; ; attempt += 1) {
      if (attempt > 0 && attempt % members.length === 0) {
        await sleep(this.#clock, reconnectDelayMs(this.#clock, attempt / members.length), signal);
      }
      const index = (firstIndex + attempt) % members.length;
      const member = members[index] as ServerId;
      let opened: { connection: Connection; response: ConnectResponse };
      try {
        opened = await Connection.open({
          dialer: this.#settings.dialer,
          member,
          request: this.#connectRequest(),
          handshakeTimeoutMs: Math.max(1, Math.floor(this.#timeoutMs / members.length)),
          frameBytesMax: this.#settings.frameBytesMax,
          signal,
          logger: this.#logger,
          handler: this.#handler,
          firstXid: this.#nextXid,
          clock: this.#clock,
        });
      } catch (error) {
        if (signal.aborted) throw abortedError(signal, "connecting");
        assert(ZabError.isInstance(error), "a connection attempt fails with a ZabError");
        this.#logger.debug({ member, code: error.code, reason: error.message }, "connection attempt failed");
        continue;
      }
      if (signal.aborted) {
        opened.connection.close(new ZabError("ConnectionLoss", "the connection attempt was given up"));
        throw abortedError(signal, "connecting");
      }
      if (this.#accept(opened.connection, opened.response, index)) return;
    }
  }

  #connectRequest(): ConnectRequest {
    return {
      kind: "connectRequest",
      protocolVersion: PROTOCOL_VERSION,
      lastZxidSeen: this.#lastZxidSeen,
      sessionTimeoutMs: this.#timeoutMs,
      sessionId: this.#sessionId,
      sessionPassword: this.#password,
    };
  }

  /**
   * Judges a member's handshake answer and, if it is good, makes its connection the session's.
   *
   * @returns Whether the session is now up on this connection.
   * @throws {@link ZabError} with code `"SessionExpired"` when the member refused the session.
   */
  #accept(connection: Connection, response: ConnectResponse, index: number): boolean {
    const described = `session 0x${this.#sessionId.toString(16)}`;
    // A refusal stands even though the member closes the channel right after sending it.
    if (response.sessionTimeoutMs === 0) {
      const expired = new ZabError(
        "SessionExpired",
        `member ${connection.member} reports ${described} expired`,
      );
      connection.close(expired);
      throw expired;
    }
    // The channel may have broken between the response and now; then try the next member.
    if (connection.isClosed) return false;
    const resuming = this.#sessionId !== 0n;
    if (response.sessionId === 0n || (resuming && response.sessionId !== this.#sessionId)) {
      this.#logger.warn(
        { member: connection.member, sessionId: `0x${response.sessionId.toString(16)}` },
        `closing the channel: the member answered a handshake for ${described} with another session`,
      );
      connection.close(new ZabError("ConnectionLoss", "the member answered with another session"));
      return false;
    }
    this.#sessionId = response.sessionId;
    this.#password = response.sessionPassword;
    this.#timeoutMs = response.sessionTimeoutMs;
    this.#memberIndex = index;
    this.#connection = connection;
    connection.startTimers(this.#timeoutMs);
    this.#clock.clearTimeout(this.#expiryTimer);
    this.#setState(resuming ? "reconnected" : "connected");
    // Watches first, then the calls made while suspended: a read queued after a watch() call is
    // answered after the watch is back in place.
    for (const entry of this.#watches.streams()) this.#addWatch(connection, entry);
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const call of waiting) connection.send(call);
    return true;
  }

  /** The channel of the session broke: suspend, start the expiry clock, find another member. */
  #suspend(connection: Connection): void {
    if (connection !== this.#connection) return;
    this.#connection = undefined;
    this.#nextXid = connection.nextXid;
    this.#watches.unsetStreams();
    // Closing: close() ends the session once its closeSession call fails.
    if (this.#refusal !== undefined) return;
    this.#watches.failOneShots(
      new ZabError("ConnectionLoss", "the channel broke before the watch fired: read again to watch again"),
    );
    this.#setState("suspended");
    // The ensemble cannot expire the session before this moment (its leader waits past the
    // timeout for what members confirmed but did not report: sessionExpiryGraceMs).
    const expiresInMs = connection.confirmedAtMs + this.#timeoutMs - this.#clock.now();
    this.#expiryTimer = this.#clock.setTimeout(
      () =>
        this.#end(
          "lost",
          new ZabError(
            "SessionExpired",
            `not reconnected within the session timeout of ${this.#timeoutMs} ms: the session must be presumed expired`,
          ),
        ),
      Math.max(0, expiresInMs),
    );
    const reconnection = new AbortController();
    this.#reconnection = reconnection;
    this.#establish(reconnection.signal, this.#memberIndex + 1).catch((error: unknown) => {
      if (ZabError.isInstance(error, "SessionExpired")) this.#end("lost", error);
      // Otherwise the reconnection was given up by whoever ended the session (expiry timer,
      // close), which settled everything; anything else is a bug and must surface.
      else if (!reconnection.signal.aborted) throw error;
    });
  }

  #replied(reply: ClientReply): void {
    this.#sawZxid(reply.zxid);
    this.#watches.replied(reply.zxid);
    if (reply.op === "error" && reply.code === "SessionExpired") {
      this.#end(
        "lost",
        new ZabError("SessionExpired", `the ensemble expired session 0x${this.#sessionId.toString(16)}`),
      );
    }
  }

  #sawZxid(zxid: Zxid): void {
    if (zxid > this.#lastZxidSeen) this.#lastZxidSeen = zxid;
  }

  /** Ends the session for good: every call, watch and stream is settled with `error`. */
  #end(state: "lost" | "closed", error: ZabError): void {
    if (FINAL_STATES.has(this.#state)) return;
    this.#refusal ??= error;
    this.#reconnection?.abort(error);
    this.#clock.clearTimeout(this.#expiryTimer);
    const connection = this.#connection;
    this.#connection = undefined;
    this.#logger.info(
      { sessionId: `0x${this.#sessionId.toString(16)}`, lastZxidSeen: formatZxid(this.#lastZxidSeen) },
      `session ${state}: ${error.message}`,
    );
    this.#setState(state);
    connection?.close(error);
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const call of waiting) call.failed(error);
    this.#watches.failOneShots(error);
    this.#watches.endStreams(state === "closed" ? undefined : error);
  }

  #setState(next: ConnectionState): void {
    const previous = this.#state;
    assert(TRANSITIONS[previous].includes(next), `no transition from ${previous} to ${next}`);
    this.#state = next;
    this.#logger.info(
      { sessionId: `0x${this.#sessionId.toString(16)}`, previous, next },
      "connection state changed",
    );
    const final = FINAL_STATES.has(next);
    for (const stream of this.#stateStreams) {
      stream.push(next);
      if (final) stream.end();
    }
  }

  /**
   * Asks the member for a stream's watch: from now on the first time, then from what the stream
   * last delivered, so that the member replays what it missed while the session moved.
   */
  #addWatch(connection: Connection, entry: WatchStreamEntry): void {
    const fromZxid = entry.cursor.resumeFrom();
    const op: AddWatchOp = { op: "addWatch", path: entry.path, mode: entry.mode, fromZxid };
    connection.send({
      op,
      answered: (reply) => {
        if (reply.op !== "error") this.#watches.watchSet(entry, reply.zxid, fromZxid !== ZXID_ZERO);
        else if (reply.code !== "WatchOverflow") entry.stream.fail(operationError(op, reply.code));
        else {
          entry.stream.fail(
            new ZabError(
              "WatchOverflow",
              `member ${connection.member} no longer holds every change since ${formatZxid(fromZxid)} to resume the watch on ${entry.path}: read the node again and watch anew`,
              { path: entry.path },
            ),
          );
        }
      },
      failed: (error) => {
        // "Invalid" is the codec refusing the path: no connection will do better. A lost channel
        // is made up for on the next one, and an ended session ends the streams itself.
        if (error.code === "Invalid") entry.stream.fail(error);
      },
    });
  }

  /** A stream stopped: drop it, and the member's watch when no other stream needs it. */
  #unwatch(entry: WatchStreamEntry): void {
    if (!this.#watches.removeStream(entry) || this.#connection === undefined || this.#refusal !== undefined) {
      return;
    }
    // Nobody waits for the outcome: a watch the member no longer holds sends nothing, and an event
    // for a path no stream watches is dropped. Without a connection, the watch went with the
    // channel; once closing, it goes with the session.
    this.#connection.send(ignoredRequest({ op: "removeWatches", path: entry.path, watcherType: entry.mode }));
  }
}

/** The pause before round `round` (from 1) of connection attempts: doubling, capped, jittered. */
function reconnectDelayMs(clock: Clock, round: number): number {
  const capped = Math.min(RECONNECT_DELAY_MS_MAX, RECONNECT_DELAY_MS_MIN * 2 ** (round - 1));
  // Half fixed, half random, so clients that lost the same member do not return in lockstep.
  const [random = 0] = clock.randomBytes(1);
  return capped / 2 + ((random / 256) * capped) / 2;
}

function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(abortedError(signal, "the pause between connection attempts"));
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
}
