/**
 * The Coordination API's side of a member, apart from the runtime that drives ZAB: the data tree
 * as the state machine, client connections, sessions and their expiry, and watches.
 *
 * @module
 */
import { SESSION_PASSWORD_BYTES } from "../codec/client-codec.js";
import { ZabError } from "../errors.js";
import { CoordinationMetrics } from "../metrics/coordination-metrics.js";
import { MetricsRegistry } from "../metrics/metrics-registry.js";
import type { ClientChannel } from "../ports/client-channel.js";
import type { Clock } from "../ports/clock.js";
import { type Logger, silentLogger } from "../ports/logger.js";
import type { MemberStatus } from "../protocol/client-messages.js";
import { type ServerId, type SessionId, sessionId as toSessionId } from "../protocol/ids.js";
import type { Applied, Phase, Role, Transition } from "../protocol/ready.js";
import type { StateMachine } from "../protocol/state-machine.js";
import type { ProposeResult } from "../protocol/zab-node.js";
import { DataTree } from "../tree/data-tree.js";
import type { TreeApplied, TreeOutcome } from "../tree/tree-applied.js";
import { type TreeLimits, treeLimits } from "../tree/tree-limits.js";
import type { TreeTxnOp } from "../tree/tree-txn.js";
import { encodeTreeTxn, restampTreeTxn } from "../tree/tree-txn-codec.js";
import { ChangeHistory } from "./change-history.js";
import { ClientConnection, type MemberServices } from "./client-connection.js";
import { SessionExpiry } from "./session-expiry.js";
import { SessionOwners } from "./session-owners.js";
import { WatchManager } from "./watch-manager.js";
import type { ZabServerHooks, ZabServerStatus } from "./zab-server.js";

/**
 * The client-side settings of a member serving the Coordination API.
 *
 * @since 0.1.0
 */
export interface CoordinationSettings {
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
   */
  readonly watchHistoryMax?: number;
  /**
   * How much longer than a third of a session's timeout past the timeout itself the leader waits
   * before expiring a session: what a member may confirm to its client without the leader
   * hearing of it (`sessionExpiryGraceMs`). `CoordinationServer` sets it from its tick and sync
   * limit; the simulator from its own. Default 0.
   */
  readonly expiryGraceMs?: number;
  /**
   * The most sessions open in the ensemble; past it, this member refuses new sessions (closing
   * the channel, so the client tries elsewhere and eventually fails with `ConnectionLoss`), while
   * existing sessions still move here freely. Each session costs the leader a timer entry and
   * every member a table row. Default 100,000.
   */
  readonly sessionsMax?: number;
  /**
   * The most watches one client connection may hold (one kind of watch on one path counts one);
   * a request that would set one more fails with `Throttled` and sets nothing. Default 100,000.
   */
  readonly watchesPerConnectionMax?: number;
  /**
   * The most requests one connection may have waiting for their turn (behind a write in
   * flight); a client that pipelines more is not reading its replies or is hostile, and its
   * channel is closed. Clients send at most `pendingRequestsMax` (1,000 by default). Default
   * 10,000.
   */
  readonly queuedRequestsPerConnectionMax?: number;
}

/**
 * Where a member stands in the protocol.
 *
 * @since 0.1.0
 */
export interface RoleAndPhase {
  /** Its role. */
  readonly role: Role;
  /** Its phase in that role. */
  readonly phase: Phase;
}

/**
 * What a {@link CoordinationMember} needs from the ZAB runtime that drives it: a `ZabServer` in
 * production, a simulator's node in tests.
 *
 * @since 0.1.0
 */
export interface ZabRuntimeView {
  /** The member's role and phase now. */
  status(): RoleAndPhase;
  /**
   * Hands a command to the ensemble: proposed on the leader, forwarded by a follower.
   *
   * @param payload - The encoded tree transaction.
   * @returns What happened to it here; `rejected` when the runtime cannot take it.
   */
  submit(payload: Uint8Array): ProposeResult;
  /**
   * Passes on, towards the leader, that clients of these sessions were active here.
   *
   * @param sessions - The sessions.
   */
  touchSessions(sessions: Iterable<SessionId>): void;
  /**
   * Everything the runtime knows of the member's replication (a `ZabServer`'s
   * {@link ZabServer.status}), for status requests such as `zab status` sends. Optional: a member
   * whose runtime does not report it answers status requests by closing the channel.
   *
   * @returns The runtime's status now.
   * @since 0.1.0
   */
  serverStatus?(): ZabServerStatus;
}

/**
 * Everything a {@link CoordinationMember} is built from.
 *
 * @since 0.1.0
 */
export interface CoordinationMemberOptions extends CoordinationSettings {
  /** The member's id (session ids it hands out carry it). */
  readonly id: ServerId;
  /** Where to log. */
  readonly logger?: Logger;
  /** Time (session expiry, znode times) and randomness (session ids and passwords). */
  readonly clock: Clock;
  /**
   * Where the session layer registers its metrics: sessions, client connections, watches,
   * requests by operation and client traffic. `CoordinationServer` passes the registry its
   * `ZabServer` uses. Default: a new registry.
   */
  readonly metrics?: MetricsRegistry;
}

/**
 * The session layer of one member: it owns the data tree the runtime applies transactions to,
 * serves client channels, and expires sessions while it leads.
 *
 * @remarks
 * Synchronous and driven from outside: the runtime hands it {@link CoordinationMember.hooks}
 * and {@link CoordinationMember.stateMachine}, and calls {@link CoordinationMember.tick} on its
 * timer. That is what lets the same code run under `CoordinationServer` and, in virtual time,
 * under the simulator of `@zab/testkit`.
 * @since 0.1.0
 */
export class CoordinationMember {
  /** The replicated state machine: the tree; a restored snapshot also resets the change history. */
  readonly stateMachine: StateMachine<TreeApplied>;
  /** The callbacks the runtime calls as the member applies, changes role, and leads. */
  readonly hooks: Required<ZabServerHooks<TreeApplied>>;
  readonly #tree: DataTree;
  readonly #clock: Clock;
  readonly #watches = new WatchManager<ClientConnection>();
  readonly #history: ChangeHistory;
  readonly #connections = new Set<ClientConnection>();
  readonly #bySession = new Map<SessionId, ClientConnection>();
  readonly #expiry: SessionExpiry;
  readonly #owners = new SessionOwners();
  readonly #touched = new Set<SessionId>();
  readonly #services: MemberServices;
  readonly #metrics: CoordinationMetrics;
  #runtime: ZabRuntimeView | undefined;
  /** Set while the watches of an applied batch fire: reads wait until they all have. */
  #applying = false;
  /** Set once closing starts: a closed member's state is stale, it must serve no client. */
  #closed = false;

  /**
   * @param options - Identity, client-side settings, logger and clock.
   * @throws {@link ZabError} with code `"Invalid"` for a bad setting.
   */
  constructor(options: CoordinationMemberOptions) {
    const limits = treeLimits(options.treeLimits);
    const watchHistoryMax = countSetting("watchHistoryMax", options.watchHistoryMax, 100_000, 0);
    const connectionLimits = {
      sessionsMax: countSetting("sessionsMax", options.sessionsMax, 100_000, 1),
      watchesMax: countSetting("watchesPerConnectionMax", options.watchesPerConnectionMax, 100_000, 1),
      queuedRequestsMax: countSetting(
        "queuedRequestsPerConnectionMax",
        options.queuedRequestsPerConnectionMax,
        10_000,
        1,
      ),
    };
    this.#expiry = new SessionExpiry(countSetting("expiryGraceMs", options.expiryGraceMs, 0, 0));
    const tree = new DataTree({ childrenPerNodeMax: limits.childrenPerNodeMax });
    const history = new ChangeHistory(watchHistoryMax);
    const clock = options.clock;
    this.#tree = tree;
    this.#history = history;
    this.#clock = clock;
    this.#metrics = new CoordinationMetrics(options.metrics ?? new MetricsRegistry(), {
      sessions: () => tree.sessionCount,
      connections: () => this.#clientCounts().connections,
      watches: () => this.#clientCounts().watches,
    });
    this.stateMachine = {
      apply: (txn) => tree.apply(txn),
      snapshot: () => tree.snapshot(),
      digest: () => tree.digest(),
      restore: (data, zxid) => {
        tree.restore(data, zxid);
        // The changes up to the snapshot were never recorded here.
        history.reset(zxid);
      },
    };
    this.hooks = {
      applied: (applied) => this.#applied(applied),
      transition: (transition) => this.#transition(transition),
      touchedSessions: (sessions) => this.#expiry.touch(sessions, clock.now()),
      prepareForwarded: (payload, from) => this.#prepareForwarded(payload, from),
    };
    this.#services = {
      serverId: options.id,
      tree,
      limits,
      connectionLimits,
      sessionTimeoutMinMs: options.sessionTimeoutMinMs ?? 1_000,
      sessionTimeoutMaxMs: options.sessionTimeoutMaxMs ?? 60_000,
      watches: this.#watches,
      history,
      logger: options.logger ?? silentLogger,
      isServing: () => !this.#closed && this.#runtime?.status().phase === "broadcast",
      isApplying: () => this.#applying,
      submit: (sessionId, cxid, op) => this.#submitForClient(sessionId, cxid, op),
      newSession: () => newSession(options.id, clock),
      touch: (sessionId) => this.#touched.add(sessionId),
      requested: (op) => this.#metrics.request(op),
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
      status: () => this.#status(),
    };
  }

  /**
   * Connects the member to the runtime that drives it, once the runtime exists (the runtime
   * needs {@link CoordinationMember.stateMachine} first, to recover).
   *
   * @param runtime - The runtime's view.
   */
  bind(runtime: ZabRuntimeView): void {
    this.#runtime = runtime;
  }

  /** The digest of the applied data tree; equal on every member at the same zxid. */
  digest(): bigint {
    return this.#tree.digest();
  }

  /**
   * Serves one client channel.
   *
   * @param channel - The channel; the member starts listening on it.
   */
  accept(channel: ClientChannel): void {
    this.#connections.add(new ClientConnection(this.#metrics.counted(channel), this.#services));
  }

  /**
   * Reports client activity towards the leader and, while leading, proposes the closing of
   * expired sessions. The runtime calls it on its timer.
   */
  tick(): void {
    const runtime = this.#runtime;
    if (runtime === undefined || this.#closed) return;
    const leads = this.#leads();
    if (this.#touched.size > 0) {
      if (leads) this.#expiry.touch(this.#touched, this.#clock.now());
      else runtime.touchSessions(this.#touched);
      this.#touched.clear();
    }
    if (!leads) return;
    for (const sessionId of this.#expiry.takeExpired(this.#clock.now())) {
      this.#submit(sessionId, 0, { op: "closeSession", sessionId });
    }
  }

  /** Stops serving: every client connection closes, and no new one is served. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const connection of [...this.#connections]) connection.close("the member is shutting down");
  }

  /** The answer to a status request; none once closing, or from a runtime that cannot report. */
  #status(): MemberStatus | undefined {
    const server = this.#closed ? undefined : this.#runtime?.serverStatus?.();
    if (server === undefined) return undefined;
    const { connections, watches } = this.#clientCounts();
    return {
      serverId: server.id,
      role: server.role,
      phase: server.phase,
      leader: server.leader,
      epoch: server.epoch,
      lastLoggedZxid: server.lastLoggedZxid,
      committedZxid: server.committedZxid,
      appliedZxid: server.appliedZxid,
      sessions: this.#tree.sessionCount,
      connections,
      watches,
      digest: this.#tree.digest(),
    };
  }

  /** The connections that completed their handshake, and the watches all connections hold. */
  #clientCounts(): { readonly connections: number; readonly watches: number } {
    let connections = 0;
    let watches = 0;
    // One pass over this member's connections: bounded by how many clients it accepted.
    for (const connection of this.#connections) {
      if (connection.isServing) connections += 1;
      watches += this.#watches.countOf(connection);
    }
    return { connections, watches };
  }

  #submit(sessionId: SessionId, cxid: number, op: TreeTxnOp): ProposeResult {
    const runtime = this.#runtime;
    if (runtime === undefined || this.#closed) return { kind: "rejected", reason: "notReady" };
    return runtime.submit(encodeTreeTxn({ sessionId, cxid, timeMs: this.#clock.wallTime(), op }));
  }

  /**
   * Submits a write of one of this member's clients. While leading, the write must come from the
   * session's owner (see {@link SessionOwners}); a stale connection's write is refused as if the
   * ensemble could not take it, and the connection closes once the session's move applies.
   */
  #submitForClient(sessionId: SessionId, cxid: number, op: TreeTxnOp): ProposeResult {
    if (this.#leads() && !this.#owners.admit(sessionId, op, this.#services.serverId)) {
      this.#refusedMoved(sessionId, this.#services.serverId);
      return { kind: "rejected", reason: "notReady" };
    }
    return this.#submit(sessionId, cxid, op);
  }

  /**
   * While leading: checks a learner's forwarded write and stamps the leader's clock on it, so
   * ctime and mtime are the leader's; `undefined` drops it.
   */
  #prepareForwarded(payload: Uint8Array, from: ServerId): Uint8Array | undefined {
    let stamped: ReturnType<typeof restampTreeTxn>;
    try {
      stamped = restampTreeTxn(payload, this.#clock.wallTime());
    } catch {
      // Not a tree transaction: a confused or hostile learner. Dropping it is safe: nobody waits.
      return undefined;
    }
    if (!this.#owners.admit(stamped.txn.sessionId, stamped.txn.op, from)) {
      this.#refusedMoved(stamped.txn.sessionId, from);
      return undefined;
    }
    return stamped.payload;
  }

  #refusedMoved(sessionId: SessionId, from: ServerId): void {
    this.#services.logger.info(
      { session: sessionId.toString(16), from },
      "refusing a write from a connection its session has moved away from",
    );
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
            this.#metrics.watchEvent();
          }
        }
        if (outcome.op === "createSession") {
          if (this.#leads()) this.#expiry.track(outcome.sessionId, outcome.timeoutMs, this.#clock.now());
          connection?.sessionJoined(outcome);
          continue;
        }
        if (
          outcome.op === "attachSession" ||
          (outcome.op === "error" && outcome.failedOp === "attachSession")
        ) {
          this.#sessionAttached(result.sessionId, outcome, connection);
          continue;
        }
        if (connection !== undefined && result.cxid !== 0) {
          connection.writeApplied(result.cxid, result.zxid, outcome);
          answered.add(connection);
        }
        if (outcome.op === "closeSession") {
          this.#expiry.forget(result.sessionId);
          this.#owners.forget(result.sessionId);
          // Expired rather than closed by its client: the client learns it when it reconnects.
          this.#bySession.get(result.sessionId)?.close("the session expired");
        }
      }
    } finally {
      this.#applying = false;
    }
    for (const connection of answered) connection.batchApplied();
  }

  /**
   * A session's move applied: the connection that asked for it here is answered; a connection of
   * the session here that did not ask is stale (the client moved elsewhere) and closes.
   */
  #sessionAttached(
    sessionId: SessionId,
    outcome: TreeOutcome,
    connection: ClientConnection | undefined,
  ): void {
    // The move is activity: the leader counts the session's timeout from it.
    if (outcome.op === "attachSession" && this.#leads()) this.#expiry.touch([sessionId], this.#clock.now());
    if (outcome.op === "attachSession" && outcome.serverId !== this.#services.serverId) {
      connection?.close(`the session moved to member ${outcome.serverId}`);
      return;
    }
    connection?.sessionJoined(outcome);
  }

  #transition(transition: Transition): void {
    // A new leadership, or none: no owner is known any more (see SessionOwners).
    this.#owners.clear();
    if (transition.phase !== "broadcast") {
      // Without a leader this member cannot answer writes or vouch for freshness: its clients
      // move to a member that can.
      for (const connection of [...this.#connections]) connection.close("the member lost its leader");
      return;
    }
    if (transition.role === "leading") {
      // A new leader gives every open session a full timeout from now (ZooKeeper does the same).
      this.#expiry.reset(this.#tree.sessions(), this.#clock.now());
    }
  }

  #leads(): boolean {
    const status = this.#runtime?.status();
    return status?.role === "leading" && status.phase === "broadcast";
  }
}

/** Reads a count setting: its default when absent, an `Invalid` error when not a safe integer ≥ `min`. */
function countSetting(name: string, value: number | undefined, fallback: number, min: number): number {
  const count = value ?? fallback;
  if (!Number.isSafeInteger(count) || count < min) {
    throw new ZabError("Invalid", `${name} must be a safe integer of at least ${min}, got ${count}`);
  }
  return count;
}

/** A session id no other member can hand out (the member id in the top 16 bits) and a secret. */
function newSession(serverIdValue: number, clock: Clock): { sessionId: SessionId; password: Uint8Array } {
  let low = 0n;
  for (const byte of clock.randomBytes(6)) low = (low << 8n) | BigInt(byte);
  return {
    sessionId: toSessionId((BigInt(serverIdValue & 0xffff) << 48n) | low),
    password: clock.randomBytes(SESSION_PASSWORD_BYTES),
  };
}
