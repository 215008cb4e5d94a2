/**
 * One client's connection to a member: the handshake that creates or moves its session, and the
 * requests it sends, answered in order; or, instead of a session, one status report.
 *
 * @module
 */
import { assert } from "../assert.js";
import {
  decodeClientToMember,
  encodeMemberToClient,
  encodeStatusResponse,
  SESSION_PASSWORD_BYTES,
} from "../codec/client-codec.js";
import { ZabError } from "../errors.js";
import type { ClientChannel } from "../ports/client-channel.js";
import type { Logger } from "../ports/logger.js";
import type {
  ClientOp,
  ClientReply,
  ClientRequest,
  ConnectRequest,
  MemberStatus,
  MemberToClientMessage,
  OpError,
  OpResult,
  WatchEvent,
} from "../protocol/client-messages.js";
import { type ServerId, type SessionId, sessionId as toSessionId } from "../protocol/ids.js";
import type { ProposeResult } from "../protocol/zab-node.js";
import { ZXID_ZERO, type Zxid } from "../protocol/zxid.js";
import type { DataTree } from "../tree/data-tree.js";
import { validateTreeOp } from "../tree/request-validation.js";
import type { TreeOutcome } from "../tree/tree-applied.js";
import type { TreeLimits } from "../tree/tree-limits.js";
import type { TreeTxnOp } from "../tree/tree-txn.js";
import type { ChangeHistory } from "./change-history.js";
import { persistentWatchSees, type WatchKind, type WatchManager } from "./watch-manager.js";

/**
 * What a connection needs from the member that serves it.
 *
 * @internal
 */
export interface MemberServices {
  readonly serverId: ServerId;
  readonly tree: DataTree;
  readonly limits: TreeLimits;
  /** Per-connection and session-count limits. */
  readonly connectionLimits: {
    /** New sessions are refused once the ensemble holds this many. */
    readonly sessionsMax: number;
    /** Watches one connection may hold. */
    readonly watchesMax: number;
    /** Requests one connection may have waiting for their turn. */
    readonly queuedRequestsMax: number;
  };
  readonly sessionTimeoutMinMs: number;
  readonly sessionTimeoutMaxMs: number;
  readonly watches: WatchManager<ClientConnection>;
  /** The latest changes applied here, to replay to watches; complete up to the tree's last zxid. */
  readonly history: ChangeHistory;
  readonly logger: Logger;
  /** Whether this member is synchronized and may serve clients. */
  isServing(): boolean;
  /**
   * Whether the member is firing the watches of transactions its tree already applied: a read
   * now would reflect changes whose events have not gone out yet, so reads wait.
   */
  isApplying(): boolean;
  /** Hands a data tree operation to the ensemble (leader proposes, follower forwards). */
  submit(sessionId: SessionId, cxid: number, op: TreeTxnOp): ProposeResult;
  /** A new session id and password, unique across the ensemble. */
  newSession(): { readonly sessionId: SessionId; readonly password: Uint8Array };
  /** Records that a session's client is active. */
  touch(sessionId: SessionId): void;
  /** Counts a client request by operation, for the member's metrics. */
  requested(op: ClientOp["op"]): void;
  /**
   * Binds the connection's session to it (replacing any older connection of the same session),
   * so that the session's outcomes, and its expiry, reach this connection.
   */
  attach(connection: ClientConnection): void;
  /** Forgets the connection (it closed). */
  detach(connection: ClientConnection): void;
  /** What the member reports to a status request, or `undefined` when it cannot report now. */
  status(): MemberStatus | undefined;
}

/** A request waiting for its turn to be answered: replies go out in request order. */
interface PendingReply {
  readonly xid: number;
  /** The reply once known. */
  reply: MemberToClientMessage | undefined;
  /**
   * For requests answered from the member's state (reads, setting and removing watches): computes
   * the reply against the state at the moment it reaches the front, with the watch events that
   * must follow it before anything else (those an addWatch replays).
   */
  readonly read?: () => readonly [ClientReply, ...WatchEvent[]];
  /** For writes: builds the reply once the transaction was applied here. */
  readonly applied?: (zxid: Zxid, outcome: TreeOutcome) => MemberToClientMessage;
}

/**
 * The member side of one client channel.
 *
 * @remarks
 * Replies leave in request order, so a read sent after a write is answered after the write
 * was applied here: a session reads its own writes. A write's reply leaves once this member
 * applied the transaction. Watches are set and removed as their request reaches the front of
 * the line too, in request order; a persistent watch set with a `fromZxid` is followed at once
 * by the changes it replays, so nothing else comes between its reply and them.
 * @internal
 */
export class ClientConnection {
  /** `joining`: the session's createSession or attachSession is on its way through the leader. */
  #state: "handshake" | "joining" | "serving" | "closed" = "handshake";
  #sessionId: SessionId = toSessionId(0n);
  #timeoutMs = 0;
  #password: Uint8Array = new Uint8Array(SESSION_PASSWORD_BYTES);
  readonly #queue: PendingReply[] = [];

  /**
   * @param channel - The client's channel; this connection starts listening on it.
   * @param member - The member's services.
   */
  constructor(
    private readonly channel: ClientChannel,
    private readonly member: MemberServices,
  ) {
    channel.listen({
      frame: (frame) => this.#receive(frame),
      closed: () => this.#closed(),
    });
  }

  /** The session this connection serves (0 until the handshake completes). */
  get sessionId(): SessionId {
    return this.#sessionId;
  }

  /** Whether the handshake completed. */
  get isServing(): boolean {
    return this.#state === "serving";
  }

  /**
   * The session this connection asked for (a new one, or its move here) was applied: answer the
   * client's connect, or tell it the session is gone.
   *
   * @param outcome - The createSession or attachSession outcome.
   */
  sessionJoined(outcome: TreeOutcome): void {
    if (this.#state !== "joining") return;
    if (outcome.op === "error" && outcome.code === "SessionExpired") {
      this.#refuseSession(this.#sessionId);
      return;
    }
    if (outcome.op !== "createSession" && outcome.op !== "attachSession") {
      this.close("the session could not be joined");
      return;
    }
    this.#state = "serving";
    this.member.touch(this.#sessionId);
    this.#send({
      kind: "connectResponse",
      sessionTimeoutMs: this.#timeoutMs,
      sessionId: this.#sessionId,
      sessionPassword: this.#password,
      serverId: this.member.serverId,
    });
  }

  /**
   * Answers a write this connection sent, once its transaction was applied here.
   *
   * @param cxid - The request's xid.
   * @param zxid - The transaction's zxid.
   * @param outcome - What applying it returned.
   */
  writeApplied(cxid: number, zxid: Zxid, outcome: TreeOutcome): void {
    const pending = this.#queue.find((entry) => entry.xid === cxid && entry.reply === undefined);
    if (pending?.applied === undefined) return;
    pending.reply = pending.applied(zxid, outcome);
    this.#flush();
  }

  /**
   * Answers the reads that waited for the member to fire the watches of the batch it applied.
   */
  batchApplied(): void {
    this.#flush();
  }

  /**
   * Sends a watch event.
   *
   * @param event - The change.
   */
  notify(event: WatchEvent): void {
    this.#send(event);
  }

  /**
   * Closes the channel; the client will reconnect (elsewhere, or find its session gone).
   *
   * @param reason - For the log.
   */
  close(reason: string): void {
    if (this.#state === "closed") return;
    this.member.logger.debug(
      { session: this.#sessionId.toString(16) },
      `closing a client connection: ${reason}`,
    );
    this.channel.close();
    this.#closed();
  }

  #closed(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#queue.length = 0;
    this.member.watches.removeAll(this);
    this.member.detach(this);
  }

  #receive(frame: Uint8Array): void {
    // Frames the client sent before it learned of the close may still arrive.
    if (this.#state === "closed") return;
    let message: ReturnType<typeof decodeClientToMember>;
    try {
      message = decodeClientToMember(frame);
    } catch (error) {
      this.close(`an undecodable frame: ${String(error)}`);
      return;
    }
    if (message.kind === "connectRequest") {
      if (this.#state !== "handshake") this.close("a second connect request");
      else this.#connect(message);
      return;
    }
    if (message.kind === "statusRequest") {
      if (this.#state !== "handshake") this.close("a status request on a session's channel");
      else this.#reportStatus();
      return;
    }
    if (this.#state !== "serving") {
      this.close("a request before the session was established");
      return;
    }
    if (this.#queue.length >= this.member.connectionLimits.queuedRequestsMax) {
      this.member.logger.warn(
        { session: this.#sessionId.toString(16), queued: this.#queue.length },
        "closing a client connection that does not wait for its replies (queuedRequestsPerConnectionMax)",
      );
      this.close("too many requests queued");
      return;
    }
    this.member.touch(this.#sessionId);
    this.#request(message);
  }

  #connect(request: ConnectRequest): void {
    const { member } = this;
    // A member that is not synchronized, or behind what the client already saw, must not serve
    // it: the client would see time go backwards. It tries another member.
    if (!member.isServing() || request.lastZxidSeen > member.tree.lastZxid) {
      this.close("cannot serve this client now");
      return;
    }
    if (request.sessionId === 0n) {
      if (member.tree.sessionCount >= member.connectionLimits.sessionsMax) {
        member.logger.warn(
          { sessions: member.tree.sessionCount },
          `refusing a new session: the ensemble holds sessionsMax (${member.connectionLimits.sessionsMax}) sessions`,
        );
        this.close("sessionsMax reached");
        return;
      }
      const { sessionId, password } = member.newSession();
      this.#sessionId = sessionId;
      this.#password = password;
      this.#timeoutMs = Math.min(
        member.sessionTimeoutMaxMs,
        Math.max(member.sessionTimeoutMinMs, request.sessionTimeoutMs),
      );
      this.#state = "joining";
      member.attach(this);
      const outcome = member.submit(sessionId, 0, {
        op: "createSession",
        sessionId,
        timeoutMs: this.#timeoutMs,
        password,
      });
      if (outcome.kind === "rejected") this.close("the ensemble cannot create a session now");
      return;
    }
    const session = member.tree.session(request.sessionId);
    if (session === undefined || !equalBytes(session.password, request.sessionPassword)) {
      this.#refuseSession(request.sessionId);
      return;
    }
    this.#sessionId = session.sessionId;
    this.#password = session.password;
    this.#timeoutMs = session.timeoutMs;
    this.#state = "joining";
    member.attach(this);
    // The client is answered once the move is ordered through the leader: a write it sent on the
    // connection it lost is then either visible here or refused for good (SessionOwners).
    const outcome = member.submit(session.sessionId, 0, {
      op: "attachSession",
      sessionId: session.sessionId,
      serverId: member.serverId,
    });
    if (outcome.kind === "rejected") this.close("the ensemble cannot move the session now");
  }

  /** Expired, closed, never existed, or not this client's: tell the client, once, and hang up. */
  #refuseSession(sessionId: SessionId): void {
    this.#send({
      kind: "connectResponse",
      sessionTimeoutMs: 0,
      sessionId,
      sessionPassword: new Uint8Array(SESSION_PASSWORD_BYTES),
      serverId: this.member.serverId,
    });
    this.close("the session is not open");
  }

  /**
   * Answers a status request and hangs up: the channel carries no session, so nothing else may
   * follow on it (ZooKeeper's four-letter words work the same way).
   */
  #reportStatus(): void {
    const status = this.member.status();
    if (status === undefined) {
      this.close("cannot report a status now");
      return;
    }
    this.channel.send(encodeStatusResponse({ kind: "statusResponse", ...status }));
    this.close("the status was reported");
  }

  #request(request: ClientRequest): void {
    const { xid } = request;
    this.member.requested(request.op);
    switch (request.op) {
      case "ping":
        this.#answer(xid, { op: "ping" });
        return;
      case "getData":
      case "exists":
      case "getChildren":
        this.#queue.push({ xid, reply: undefined, read: () => [this.#read(request)] });
        this.#flush();
        return;
      case "addWatch":
        this.#queue.push({ xid, reply: undefined, read: () => this.#addWatch(request) });
        this.#flush();
        return;
      case "removeWatches":
        this.#queue.push({ xid, reply: undefined, read: () => [this.#removeWatches(request)] });
        this.#flush();
        return;
      case "sync":
        // An empty multi is a no-op transaction: once it is applied here, so is everything the
        // leader committed before it, and reads that follow are up to date.
        this.#write(xid, "sync", { op: "multi", ops: [] }, (zxid) =>
          this.#reply(xid, zxid, { op: "sync", path: request.path }),
        );
        return;
      case "closeSession":
        this.#write(xid, "closeSession", { op: "closeSession", sessionId: this.#sessionId });
        return;
      case "create":
      case "delete":
      case "setData":
      case "multi":
        try {
          validateTreeOp(request, this.member.limits);
        } catch (error) {
          this.#answerError(xid, request.op, ZabError.isInstance(error) ? error.code : "Invalid");
          return;
        }
        this.#write(xid, request.op, stripKind(request));
        return;
    }
  }

  /**
   * Proposes a write for this session; its reply waits in line until the transaction is applied.
   *
   * @param name - The client op, for an error reply.
   * @param reply - Builds the reply from the applied outcome (default: the outcome itself).
   */
  #write(
    xid: number,
    name: ClientOp["op"],
    op: TreeTxnOp,
    reply: (zxid: Zxid, outcome: TreeOutcome) => MemberToClientMessage = (zxid, outcome) =>
      this.#reply(xid, zxid, toClientOutcome(outcome, name)),
  ): void {
    const outcome = this.member.submit(this.#sessionId, xid, op);
    if (outcome.kind === "rejected") {
      this.#answerError(xid, name, outcome.reason === "throttled" ? "Throttled" : "ConnectionLoss");
      return;
    }
    this.#queue.push({ xid, reply: undefined, applied: reply });
  }

  #read(request: Extract<ClientRequest, { op: "getData" | "exists" | "getChildren" }>): ClientReply {
    const { tree, watches } = this.member;
    const zxid = tree.lastZxid;
    const kind = request.op === "getData" ? "data" : request.op === "getChildren" ? "children" : "exists";
    if (request.watch && !this.#mayWatch(kind, request.path)) {
      return this.#reply(request.xid, zxid, { op: "error", failedOp: request.op, code: "Throttled" });
    }
    try {
      const result =
        request.op === "getData"
          ? tree.getData(request.path)
          : request.op === "exists"
            ? tree.exists(request.path)
            : tree.getChildren(request.path);
      if (request.watch) watches.add(this, kind, request.path);
      return this.#reply(request.xid, zxid, result);
    } catch (error) {
      if (!ZabError.isInstance(error)) throw error;
      // ZooKeeper sets an exists watch on a missing node: it fires when the node is created.
      if (request.watch && request.op === "exists" && error.code === "NoNode")
        watches.add(this, "exists", request.path);
      return this.#reply(request.xid, zxid, { op: "error", failedOp: request.op, code: error.code });
    }
  }

  /**
   * Sets a persistent watch and, for a `fromZxid`, replays the retained changes after it that
   * the watch sees: the reply, at the zxid the watch starts after, then those changes in applied
   * order. Refuses a `fromZxid` this member has not applied yet (`Unavailable`: the client saw
   * more than this member, which the handshake already refuses) or whose changes it no longer
   * holds (`WatchOverflow`).
   */
  #addWatch(request: Extract<ClientRequest, { op: "addWatch" }>): readonly [ClientReply, ...WatchEvent[]] {
    const { tree, watches, history } = this.member;
    const { xid, path, mode, fromZxid } = request;
    const zxid = tree.lastZxid;
    assert(history.lastZxid === zxid, "the change history is complete up to the tree's last zxid");
    const resuming = fromZxid !== ZXID_ZERO;
    if (resuming && fromZxid > zxid) {
      return [this.#reply(xid, zxid, { op: "error", failedOp: "addWatch", code: "Unavailable" })];
    }
    if (resuming && !history.holdsChangesAfter(fromZxid)) {
      return [this.#reply(xid, zxid, { op: "error", failedOp: "addWatch", code: "WatchOverflow" })];
    }
    if (!this.#mayWatch(mode, path)) {
      return [this.#reply(xid, zxid, { op: "error", failedOp: "addWatch", code: "Throttled" })];
    }
    watches.add(this, mode, path);
    const reply = this.#reply(xid, zxid, { op: "addWatch" });
    if (!resuming) return [reply];
    const replayed: WatchEvent[] = [];
    for (const change of history.changesAfter(fromZxid)) {
      if (persistentWatchSees(mode, path, change.type, change.path))
        replayed.push({ kind: "watchEvent", ...change });
    }
    return [reply, ...replayed];
  }

  /** Whether this connection may hold this watch: it already does, or it is under its limit. */
  #mayWatch(kind: WatchKind, path: string): boolean {
    const { watches, connectionLimits } = this.member;
    return watches.has(this, kind, path) || watches.countOf(this) < connectionLimits.watchesMax;
  }

  #removeWatches(request: Extract<ClientRequest, { op: "removeWatches" }>): ClientReply {
    const kinds: readonly WatchKind[] =
      request.watcherType === "any" ? ["data", "exists", "children"] : [toWatchKind(request.watcherType)];
    const removed = this.member.watches.remove(this, kinds, request.path);
    return this.#reply(
      request.xid,
      this.member.tree.lastZxid,
      removed ? { op: "removeWatches" } : { op: "error", failedOp: "removeWatches", code: "NoNode" },
    );
  }

  #answer(xid: number, result: OpResult): void {
    this.#queue.push({ xid, reply: this.#reply(xid, this.member.tree.lastZxid, result) });
    this.#flush();
  }

  #answerError(xid: number, failedOp: ClientOp["op"], code: OpError["code"]): void {
    this.#queue.push({
      xid,
      reply: this.#reply(xid, this.member.tree.lastZxid, { op: "error", failedOp, code }),
    });
    this.#flush();
  }

  #reply(xid: number, zxid: Zxid, outcome: OpResult | OpError): ClientReply {
    return { kind: "reply", xid, zxid, ...outcome };
  }

  /** Sends every reply at the front of the line that is ready, computing reads as they come up. */
  #flush(): void {
    // Each iteration removes the front entry; it stops at the first write still in flight.
    for (;;) {
      const front = this.#queue[0];
      if (front === undefined) return;
      // A write in flight, or a read while the member is still firing watches.
      if (front.reply === undefined && (front.read === undefined || this.member.isApplying())) return;
      this.#queue.shift();
      const messages = front.reply === undefined ? (front.read?.() ?? []) : [front.reply];
      for (const message of messages) this.#send(message);
      const reply = messages[0];
      if (reply?.kind === "reply" && reply.op === "closeSession") {
        this.close("the session closed");
        return;
      }
    }
  }

  #send(message: MemberToClientMessage): void {
    if (this.#state === "closed") return;
    this.channel.send(encodeMemberToClient(message));
  }
}

/** The client's view of a write's outcome; `name` is the op the client sent. */
function toClientOutcome(outcome: TreeOutcome, name: ClientOp["op"]): OpResult | OpError {
  if (outcome.op === "error") return { op: "error", failedOp: name, code: outcome.code };
  // A client never sends createSession or attachSession; their outcomes reach sessionJoined.
  if (outcome.op === "createSession" || outcome.op === "attachSession")
    return { op: "error", failedOp: name, code: "Invalid" };
  return outcome;
}

function toWatchKind(type: "children" | "data" | "persistent" | "persistentRecursive"): WatchKind {
  return type;
}

function stripKind(
  request: Extract<ClientRequest, { op: "create" | "delete" | "setData" | "multi" }>,
): TreeTxnOp {
  const { kind: _kind, xid: _xid, ...op } = request;
  return op;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let difference = 0;
  // Constant time in the length, so a wrong password does not leak where it differs.
  for (let i = 0; i < a.byteLength; i += 1) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}
