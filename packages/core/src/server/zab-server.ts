/**
 * The server runtime: runs one member's {@link ZabNode} against real storage, a real transport
 * and real timers.
 *
 * It is the only place that awaits I/O. Effects are executed in the order the protocol needs:
 * durable writes strictly in sequence (consecutive appends share one fdatasync: group commit),
 * and `persisted` is reported only once a write is durable, so every acknowledgement the node
 * sends follows the write it promises. A storage failure stops the member (fail-stop).
 *
 * @module
 */
import { assert } from "../assert.js";
import { decodePeerMessage, encodePeerMessage } from "../codec/peer-codec.js";
import { ZabError } from "../errors.js";
import { MetricsRegistry } from "../metrics/metrics-registry.js";
import { ZabServerMetrics } from "../metrics/zab-server-metrics.js";
import type { Logger } from "../ports/logger.js";
import { silentLogger } from "../ports/logger.js";
import type { PeerTransport } from "../ports/peer-transport.js";
import type { OpenedStorage, Storage } from "../ports/storage.js";
import type { ZabConfig } from "../protocol/config.js";
import type { DigestCheckStats, DigestMismatch } from "../protocol/digest-check.js";
import type { Epoch, ServerId, SessionId } from "../protocol/ids.js";
import type { Txn } from "../protocol/messages.js";
import type { Applied, NumberedWrite, Phase, Ready, Role, Transition } from "../protocol/ready.js";
import type { StateMachine } from "../protocol/state-machine.js";
import { type ProposeResult, ZabNode } from "../protocol/zab-node.js";
import { formatZxid, ZXID_ZERO, type Zxid } from "../protocol/zxid.js";

/**
 * Settings of a {@link ZabServer}.
 *
 * @typeParam Result - What the state machine's `apply` returns.
 * @since 0.1.0
 */
export interface ZabServerOptions<Result> extends ZabConfig {
  /** Milliseconds per protocol tick. Default 50. */
  readonly tickMs?: number;
  /**
   * The opened storage and what its recovery found, as {@link openFileStorage} or
   * {@link openMemoryStorage} return them. The server owns the storage from now on and closes it
   * on close.
   */
  readonly storage: OpenedStorage;
  /** The transport to the other members. The server owns it and disposes it on close. */
  readonly transport: PeerTransport;
  /** The replicated state machine. */
  readonly stateMachine: StateMachine<Result>;
  /** Where to log. Default: nowhere. */
  readonly logger?: Logger;
  /** Applied transactions between local snapshots (ZooKeeper's `snapCount`). Default 100,000. */
  readonly snapshotEveryTxns?: number;
  /** Observers of what the member does, for a layer on top (sessions, metrics). */
  readonly hooks?: ZabServerHooks<Result>;
  /**
   * Where the server registers its metrics (see {@link ZabServer.metrics}): pass one to share it
   * with a layer on top or the application. The `zab_*` names it registers must be free there,
   * so one registry serves one member. Default: a new registry.
   */
  readonly metrics?: MetricsRegistry;
}

/**
 * Callbacks through which a layer on top of {@link ZabServer} (the session layer of the
 * Coordination API, metrics) follows the member. Each runs synchronously, in protocol order.
 *
 * @typeParam Result - What the state machine's `apply` returns.
 * @since 0.1.0
 */
export interface ZabServerHooks<Result> {
  /** Transactions this member just applied, in zxid order. */
  readonly applied?: (applied: readonly Applied<Result>[]) => void;
  /** This member changed role or phase. */
  readonly transition?: (transition: Transition) => void;
  /** While leading: sessions some member reported active (postpone their expiry). */
  readonly touchedSessions?: (sessions: readonly SessionId[]) => void;
  /**
   * While leading: turns a learner's forwarded command into the payload to propose (for example,
   * stamping the leader's clock), or returns `undefined` to drop it.
   *
   * @param payload - The command.
   * @param from - The learner that forwarded it, as the transport authenticated it.
   */
  readonly prepareForwarded?: (payload: Uint8Array, from: ServerId) => Uint8Array | undefined;
}

/**
 * A point-in-time view of a member, as `zab status` shows it.
 *
 * @remarks
 * A snapshot: a new object on every read of {@link ZabServer.status}, not updated afterwards.
 * `appliedZxid ≤ committedZxid ≤ lastLoggedZxid` always holds.
 * @since 0.1.0
 */
export interface ZabServerStatus {
  /** This member's id. */
  readonly id: ServerId;
  /** What the member is doing: looking for a leader, following, leading or observing. */
  readonly role: Role;
  /** Where it is within that role; it serves only in `broadcast`. */
  readonly phase: Phase;
  /** The leader it follows or is, once the election decided; `undefined` while looking. */
  readonly leader: ServerId | undefined;
  /**
   * The epoch of the leadership it takes part in: for a leader once it chose the epoch, for a
   * learner once LEADERINFO arrived; `undefined` before that.
   */
  readonly epoch: Epoch | undefined;
  /** The last zxid in the local log, whether or not it is durable or committed yet. */
  readonly lastLoggedZxid: Zxid;
  /** Everything up to this zxid is known to be committed. */
  readonly committedZxid: Zxid;
  /** The state machine reflects every transaction up to this zxid, and no later one. */
  readonly appliedZxid: Zxid;
  /**
   * How this member's state machine digest compared with its leaders' since it started (only
   * when the state machine has {@link StateMachine.digest}; a leader compares nothing). A
   * `mismatched` above 0 means this replica's state diverged from a leader's at the same zxid:
   * each one was also logged as an error.
   */
  readonly digestChecks: DigestCheckStats;
}

interface PendingProposal<Result> {
  readonly resolve: (outcome: { readonly zxid: Zxid; readonly result: Result }) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One running ensemble member.
 *
 * @example
 * ```ts
 * import { ZabServer, openFileStorage, serverId } from "@zab/core";
 *
 * const server = await ZabServer.start({
 *   id: serverId(1),
 *   voters: [serverId(1), serverId(2), serverId(3)],
 *   storage: await openFileStorage({ dir: "/var/lib/zab" }),
 *   transport, // from @zab/transport-tcp or @zab/transport-nats
 *   stateMachine,
 * });
 * const { zxid } = await server.propose(new TextEncoder().encode("hello"));
 * await server.close();
 * ```
 * @typeParam Result - What the state machine's `apply` returns.
 * @since 0.1.0
 */
export class ZabServer<Result> implements AsyncDisposable {
  /**
   * The member's metrics, for a Prometheus scrape: `metrics.render()` is the `/metrics` body.
   *
   * @remarks
   * The server registers proposals, applied transactions, log fsync latency and batch size,
   * elections and their duration, role, phase and epochs, peer frames and bytes, and digest
   * checks; the [operability notes](../../../../docs/architecture/operability.md) list every
   * name. Recording them costs a few number updates on the hot paths; reading them costs only the
   * scrape. The registry outlives a close: the last values stay readable.
   * @since 0.1.0
   */
  readonly metrics: MetricsRegistry;
  readonly #node: ZabNode<Result>;
  readonly #metrics: ZabServerMetrics;
  readonly #storage: Storage;
  readonly #transport: PeerTransport;
  readonly #logger: Logger;
  readonly #stateMachine: StateMachine<Result>;
  readonly #snapshotEveryTxns: number;
  readonly #hooks: ZabServerHooks<Result> | undefined;
  readonly #pendingProposals = new Map<Zxid, PendingProposal<Result>>();
  readonly #writeQueue: NumberedWrite[] = [];
  #writing = false;
  #appliedSinceSnapshot = 0;
  #snapshotDue = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #failure: ZabError | undefined;
  #closed = false;
  readonly #closedPromise: Promise<void>;
  #markClosed: () => void = () => {};

  private constructor(
    options: ZabServerOptions<Result>,
    restored: ConstructorParameters<typeof ZabNode<Result>>[2],
  ) {
    this.#storage = options.storage.storage;
    this.#transport = options.transport;
    this.#logger = options.logger ?? silentLogger;
    this.#stateMachine = options.stateMachine;
    this.#snapshotEveryTxns = options.snapshotEveryTxns ?? 100_000;
    this.#hooks = options.hooks;
    this.#node = new ZabNode<Result>(options, options.stateMachine, restored);
    this.metrics = options.metrics ?? new MetricsRegistry();
    this.#metrics = new ZabServerMetrics(this.metrics, this.#node, performance.now());
    this.#closedPromise = new Promise((resolve) => {
      this.#markClosed = resolve;
    });
  }

  /**
   * Recovers a member from its storage and starts it: it begins looking for a leader at once.
   *
   * @param options - Membership, tick settings, storage, transport and state machine.
   * @returns The running server.
   * @throws {@link ZabError} with code `"Invalid"` for bad settings, `"Corrupt"` when the stored
   * history is unusable.
   */
  static async start<Result>(options: ZabServerOptions<Result>): Promise<ZabServer<Result>> {
    const { storage, recovery } = options.storage;
    let server: ZabServer<Result>;
    try {
      const txns: Txn[] = [];
      for await (const txn of storage.log.read({ fromExclusive: recovery.snapshot?.zxid ?? ZXID_ZERO })) {
        txns.push(txn);
      }
      server = new ZabServer(options, {
        acceptedEpoch: storage.epochs.acceptedEpoch,
        currentEpoch: storage.epochs.currentEpoch,
        snapshot: recovery.snapshot,
        txns,
      });
    } catch (error) {
      // A member that cannot start still releases its directory lock and its transport.
      await options.transport[Symbol.asyncDispose]();
      await storage.close();
      throw error;
    }
    server.#run(options.tickMs ?? 50);
    return server;
  }

  /** What this member is doing now. */
  get status(): ZabServerStatus {
    const node = this.#node;
    return {
      id: node.id,
      role: node.role,
      phase: node.phase,
      leader: node.leader,
      epoch: node.epoch,
      lastLoggedZxid: node.lastLoggedZxid,
      committedZxid: node.committedZxid,
      appliedZxid: node.appliedZxid,
      digestChecks: node.digestChecks,
    };
  }

  /** The storage failure that stopped this member, if one did. */
  get failure(): ZabError | undefined {
    return this.#failure;
  }

  /** Resolves once the server has stopped, by {@link ZabServer.close} or a storage failure. */
  get closed(): Promise<void> {
    return this.#closedPromise;
  }

  /**
   * Proposes a command. Only the leader of an established epoch accepts.
   *
   * @remarks
   * On a follower in broadcast the node forwards the command to its leader as a REQUEST before
   * this method rejects with `"Unavailable"`, so the command may still be committed. The promise
   * settles on the leader once the transaction is committed and applied locally, which implies a
   * quorum holds it durably. A `signal` that is already aborted makes the call throw its
   * `reason` synchronously rather than return a rejected promise.
   * @param payload - The state machine command.
   * @param options - `signal` to stop waiting (the proposal itself may still commit).
   * @returns Its zxid and what applying it returned here, once committed and applied.
   * @throws {@link ZabError} with code `"Unavailable"` when this member does not lead,
   * `"Throttled"` when too many proposals are pending, `"ConnectionLoss"` when leadership was lost
   * before the outcome was known, `"Aborted"` when `signal` fired, `"Closed"` after close.
   */
  propose(
    payload: Uint8Array,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<{
    /** The zxid the leader assigned to the transaction. */
    zxid: Zxid;
    /** What {@link StateMachine.apply} returned when this member applied the transaction. */
    result: Result;
  }> {
    if (this.#closed) return Promise.reject(new ZabError("Closed", "the server is closed"));
    const signal = options.signal;
    if (signal?.aborted === true) {
      return Promise.reject(new ZabError("Aborted", "aborted before proposing", { cause: signal.reason }));
    }
    const node = this.#node;
    if (node.role !== "leading" || node.phase !== "broadcast") {
      // Only an established leader takes proposals here. Forwarding a client's write to the
      // leader comes with sessions, which let the member match the outcome to the request.
      return Promise.reject(
        new ZabError("Unavailable", `member ${node.id} does not lead (${node.role}/${node.phase})`),
      );
    }
    const outcome = this.#propose(payload);
    this.#flush();
    if (outcome.kind !== "proposed") {
      const throttled = outcome.kind === "rejected" && outcome.reason === "throttled";
      return Promise.reject(
        new ZabError(
          throttled ? "Throttled" : "Unavailable",
          `member ${node.id} cannot propose now (${node.role}/${node.phase})`,
        ),
      );
    }
    const zxid = outcome.zxid;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        // The proposal itself may still commit; only the wait ends.
        this.#pendingProposals.delete(zxid);
        reject(new ZabError("Aborted", "stopped waiting for the proposal", { cause: signal?.reason }));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#pendingProposals.set(zxid, {
        resolve: (value) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(value);
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      });
    });
  }

  /**
   * Hands a command to the ensemble without waiting: the leader proposes it, a follower forwards
   * it to the leader. The outcome shows up later through the `applied` hook on every member that
   * applies it; the caller matches it by what the command itself carries.
   *
   * @param payload - The state machine command.
   * @returns What happened to it here: `proposed` with its zxid on the leader, `forwarded` on a
   *   follower, or `rejected` without an established leadership here (or when throttled).
   * @throws {@link ZabError} with code `"Closed"` after close.
   */
  submit(payload: Uint8Array): ProposeResult {
    if (this.#closed) throw new ZabError("Closed", "the server is closed");
    const outcome = this.#propose(payload);
    this.#flush();
    return outcome;
  }

  /**
   * Records that clients of these sessions were active here, so that the leader postpones their
   * expiry (directly on the leader, on the next ping from a learner).
   *
   * @param sessions - The sessions.
   */
  touchSessions(sessions: Iterable<SessionId>): void {
    if (this.#closed) return;
    this.#node.touchSessions(sessions);
    this.#flush();
  }

  /**
   * Stops the member: timers, transport, then storage. Pending proposals fail with
   * `ConnectionLoss`. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return this.#closedPromise;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#failPending(new ZabError("ConnectionLoss", "the server closed before the outcome was known"));
    await this.#transport[Symbol.asyncDispose]();
    // Writes already handed to storage finish or fail before the files close.
    while (this.#writing) await new Promise((resolve) => setImmediate(resolve));
    await this.#storage.close();
    this.#markClosed();
    return this.#closedPromise;
  }

  /** Same as {@link ZabServer.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #run(tickMs: number): void {
    this.#transport.listen({
      frame: (from, frame) => {
        if (this.#closed) return;
        this.#metrics.received(frame.byteLength);
        let message: ReturnType<typeof decodePeerMessage>;
        try {
          message = decodePeerMessage(frame);
        } catch (error) {
          // A frame that does not decode closes that channel only.
          this.#logger.warn(
            { peer: from, error: String(error) },
            "dropping a peer that sent an undecodable frame",
          );
          this.#transport.disconnect(from);
          return;
        }
        this.#node.receive(from, message);
        this.#flush();
      },
      closed: (peer) => {
        if (this.#closed) return;
        this.#node.channelClosed(peer);
        this.#flush();
      },
    });
    this.#timer = setInterval(() => {
      if (this.#closed) return;
      this.#node.tick();
      this.#flush();
    }, tickMs);
    this.#flush();
  }

  /** Executes everything the node produced, until it produces nothing more. */
  #flush(): void {
    // Proposing forwarded requests can produce more effects; the loop ends when none remain.
    while (!this.#closed && this.#node.hasReady) this.#execute(this.#node.ready());
  }

  #execute(ready: Ready<Result>): void {
    for (const transition of ready.transitions) {
      this.#metrics.transition(transition, performance.now());
      this.#hooks?.transition?.(transition);
      this.#logger.info(
        {
          role: transition.role,
          phase: transition.phase,
          leader: transition.leader,
          epoch: transition.epoch,
        },
        transition.reason,
      );
      if (transition.role !== "leading") {
        this.#failPending(new ZabError("ConnectionLoss", "leadership changed before the outcome was known"));
      }
    }
    for (const { txn, result } of ready.applied) {
      this.#pendingProposals.get(txn.zxid)?.resolve({ zxid: txn.zxid, result });
      this.#pendingProposals.delete(txn.zxid);
      this.#appliedSinceSnapshot += 1;
    }
    if (ready.applied.length > 0) {
      this.#metrics.applied(ready.applied.length);
      this.#hooks?.applied?.(ready.applied);
    }
    for (const mismatch of ready.digestMismatches) this.#reportDivergence(mismatch);
    if (ready.touchedSessions.length > 0) this.#hooks?.touchedSessions?.(ready.touchedSessions);
    if (this.#appliedSinceSnapshot >= this.#snapshotEveryTxns) this.#snapshotDue = true;
    if (ready.writes.length > 0 || this.#snapshotDue) {
      this.#writeQueue.push(...ready.writes);
      void this.#pumpWrites();
    }
    for (const { to, message } of ready.messages) {
      const frame = encodePeerMessage(message);
      this.#metrics.sent(frame.byteLength);
      this.#transport.send(to, frame);
    }
    for (const { peer, reason } of ready.disconnect) {
      this.#logger.warn({ peer }, `closing the channel to ${peer}: ${reason}`);
      this.#transport.disconnect(peer);
    }
    for (const request of ready.requests) {
      const prepare = this.#hooks?.prepareForwarded;
      const payload = prepare === undefined ? request.payload : prepare(request.payload, request.from);
      if (payload === undefined) continue;
      const outcome = this.#propose(payload);
      if (outcome.kind !== "proposed") {
        // The learner's client learns nothing back and times out, as with a lost request.
        this.#logger.warn({ peer: request.from, reason: outcome.kind }, "dropping a forwarded request");
      }
    }
  }

  /**
   * Executes queued writes strictly in order, reporting each as durable. Consecutive appends go
   * out as one append and one sync: group commit.
   */
  async #pumpWrites(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      // Each iteration removes at least one write; new ones may arrive while awaiting.
      while (!this.#closed && (this.#writeQueue.length > 0 || this.#snapshotDue)) {
        const first = this.#writeQueue[0];
        if (first === undefined) {
          await this.#takeSnapshot();
          continue;
        }
        let lastId = first.id;
        if (first.write.kind === "append") {
          const startedMs = performance.now();
          let transactions = 0;
          while (this.#writeQueue[0]?.write.kind === "append") {
            const next = this.#writeQueue.shift();
            assert(next !== undefined && next.write.kind === "append", "an append is queued");
            this.#storage.log.append(next.write.txns);
            transactions += next.write.txns.length;
            lastId = next.id;
          }
          await this.#storage.log.sync();
          this.#metrics.synced(performance.now() - startedMs, transactions);
        } else {
          this.#writeQueue.shift();
          await this.#executeWrite(first);
        }
        if (this.#closed) return;
        this.#node.persisted(lastId);
        this.#flush();
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#writing = false;
    }
  }

  async #executeWrite({ write }: NumberedWrite): Promise<void> {
    switch (write.kind) {
      case "append":
        throw new ZabError("Invalid", "appends are batched by the caller");
      case "truncate":
        return this.#storage.log.truncateAfter(write.afterZxid);
      case "installSnapshot":
        return this.#storage.installSnapshot({ zxid: write.zxid, data: write.data });
      case "acceptedEpoch":
        return this.#storage.epochs.writeAcceptedEpoch(write.epoch);
      case "currentEpoch":
        return this.#storage.epochs.writeCurrentEpoch(write.epoch);
    }
  }

  /** Saves the state machine at its applied zxid and applies retention to older history. */
  async #takeSnapshot(): Promise<void> {
    this.#snapshotDue = false;
    this.#appliedSinceSnapshot = 0;
    const zxid = this.#node.appliedZxid;
    const data = this.#stateMachine.snapshot();
    await this.#storage.snapshots.save(zxid, data);
    await this.#storage.purge();
    this.#logger.info({ zxid: formatZxid(zxid), bytes: data.byteLength }, "snapshot saved");
  }

  /**
   * A replica that diverged keeps serving (the protocol cannot tell which side is right, and
   * stopping a follower would not repair it), so the report must be impossible to miss: an error,
   * both digests, and the counter in {@link ZabServer.status}.
   */
  #reportDivergence(mismatch: DigestMismatch): void {
    const zxid = formatZxid(mismatch.zxid);
    this.#logger.error(
      {
        zxid,
        leader: mismatch.leader,
        expected: formatDigest(mismatch.expected),
        actual: formatDigest(mismatch.actual),
      },
      `state diverged from leader ${mismatch.leader} at ${zxid}: its digest is ` +
        `${formatDigest(mismatch.expected)}, ours is ${formatDigest(mismatch.actual)}`,
    );
  }

  /** Proposes through the node, counting what became of the command. */
  #propose(payload: Uint8Array): ProposeResult {
    const outcome = this.#node.propose(payload);
    if (outcome.kind === "proposed") this.#metrics.proposed();
    else if (outcome.kind === "rejected" && outcome.reason === "throttled") this.#metrics.throttled();
    return outcome;
  }

  #fail(error: unknown): void {
    const failure = ZabError.isInstance(error)
      ? error
      : new ZabError("StorageFailed", "storage failed; stopping the member", { cause: error });
    this.#failure = failure;
    this.#logger.error({ error: String(failure.cause ?? failure) }, "storage failed; stopping the member");
    void this.close();
  }

  #failPending(error: ZabError): void {
    for (const pending of this.#pendingProposals.values()) pending.reject(error);
    this.#pendingProposals.clear();
  }
}

/** A 64-bit digest as 16 hex digits, the way zxids are shown. */
function formatDigest(digest: bigint): string {
  return `0x${digest.toString(16).padStart(16, "0")}`;
}
