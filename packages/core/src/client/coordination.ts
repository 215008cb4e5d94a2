/**
 * The Coordination API: what recipes and applications use, the same for a session embedded in a
 * member's process and for a remote one.
 *
 * Its operations are ZooKeeper's (create, getData, exists, getChildren, setData, delete, multi,
 * sync, one-shot and persistent watches), its connection states Curator's (connected, suspended,
 * reconnected, lost). How a session behaves across members is described in
 * [sessions](../../../../docs/architecture/sessions.md).
 *
 * @module
 */
import { ZabError, type ZabErrorCode } from "../errors.js";
import type {
  CreateMode,
  MultiItemOp,
  MultiItemOutcome,
  Stat,
  WatchEvent,
} from "../protocol/client-messages.js";
import type { SessionId } from "../protocol/ids.js";

/**
 * Where a session stands with the ensemble, as Curator reports it.
 *
 * - `connecting`: the first handshake has not completed ({@link connect} resolves only after it).
 * - `connected`: the first channel is up.
 * - `suspended`: the channel broke; the session may still be alive, so nothing held through it
 *   (a lock, a leadership) is certain until `reconnected`.
 * - `reconnected`: the same session is up again on a channel to some member.
 * - `lost`: the session expired, or the client's own timer ran out before it could reconnect;
 *   its ephemeral nodes are gone (or about to be). Final.
 * - `closed`: the application closed the session. Final.
 *
 * @since 0.1.0
 */
export type ConnectionState = "connecting" | "connected" | "suspended" | "reconnected" | "lost" | "closed";

/**
 * A stream of events for one consumer, with a bounded buffer: iterate it with `for await`.
 *
 * @remarks
 * A consumer that falls behind by more than the buffer's bound gets the buffered events, then an
 * error (see {@link Coordination.watch}); a producer is never slowed and memory never grows
 * without bound. `break` out of the loop, `return()` or `await using` stop the stream and release
 * what it holds; the stream is its own iterator, so it can be iterated once.
 * @typeParam T - The events.
 * @since 0.1.0
 */
export interface EventStream<T> extends AsyncIterableIterator<T, undefined, undefined>, AsyncDisposable {
  /**
   * Stops the stream, dropping buffered events.
   *
   * @returns The end of the iteration.
   */
  return(): Promise<IteratorResult<T, undefined>>;
}

/**
 * The options every call takes.
 *
 * @since 0.1.0
 */
export interface CallOptions {
  /** Gives up on the call: it rejects with `"Aborted"`. A write already sent may still happen. */
  readonly signal?: AbortSignal;
}

/**
 * Options of {@link Coordination.create}.
 *
 * @since 0.1.0
 */
export interface CreateOptions extends CallOptions {
  /** The new node's data. Default: empty. */
  readonly data?: Uint8Array;
  /** How the node is created and when it goes away. Default `"persistent"`. */
  readonly mode?: CreateMode;
  /** The time to live of a `…WithTtl` mode, in milliseconds; required by those modes only. */
  readonly ttlMs?: number;
}

/**
 * Options of the reads {@link Coordination.getData}, {@link Coordination.exists} and
 * {@link Coordination.getChildren}.
 *
 * @since 0.1.0
 */
export interface ReadOptions extends CallOptions {
  /**
   * Whether to leave a one-shot watch; its event is then the result's `watch`. The `signal`, if
   * any, also abandons the watch.
   */
  readonly watch?: boolean;
  /**
   * Whether the read must be linearizable: a `sync` through the leader is pipelined before it, so
   * the read reflects every write completed anywhere before the read was issued. Costs a round
   * trip through the leader's log; plain reads are served locally and may be stale (but never go
   * backwards within a session).
   */
  readonly linearizable?: boolean;
}

/**
 * Options of the conditional writes {@link Coordination.setData} and {@link Coordination.delete}.
 *
 * @since 0.1.0
 */
export interface VersionOptions extends CallOptions {
  /** The data version the node must have (compare-and-set). Default -1: any version. */
  readonly version?: number;
}

/**
 * Options of {@link Coordination.watch}.
 *
 * @since 0.1.0
 */
export interface WatchOptions extends CallOptions {
  /** Watch every descendant too (ZooKeeper's `PERSISTENT_RECURSIVE`). Default `false`. */
  readonly recursive?: boolean;
}

/**
 * Options of {@link Coordination.states}.
 *
 * @since 0.1.0
 */
export interface StatesOptions {
  /** Stops the stream with `"Aborted"`. */
  readonly signal?: AbortSignal;
}

/**
 * What {@link Coordination.getData} read.
 *
 * @since 0.1.0
 */
export interface NodeData {
  /** The node's data. */
  readonly data: Uint8Array;
  /** The node's stat, from the same state as the data. */
  readonly stat: Stat;
  /** The one-shot watch's event, when the read asked for a watch. */
  readonly watch?: Promise<WatchEvent>;
}

/**
 * What {@link Coordination.exists} read.
 *
 * @since 0.1.0
 */
export interface NodeExistence {
  /** The node's stat, or `undefined` when there is no such node. */
  readonly stat: Stat | undefined;
  /** The one-shot watch's event, when the read asked for a watch; set on a missing node too. */
  readonly watch?: Promise<WatchEvent>;
}

/**
 * What {@link Coordination.getChildren} read.
 *
 * @since 0.1.0
 */
export interface NodeChildren {
  /** The children's names, not their paths, in no promised order. */
  readonly children: readonly string[];
  /** The parent's stat. */
  readonly stat: Stat;
  /** The one-shot watch's event, when the read asked for a watch. */
  readonly watch?: Promise<WatchEvent>;
}

/**
 * A read's result when it left a one-shot watch: `watch` is then always there.
 *
 * @remarks
 * The promise resolves with the first change of the node (or of its children, for
 * `getChildren`), and rejects with `"ConnectionLoss"` when the channel breaks before it fired (the
 * watch does not survive the channel: read again), `"SessionExpired"` or `"Closed"` when the
 * session ends, `"Aborted"` when the read's signal fires. An ignored rejection is not reported as
 * unhandled.
 * @typeParam Result - The read's result.
 * @since 0.1.0
 */
export type Watched<Result> = Result & {
  /** The one-shot watch's event. */
  readonly watch: Promise<WatchEvent>;
};

/**
 * The result of a read made with `Options`: {@link Watched} when the options say `watch: true`,
 * so the watch's promise needs no check for `undefined`.
 *
 * @typeParam Result - The read's result.
 * @typeParam Options - The read's options, as the caller wrote them.
 * @since 0.1.0
 */
export type ReadResult<Result, Options extends ReadOptions | undefined> = Options extends {
  /** The options asked for a watch. */
  readonly watch: true;
}
  ? Watched<Result>
  : Result;

/**
 * A session with the ensemble: the one interface recipes use.
 *
 * @remarks
 * Calls of one session are answered in the order they were made (a read waits behind the
 * session's earlier writes), so a session reads its own writes. Every call takes a `signal` and
 * is bounded by the session's request timeout; calls made while `suspended` wait for the
 * reconnection within that bound. Errors are {@link ZabError}s; besides each operation's own
 * codes, any call may reject with `"ConnectionLoss"` (the channel broke before the reply: a write
 * may or may not have happened), `"SessionExpired"` (the session is `lost`), `"Closed"`,
 * `"Timeout"`, `"Aborted"`, `"Throttled"` (too many calls pending) and `"Invalid"` (an argument
 * outside the protocol's domain, such as a version that is not an int32).
 * @example
 * ```ts
 * import { type Coordination, ZabError } from "@zab/core";
 *
 * async function publish(session: Coordination, value: string): Promise<void> {
 *   const data = new TextEncoder().encode(value);
 *   try {
 *     await session.create("/config", { data });
 *   } catch (error) {
 *     if (!ZabError.isInstance(error, "NodeExists")) throw error;
 *     await session.setData("/config", data);
 *   }
 * }
 * ```
 * @since 0.1.0
 */
export interface Coordination extends AsyncDisposable {
  /** The session's id, stable across reconnections. */
  readonly sessionId: SessionId;
  /** The current connection state. */
  readonly state: ConnectionState;

  /**
   * Streams the connection state changes that happen from now on.
   *
   * @remarks
   * The stream ends after yielding a final state (`lost` or `closed`); it is empty if the session
   * already ended. Its buffer holds 64 changes; a consumer further behind gets `"Throttled"`.
   * @param options - `signal` to stop the stream.
   * @returns The state changes, in order.
   */
  states(options?: StatesOptions): EventStream<ConnectionState>;

  /**
   * Creates a node.
   *
   * @param path - The node's path; for sequential modes, the prefix of its name.
   * @param options - Data, mode, TTL and signal.
   * @returns The path actually created, with the 10-digit suffix of a sequential mode.
   * @throws {@link ZabError} with code `"NodeExists"`, `"NoNode"` (no parent),
   *   `"NoChildrenForEphemerals"`, `"Invalid"` (bad path, oversize data, a TTL mode without a
   *   positive `ttlMs`), or a code common to every call.
   */
  create(path: string, options?: CreateOptions): Promise<string>;

  /**
   * Reads a node's data and stat, optionally leaving a one-shot watch on the node.
   *
   * @param path - The node's path.
   * @typeParam Options - The options' type; `watch: true` makes the result's `watch` certain.
   * @param options - `watch` and signal.
   * @returns The data and stat, and the watch's event when one was asked for.
   * @throws {@link ZabError} with code `"NoNode"` (no watch is left then), or a code common to
   *   every call.
   */
  getData<const Options extends ReadOptions | undefined = undefined>(
    path: string,
    options?: Options,
  ): Promise<ReadResult<NodeData, Options>>;

  /**
   * Reads a node's stat, optionally leaving a one-shot watch that also fires when a missing node
   * is created.
   *
   * @param path - The node's path.
   * @typeParam Options - The options' type; `watch: true` makes the result's `watch` certain.
   * @param options - `watch` and signal.
   * @returns `{ stat }`, with `stat` undefined for a missing node (the result itself is never
   *   undefined), and the watch's event when one was asked for.
   * @throws {@link ZabError} with a code common to every call.
   */
  exists<const Options extends ReadOptions | undefined = undefined>(
    path: string,
    options?: Options,
  ): Promise<ReadResult<NodeExistence, Options>>;

  /**
   * Lists a node's children, optionally leaving a one-shot watch on them (which also fires when
   * the node is deleted).
   *
   * @param path - The node's path.
   * @typeParam Options - The options' type; `watch: true` makes the result's `watch` certain.
   * @param options - `watch` and signal.
   * @returns The child names and the parent's stat, and the watch's event when one was asked for.
   * @throws {@link ZabError} with code `"NoNode"` (no watch is left then), or a code common to
   *   every call.
   */
  getChildren<const Options extends ReadOptions | undefined = undefined>(
    path: string,
    options?: Options,
  ): Promise<ReadResult<NodeChildren, Options>>;

  /**
   * Replaces a node's data, if its version matches.
   *
   * @param path - The node's path.
   * @param data - The new data.
   * @param options - The expected `version` and signal.
   * @returns The node's stat after the write.
   * @throws {@link ZabError} with code `"NoNode"`, `"BadVersion"`, `"Invalid"` (oversize data), or
   *   a code common to every call.
   */
  setData(path: string, data: Uint8Array, options?: VersionOptions): Promise<Stat>;

  /**
   * Deletes a node, if its version matches.
   *
   * @param path - The node's path.
   * @param options - The expected `version` and signal.
   * @throws {@link ZabError} with code `"NoNode"`, `"BadVersion"`, `"NotEmpty"`, or a code common
   *   to every call.
   */
  delete(path: string, options?: VersionOptions): Promise<void>;

  /**
   * Applies several writes atomically: all of them, or none.
   *
   * @param ops - Creates, deletes, setData and checks, applied in order.
   * @param options - Signal.
   * @returns One outcome per operation, in order.
   * @throws {@link MultiError} when an operation failed (nothing was applied): its code is the
   *   failing operation's, and it carries every outcome. {@link ZabError} with `"Invalid"` for a
   *   multi over the ensemble's limits, or a code common to every call.
   */
  multi(ops: readonly MultiItemOp[], options?: CallOptions): Promise<readonly MultiItemOutcome[]>;

  /**
   * Brings the serving member up to date with the leader, so the next read sees every write
   * committed before this call (a linearizable read is `sync` then the read).
   *
   * @param path - The path the sync is about. Default `"/"`.
   * @param options - Signal.
   * @throws {@link ZabError} with a code common to every call.
   */
  sync(path?: string, options?: CallOptions): Promise<void>;

  /**
   * Watches a node, or its whole subtree, persistently: every change, in zxid order, until the
   * stream stops.
   *
   * @remarks
   * The watch is set at once, before this returns: a read issued afterwards is answered after the
   * watch is in place, so "watch, then read, then follow the events" misses nothing. A
   * non-recursive watch reports every event type on the node itself; a recursive one reports
   * creations, deletions and data changes on the node and its descendants (child-list changes
   * are implied by those, as in ZooKeeper). The stream follows the changes made after the member
   * set the watch, each exactly once and in zxid order, across reconnections: the watch is set
   * again on the next member from the zxid of what the stream last delivered, and that member
   * replays the changes the stream missed. Stopping the stream (`break`, `return()`,
   * `await using`) removes the watch at the member. The stream ends cleanly when the session is
   * closed, and fails with `"SessionExpired"` when it is lost, `"Aborted"` when `signal` fires,
   * `"WatchOverflow"` when it cannot go on without a gap — the member it moved to no longer holds
   * every change it missed, or its consumer fell more than the session's `watchEventsBufferedMax`
   * events behind (after yielding those) — or the member's code when it refuses the watch (such
   * as `"Invalid"` for a bad path). After `"WatchOverflow"`, read the node again and watch anew.
   * @param path - The node's path.
   * @param options - `recursive` and signal.
   * @returns The events.
   */
  watch(path: string, options?: WatchOptions): EventStream<WatchEvent>;

  /**
   * Ends the session: its ephemeral nodes are deleted, and every pending call and watch is
   * settled.
   *
   * @remarks
   * When connected, sends `closeSession` after the calls already sent and waits for its reply
   * (within the request timeout), then closes the channel. When suspended, it stops reconnecting
   * and the ensemble expires the session within its timeout. Pending calls then reject with
   * `"Closed"`, one-shot watches reject with `"Closed"`, persistent watch streams end, and the
   * state becomes `closed`. Idempotent; a lost session is only released.
   * @param options - `signal` to stop waiting for the member's reply; the session is closed
   *   locally all the same.
   * @throws {@link ZabError} with code `"Aborted"` when `signal` fired before the member confirmed.
   */
  close(options?: CallOptions): Promise<void>;
}

/**
 * A multi that failed: nothing was applied.
 *
 * @remarks
 * The error's `code` and `path` are those of the first operation at fault; {@link MultiError.outcomes}
 * holds every operation's outcome, the others being `"RolledBack"` errors. It is a
 * {@link ZabError}, so `ZabError.isInstance(error, "BadVersion")` holds for a multi that failed
 * on a version check.
 * @example
 * ```ts
 * import { MultiError, type Coordination } from "@zab/core";
 *
 * async function swap(session: Coordination): Promise<void> {
 *   try {
 *     await session.multi([
 *       { op: "check", path: "/lock", version: 3 },
 *       { op: "setData", path: "/config", data: new Uint8Array([1]), version: -1 },
 *     ]);
 *   } catch (error) {
 *     if (error instanceof MultiError) console.log("failed at", error.failedIndex, error.code);
 *   }
 * }
 * ```
 * @since 0.1.0
 */
export class MultiError extends ZabError {
  /** Every operation's outcome, in the order of the operations. */
  readonly outcomes: readonly MultiItemOutcome[];
  /** The index of the operation at fault. */
  readonly failedIndex: number;

  /**
   * @param code - The failing operation's code.
   * @param message - A sentence for humans.
   * @param outcomes - Every operation's outcome.
   * @param failedIndex - The index of the operation at fault.
   * @param options - `path` of the failing operation.
   */
  constructor(
    code: ZabErrorCode,
    message: string,
    outcomes: readonly MultiItemOutcome[],
    failedIndex: number,
    options?: { readonly path?: string },
  ) {
    super(code, message, options);
    this.name = "MultiError";
    this.outcomes = outcomes;
    this.failedIndex = failedIndex;
  }
}
