/**
 * A member that serves the Coordination API: the ZAB runtime with the data tree as its state
 * machine, client sessions, watches and session expiry.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { type ConnectOptions, connect } from "../client/client-session.js";
import type { Coordination } from "../client/coordination.js";
import { localChannelPair } from "../client/local-channel.js";
import { SESSION_PASSWORD_BYTES } from "../codec/client-codec.js";
import { ZabError } from "../errors.js";
import type { ClientAcceptor, ClientChannel, ClientDialer } from "../ports/client-channel.js";
import { silentLogger } from "../ports/logger.js";
import type { SessionId } from "../protocol/ids.js";
import { sessionId as toSessionId } from "../protocol/ids.js";
import type { Applied, Transition } from "../protocol/ready.js";
import type { ProposeResult } from "../protocol/zab-node.js";
import { DataTree } from "../tree/data-tree.js";
import type { TreeApplied } from "../tree/tree-applied.js";
import { type TreeLimits, treeLimits } from "../tree/tree-limits.js";
import type { TreeTxnOp } from "../tree/tree-txn.js";
import { decodeTreeTxn, encodeTreeTxn } from "../tree/tree-txn-codec.js";
import { ChangeHistory } from "./change-history.js";
import { ClientConnection, type MemberServices } from "./client-connection.js";
import { SessionExpiry } from "./session-expiry.js";
import { WatchManager } from "./watch-manager.js";
import { ZabServer, type ZabServerOptions, type ZabServerStatus } from "./zab-server.js";

/**
 * Settings of a {@link CoordinationServer}: those of {@link ZabServer} (membership, ticks,
 * storage, transport), and the client side.
 *
 * @since 0.1.0
 */
export interface CoordinationServerOptions
  extends Omit<ZabServerOptions<TreeApplied>, "stateMachine" | "hooks"> {
  /** Where remote clients connect (from a transport package). Embedded sessions need none. */
  readonly clients?: ClientAcceptor;
  /** The shortest session timeout granted; shorter requests are raised to it. Default 1,000 ms. */
  readonly sessionTimeoutMinMs?: number;
  /** The longest session timeout granted; longer requests are lowered to it. Default 60,000 ms. */
  readonly sessionTimeoutMaxMs?: number;
  /** Limits on paths, data and multi, enforced before a write is proposed. */
  readonly treeLimits?: Partial<TreeLimits>;
  /**
   * How many of the latest changes (one per node a transaction touched) the member remembers,
   * so that a persistent watch whose client moved here resumes without a gap: the member replays
   * the changes the watch missed while its client was away. A watch that missed changes older
   * than these fails with `WatchOverflow`. Each costs about a hundred bytes plus its path, so the
   * default holds about 10 MB. 0 remembers none. Default 100,000.
   *
   * @since 0.1.0
   */
  readonly watchHistoryMax?: number;
}

const WATCH_HISTORY_MAX_DEFAULT = 100_000;

/**
 * One ensemble member serving the Coordination API.
 *
 * @remarks
 * Writes from any member's clients go to the leader and are answered once the serving member
 * applied them; reads are answered from the member's applied tree, in the session's order.
 * While it leads, the member expires sessions nobody heard from within their timeout and
 * proposes their closing, which deletes their ephemeral nodes everywhere. A member that loses its
 * leader closes its client connections: clients move their sessions to another member.
 * @example
 * ```ts
 * import { CoordinationServer, openFileStorage, serverId } from "@zab/core";
 *
 * const member = await CoordinationServer.start({
 *   id: serverId(1),
 *   voters: [serverId(1), serverId(2), serverId(3)],
 *   storage: await openFileStorage({ dir: "/var/lib/zab" }),
 *   transport, // from @zab/transport-tcp or @zab/transport-nats
 * });
 * ```
 * @since 0.1.0
 */
export class CoordinationServer implements AsyncDisposable {
  readonly #tree: DataTree;
  readonly #watches = new WatchManager<ClientConnection>();
  readonly #history: ChangeHistory;
  readonly #connections = new Set<ClientConnection>();
  readonly #bySession = new Map<SessionId, ClientConnection>();
  readonly #expiry = new SessionExpiry();
  readonly #touched = new Set<SessionId>();
  readonly #services: MemberServices;
  #server: ZabServer<TreeApplied> | undefined;
  /** Set while the watches of an applied batch fire: reads wait until they all have. */
  #applying = false;
  /** Set once closing starts: a closed member's state is stale, it must serve no client. */
  #closed = false;
  #timer: ReturnType<typeof setInterval> | undefined;

  private constructor(options: CoordinationServerOptions) {
    const limits = treeLimits(options.treeLimits);
    const watchHistoryMax = options.watchHistoryMax ?? WATCH_HISTORY_MAX_DEFAULT;
    if (!Number.isSafeInteger(watchHistoryMax) || watchHistoryMax < 0) {
      throw new ZabError(
        "Invalid",
        `watchHistoryMax must be a non-negative safe integer, got ${watchHistoryMax}`,
      );
    }
    this.#tree = new DataTree({ childrenPerNodeMax: limits.childrenPerNodeMax });
    this.#history = new ChangeHistory(watchHistoryMax);
    this.#services = {
      serverId: options.id,
      tree: this.#tree,
      limits,
      sessionTimeoutMinMs: options.sessionTimeoutMinMs ?? 1_000,
      sessionTimeoutMaxMs: options.sessionTimeoutMaxMs ?? 60_000,
      watches: this.#watches,
      history: this.#history,
      logger: options.logger ?? silentLogger,
      isServing: () => !this.#closed && this.#zab.status.phase === "broadcast",
      isApplying: () => this.#applying,
      submit: (sessionId, cxid, op) => this.#submit(sessionId, cxid, op),
      newSession: () => newSession(options.id),
      touch: (sessionId) => this.#touched.add(sessionId),
      attach: (connection) => {
        const previous = this.#bySession.get(connection.sessionId);
        if (previous !== undefined && previous !== connection)
          previous.close("the session moved to another connection");
        this.#bySession.set(connection.sessionId, connection);
      },
      detach: (connection) => {
        this.#connections.delete(connection);
        if (this.#bySession.get(connection.sessionId) === connection)
          this.#bySession.delete(connection.sessionId);
      },
    };
  }

  /**
   * Recovers a member from its storage and starts it.
   *
   * @param options - Membership, ticks, storage, transport and the client side.
   * @returns The running member.
   * @throws {@link ZabError} with code `"Invalid"` for bad settings, `"Corrupt"` when the stored
   * history is unusable.
   */
  static async start(options: CoordinationServerOptions): Promise<CoordinationServer> {
    const member = new CoordinationServer(options);
    const tree = member.#tree;
    member.#server = await ZabServer.start<TreeApplied>({
      ...options,
      // The tree, except that a restored snapshot (at recovery, or sent by a leader) also resets
      // the change history: the changes up to the snapshot were never recorded here.
      stateMachine: {
        apply: (txn) => tree.apply(txn),
        snapshot: () => tree.snapshot(),
        restore: (data, zxid) => {
          tree.restore(data, zxid);
          member.#history.reset(zxid);
        },
      },
      hooks: {
        applied: (applied) => member.#applied(applied),
        transition: (transition) => member.#transition(transition),
        touchedSessions: (sessions) => member.#expiry.touch(sessions, Date.now()),
        prepareForwarded: (payload) => stampLeaderTime(payload),
      },
    });
    const tickMs = options.tickMs ?? 50;
    member.#timer = setInterval(() => member.#tick(), tickMs);
    options.clients?.accept((channel) => member.accept(channel));
    return member;
  }

  /** What this member is doing now. */
  get status(): ZabServerStatus {
    return this.#zab.status;
  }

  /** The digest of the applied data tree; equal on every member at the same zxid. */
  digest(): bigint {
    return this.#tree.digest();
  }

  /**
   * Opens a session on this member from inside its own process (embedded mode): the same
   * Coordination API a remote client gets, over an in-process channel.
   *
   * @remarks
   * The session lives on this member only: if the member loses its leader, the session is
   * suspended until the member serves again (or expires). Applications that must ride out the
   * loss of their own member connect as remote clients to several members instead.
   * @param options - Session settings (timeout, per-call timeout, limits, signal).
   * @returns The open session; close it with `close()` or `await using`.
   * @throws {@link ZabError} with code `"ConnectionLoss"` when no session could be opened within
   *   the session timeout, `"Aborted"` when `signal` fired.
   * @example
   * ```ts
   * await using session = await member.session();
   * await session.create("/config", { data: new TextEncoder().encode("{}") });
   * ```
   */
  session(options: Omit<ConnectOptions, "dialer" | "members"> = {}): Promise<Coordination> {
    const dialer: ClientDialer = {
      dial: async () => {
        const [client, member] = localChannelPair();
        this.accept(member);
        return client;
      },
    };
    return connect({ ...options, dialer, members: [this.#services.serverId] });
  }

  /**
   * Serves one client channel (remote clients arrive through the acceptor; embedded sessions
   * hand their channel here).
   *
   * @param channel - The channel; the member starts listening on it.
   */
  accept(channel: ClientChannel): void {
    this.#connections.add(new ClientConnection(channel, this.#services));
  }

  /** Stops serving clients, then stops the member. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    for (const connection of [...this.#connections]) connection.close("the member is shutting down");
    await this.#server?.close();
  }

  /** Same as {@link CoordinationServer.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  get #zab(): ZabServer<TreeApplied> {
    const server = this.#server;
    if (server === undefined) throw new Error("the member has not started");
    return server;
  }

  #submit(sessionId: SessionId, cxid: number, op: TreeTxnOp): ProposeResult {
    const server = this.#server;
    // A member shutting down (or stopped by a storage failure) takes no more writes; the client
    // sees ConnectionLoss and moves on.
    if (server === undefined || server.failure !== undefined) return { kind: "rejected", reason: "notReady" };
    try {
      return server.submit(encodeTreeTxn({ sessionId, cxid, timeMs: Date.now(), op }));
    } catch (error) {
      if (ZabError.isInstance(error, "Closed")) return { kind: "rejected", reason: "notReady" };
      throw error;
    }
  }

  #applied(applied: readonly Applied<TreeApplied>[]): void {
    // The tree already reflects the whole batch, but its watches fire one transaction at a time,
    // each before the reply to the write that made it (as in ZooKeeper). Until the last has
    // fired, connections answer writes only; the reads and watch requests queued behind them are
    // answered afterwards, so that no reply reflects a change whose event is still to come.
    const answered = new Set<ClientConnection>();
    this.#applying = true;
    try {
      for (const { result } of applied) {
        const connection = this.#bySession.get(result.sessionId);
        const { outcome } = result;
        this.#history.append(result.zxid, result.changes);
        for (const { type, path } of result.changes) {
          for (const watcher of this.#watches.trigger(type, path)) {
            watcher.notify({ kind: "watchEvent", type, path, zxid: result.zxid });
          }
        }
        if (outcome.op === "createSession") {
          if (this.#leads()) this.#expiry.track(outcome.sessionId, outcome.timeoutMs, Date.now());
          connection?.sessionCreated(outcome);
          continue;
        }
        if (connection !== undefined && result.cxid !== 0) {
          connection.writeApplied(result.cxid, result.zxid, outcome);
          answered.add(connection);
        }
        if (outcome.op === "closeSession") {
          this.#expiry.forget(result.sessionId);
          // Expired rather than closed by its client: the client learns it when it reconnects.
          this.#bySession.get(result.sessionId)?.close("the session expired");
        }
      }
    } finally {
      this.#applying = false;
    }
    for (const connection of answered) connection.batchApplied();
  }

  #transition(transition: Transition): void {
    if (transition.phase !== "broadcast") {
      // Without a leader this member cannot answer writes or vouch for freshness: its clients
      // move to a member that can.
      for (const connection of [...this.#connections]) connection.close("the member lost its leader");
      return;
    }
    if (transition.role === "leading") {
      // A new leader gives every open session a full timeout from now (ZooKeeper does the same).
      this.#expiry.reset(this.#tree.sessions(), Date.now());
    }
  }

  #leads(): boolean {
    const { role, phase } = this.#zab.status;
    return role === "leading" && phase === "broadcast";
  }

  /** Reports client activity and, while leading, proposes the closing of expired sessions. */
  #tick(): void {
    const server = this.#server;
    if (server === undefined) return;
    if (this.#touched.size > 0) {
      if (this.#leads()) this.#expiry.touch(this.#touched, Date.now());
      else server.touchSessions(this.#touched);
      this.#touched.clear();
    }
    if (!this.#leads()) return;
    for (const sessionId of this.#expiry.takeExpired(Date.now())) {
      this.#submit(sessionId, 0, { op: "closeSession", sessionId });
    }
  }
}

/** The leader stamps its own clock on a forwarded write, so ctime and mtime are the leader's. */
function stampLeaderTime(payload: Uint8Array): Uint8Array | undefined {
  try {
    return encodeTreeTxn({ ...decodeTreeTxn(payload), timeMs: Date.now() });
  } catch {
    // Not a tree transaction: a confused or hostile learner. Dropping it is safe: nobody waits.
    return undefined;
  }
}

/** A session id no other member can hand out (the member id in the top 16 bits) and a secret. */
function newSession(serverIdValue: number): { sessionId: SessionId; password: Uint8Array } {
  const random = randomBytes(6);
  let low = 0n;
  for (const byte of random) low = (low << 8n) | BigInt(byte);
  return {
    sessionId: toSessionId((BigInt(serverIdValue & 0xffff) << 48n) | low),
    password: new Uint8Array(randomBytes(SESSION_PASSWORD_BYTES)),
  };
}
