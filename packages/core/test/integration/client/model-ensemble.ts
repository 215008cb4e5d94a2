// A small executable model of an ensemble, as seen by clients: one shared data tree and session
// table served by several "members" over local channels, with ZooKeeper's semantics for the
// operations a lock recipe uses (create with sequential and ephemeral modes, delete, reads with
// one-shot watches, persistent watches, sync, ping, closeSession), session expiry by the
// ensemble's own clock, member crashes and client partitions. It stands in for the real member
// side so that the client can be exercised end to end with real timers; it is a reference model,
// not an implementation of ZAB.

import { localChannelPair } from "../../../src/client/local-channel.js";
import {
  decodeClientToMember,
  encodeMemberToClient,
  SESSION_PASSWORD_BYTES,
} from "../../../src/codec/client-codec.js";
import { ZabError, type ZabErrorCode } from "../../../src/errors.js";
import type { ClientChannel, ClientDialer } from "../../../src/ports/client-channel.js";
import type {
  AddWatchMode,
  ClientRequest,
  ConnectRequest,
  MemberToClientMessage,
  OpResult,
  Stat,
  WatchEventType,
} from "../../../src/protocol/client-messages.js";
import { epoch, type ServerId, type SessionId, sessionId } from "../../../src/protocol/ids.js";
import { type Zxid, zxid } from "../../../src/protocol/zxid.js";

interface ModelNode {
  data: Uint8Array;
  version: number;
  cversion: number;
  readonly czxid: Zxid;
  mzxid: Zxid;
  pzxid: Zxid;
  readonly ephemeralOwner: SessionId;
  readonly children: Set<string>;
}

interface ModelSession {
  readonly password: Uint8Array;
  readonly timeoutMs: number;
  lastHeardMs: number;
}

/** What one client connection has asked to be told about. */
interface ConnectionWatches {
  readonly node: Set<string>;
  readonly children: Set<string>;
  readonly persistent: Map<string, Set<AddWatchMode>>;
}

class ModelConnection {
  session: SessionId | undefined;
  readonly watches: ConnectionWatches = { node: new Set(), children: new Set(), persistent: new Map() };

  constructor(
    readonly member: ServerId,
    readonly channel: ClientChannel,
    readonly client: string,
  ) {}

  send(message: MemberToClientMessage): void {
    this.channel.send(encodeMemberToClient(message));
  }
}

class RequestError extends Error {
  constructor(readonly code: ZabErrorCode) {
    super(code);
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The model ensemble. Dispose it to stop its expiry clock and close every channel. */
export class ModelEnsemble implements Disposable {
  readonly #nodes = new Map<string, ModelNode>();
  readonly #sessions = new Map<SessionId, ModelSession>();
  readonly #connections = new Set<ModelConnection>();
  readonly #down = new Set<ServerId>();
  readonly #cut = new Set<string>();
  readonly #expiry: ReturnType<typeof setInterval>;
  #counter = 0;
  #nextSession = 1n;

  constructor(readonly sessionTimeoutMaxMs: number) {
    const zero = this.#zxid();
    this.#nodes.set("/", {
      data: new Uint8Array(),
      version: 0,
      cversion: 0,
      czxid: zero,
      mzxid: zero,
      pzxid: zero,
      ephemeralOwner: sessionId(0n),
      children: new Set(),
    });
    // The leader's session tracker: a session nobody heard from within its timeout is closed.
    this.#expiry = setInterval(() => {
      const now = performance.now();
      for (const [id, session] of this.#sessions) {
        if (now - session.lastHeardMs > session.timeoutMs) this.#closeSession(id, true);
      }
    }, 10);
  }

  /** Whether a node exists. */
  has(path: string): boolean {
    return this.#nodes.has(path);
  }

  /** How many sessions are alive. */
  get sessions(): number {
    return this.#sessions.size;
  }

  /** A dialer for one client, which {@link ModelEnsemble.partition} can cut off. */
  dialer(client: string): ClientDialer {
    return {
      dial: async (member) => {
        if (this.#down.has(member) || this.#cut.has(client)) {
          throw new ZabError("ConnectionLoss", `member ${member} is unreachable from ${client}`);
        }
        const [clientEnd, memberEnd] = localChannelPair();
        const connection = new ModelConnection(member, memberEnd, client);
        this.#connections.add(connection);
        memberEnd.listen({
          frame: (frame) => this.#receive(connection, frame),
          closed: () => this.#connections.delete(connection),
        });
        return clientEnd;
      },
    };
  }

  /** Crashes a member: its channels break and it refuses new ones until restarted. */
  crash(member: ServerId): void {
    this.#down.add(member);
    for (const connection of this.#connections) if (connection.member === member) connection.channel.close();
  }

  /** Cuts a client off from every member, or heals the cut. */
  partition(client: string, cut = true): void {
    if (!cut) {
      this.#cut.delete(client);
      return;
    }
    this.#cut.add(client);
    for (const connection of this.#connections) if (connection.client === client) connection.channel.close();
  }

  [Symbol.dispose](): void {
    clearInterval(this.#expiry);
    for (const connection of this.#connections) connection.channel.close();
  }

  #zxid(): Zxid {
    const value = zxid(epoch(1), this.#counter);
    this.#counter += 1;
    return value;
  }

  get #lastZxid(): Zxid {
    return zxid(epoch(1), this.#counter - 1);
  }

  #receive(connection: ModelConnection, frame: Uint8Array): void {
    const message = decodeClientToMember(frame);
    if (message.kind === "connectRequest") {
      this.#handshake(connection, message);
      return;
    }
    if (message.kind === "statusRequest") {
      // The model serves sessions only; a member that cannot report hangs up, as here.
      connection.channel.close();
      return;
    }
    const session = connection.session === undefined ? undefined : this.#sessions.get(connection.session);
    if (session === undefined) {
      connection.send({
        kind: "reply",
        xid: message.xid,
        zxid: this.#lastZxid,
        op: "error",
        failedOp: message.op,
        code: "SessionExpired",
      });
      return;
    }
    session.lastHeardMs = performance.now();
    let result: OpResult;
    try {
      result = this.#apply(connection, message);
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      connection.send({
        kind: "reply",
        xid: message.xid,
        zxid: this.#lastZxid,
        op: "error",
        failedOp: message.op,
        code: error.code,
      });
      return;
    }
    connection.send({ kind: "reply", xid: message.xid, zxid: this.#lastZxid, ...result });
    if (message.op === "closeSession") connection.channel.close();
  }

  #handshake(connection: ModelConnection, request: ConnectRequest): void {
    let id = request.sessionId;
    const fresh = id === 0n;
    if (fresh) {
      id = sessionId(this.#nextSession);
      this.#nextSession += 1n;
      this.#sessions.set(id, {
        password: new Uint8Array(SESSION_PASSWORD_BYTES).fill(Number(id)),
        timeoutMs: Math.min(request.sessionTimeoutMs, this.sessionTimeoutMaxMs),
        lastHeardMs: performance.now(),
      });
    }
    const session = this.#sessions.get(id);
    const proven = fresh || session?.password.every((byte, i) => byte === request.sessionPassword[i]);
    if (session === undefined || !proven) {
      connection.send({
        kind: "connectResponse",
        sessionTimeoutMs: 0,
        sessionId: id,
        sessionPassword: new Uint8Array(SESSION_PASSWORD_BYTES),
        serverId: connection.member,
      });
      connection.channel.close();
      return;
    }
    session.lastHeardMs = performance.now();
    connection.session = id;
    connection.send({
      kind: "connectResponse",
      sessionTimeoutMs: session.timeoutMs,
      sessionId: id,
      sessionPassword: session.password,
      serverId: connection.member,
    });
  }

  #apply(connection: ModelConnection, request: ClientRequest): OpResult {
    const owner = connection.session ?? sessionId(0n);
    switch (request.op) {
      case "create": {
        const parent = this.#node(parentOf(request.path));
        if (parent.ephemeralOwner !== 0n) throw new RequestError("NoChildrenForEphemerals");
        const sequential = request.mode === "persistentSequential" || request.mode === "ephemeralSequential";
        const path = sequential
          ? `${request.path}${String(parent.cversion).padStart(10, "0")}`
          : request.path;
        if (this.#nodes.has(path)) throw new RequestError("NodeExists");
        const at = this.#zxid();
        const ephemeral = request.mode === "ephemeral" || request.mode === "ephemeralSequential";
        this.#nodes.set(path, {
          data: request.data,
          version: 0,
          cversion: 0,
          czxid: at,
          mzxid: at,
          pzxid: at,
          ephemeralOwner: ephemeral ? owner : sessionId(0n),
          children: new Set(),
        });
        parent.children.add(nameOf(path));
        parent.cversion += 1;
        parent.pzxid = at;
        this.#fire("nodeCreated", path, at);
        this.#fire("nodeChildrenChanged", parentOf(path), at);
        return { op: "create", path, stat: this.#stat(path) };
      }
      case "delete": {
        const node = this.#node(request.path);
        if (request.version !== -1 && request.version !== node.version) throw new RequestError("BadVersion");
        if (node.children.size > 0) throw new RequestError("NotEmpty");
        this.#delete(request.path);
        return { op: "delete" };
      }
      case "setData": {
        const node = this.#node(request.path);
        if (request.version !== -1 && request.version !== node.version) throw new RequestError("BadVersion");
        const at = this.#zxid();
        node.data = request.data;
        node.version += 1;
        node.mzxid = at;
        this.#fire("nodeDataChanged", request.path, at);
        return { op: "setData", stat: this.#stat(request.path) };
      }
      case "getData": {
        const node = this.#node(request.path);
        if (request.watch) connection.watches.node.add(request.path);
        return { op: "getData", data: node.data, stat: this.#stat(request.path) };
      }
      case "exists":
        // ZooKeeper leaves an exists watch on a missing node too: it fires on creation.
        if (request.watch) connection.watches.node.add(request.path);
        this.#node(request.path);
        return { op: "exists", stat: this.#stat(request.path) };
      case "getChildren": {
        const node = this.#node(request.path);
        if (request.watch) connection.watches.children.add(request.path);
        return { op: "getChildren", children: [...node.children], stat: this.#stat(request.path) };
      }
      case "addWatch": {
        const modes = connection.watches.persistent.get(request.path) ?? new Set();
        modes.add(request.mode);
        connection.watches.persistent.set(request.path, modes);
        return { op: "addWatch" };
      }
      case "removeWatches":
        if (request.watcherType === "persistent" || request.watcherType === "persistentRecursive") {
          connection.watches.persistent.get(request.path)?.delete(request.watcherType);
        }
        return { op: "removeWatches" };
      case "sync":
        return { op: "sync", path: request.path };
      case "ping":
        return { op: "ping" };
      case "closeSession":
        this.#closeSession(owner, false);
        return { op: "closeSession" };
      case "multi":
        throw new RequestError("Invalid");
    }
  }

  #node(path: string): ModelNode {
    const node = this.#nodes.get(path);
    if (node === undefined) throw new RequestError("NoNode");
    return node;
  }

  #stat(path: string): Stat {
    const node = this.#node(path);
    return {
      czxid: node.czxid,
      mzxid: node.mzxid,
      pzxid: node.pzxid,
      ctime: 0,
      mtime: 0,
      version: node.version,
      cversion: node.cversion,
      ephemeralOwner: node.ephemeralOwner,
      dataLength: node.data.byteLength,
      numChildren: node.children.size,
    };
  }

  #delete(path: string): void {
    const at = this.#zxid();
    this.#nodes.delete(path);
    const parent = this.#node(parentOf(path));
    parent.children.delete(nameOf(path));
    parent.cversion += 1;
    parent.pzxid = at;
    this.#fire("nodeDeleted", path, at);
    this.#fire("nodeChildrenChanged", parentOf(path), at);
  }

  /** Ends a session; an expired one also loses its channels, as a member closes them. */
  #closeSession(id: SessionId, expired: boolean): void {
    if (!this.#sessions.delete(id)) return;
    const owned = [...this.#connections].filter((connection) => connection.session === id);
    for (const connection of owned) connection.session = undefined;
    for (const [path, node] of [...this.#nodes]) if (node.ephemeralOwner === id) this.#delete(path);
    if (expired) for (const connection of owned) connection.channel.close();
  }

  /** Sends one event per connection that watches it, consuming the one-shot watches it fires. */
  #fire(type: WatchEventType, path: string, at: Zxid): void {
    for (const connection of this.#connections) {
      const { node, children, persistent } = connection.watches;
      let wanted = false;
      if (type !== "nodeChildrenChanged" && node.delete(path)) wanted = true;
      if ((type === "nodeChildrenChanged" || type === "nodeDeleted") && children.delete(path)) wanted = true;
      if (persistent.get(path)?.has("persistent")) wanted = true;
      for (let ancestor = path; type !== "nodeChildrenChanged"; ancestor = parentOf(ancestor)) {
        if (persistent.get(ancestor)?.has("persistentRecursive")) wanted = true;
        if (ancestor === "/") break;
      }
      if (wanted && connection.session !== undefined)
        connection.send({ kind: "watchEvent", type, path, zxid: at });
    }
  }
}
