// A scripted stand-in for the members a client talks to, in the manner of ZooKeeper's scripted
// client tests: every channel the client dials is a local channel pair whose member end is
// driven by the test — it decodes what the client sent and answers with encoded replies, in
// whatever order, with whatever faults, the test scripts.

import { expect, vi } from "vitest";
import { type ConnectOptions, connect } from "../../../src/client/client-session.js";
import type { Coordination } from "../../../src/client/coordination.js";
import { localChannelPair } from "../../../src/client/local-channel.js";
import {
  decodeClientToMember,
  encodeMemberToClient,
  SESSION_PASSWORD_BYTES,
} from "../../../src/codec/client-codec.js";
import { ZabError } from "../../../src/errors.js";
import type { ClientChannel, ClientDialer } from "../../../src/ports/client-channel.js";
import type {
  ClientOp,
  ClientRequest,
  ClientToMemberMessage,
  ConnectRequest,
  MemberToClientMessage,
  OpError,
  OpResult,
  Stat,
  WatchEventType,
} from "../../../src/protocol/client-messages.js";
import { epoch, type ServerId, type SessionId, serverId, sessionId } from "../../../src/protocol/ids.js";
import { type Zxid, zxid } from "../../../src/protocol/zxid.js";

export const [M1, M2, M3] = [serverId(1), serverId(2), serverId(3)];

export const SESSION: SessionId = sessionId(0x1234n);
export const PASSWORD = new Uint8Array(SESSION_PASSWORD_BYTES).fill(7);

/** zxid(1, n): a convenient zxid in epoch 1. */
export function z(counter: number): Zxid {
  return zxid(epoch(1), counter);
}

export const STAT: Stat = {
  czxid: z(1),
  mzxid: z(1),
  pzxid: z(1),
  ctime: 0,
  mtime: 0,
  version: 0,
  cversion: 0,
  ephemeralOwner: sessionId(0n),
  dataLength: 0,
  numChildren: 0,
};

/** A FIFO of values, awaited one at a time. */
class Inbox<T> {
  readonly #items: T[] = [];
  readonly #waiters: ((item: T) => void)[] = [];

  put(item: T): void {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) this.#items.push(item);
    else waiter(item);
  }

  take(): Promise<T> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  get size(): number {
    return this.#items.length;
  }
}

/** The member end of one channel the client dialed. */
export class ScriptedMember {
  readonly id: ServerId;
  readonly #channel: ClientChannel;
  readonly #inbox = new Inbox<ClientToMemberMessage>();
  readonly closed: Promise<void>;

  constructor(id: ServerId, channel: ClientChannel) {
    this.id = id;
    this.#channel = channel;
    let markClosed = () => {};
    this.closed = new Promise((resolve) => {
      markClosed = resolve;
    });
    channel.listen({
      frame: (frame) => this.#inbox.put(decodeClientToMember(frame)),
      closed: () => markClosed(),
    });
  }

  /** How many messages arrived and were not taken yet. */
  get unread(): number {
    return this.#inbox.size;
  }

  /** The next message from the client. */
  receive(): Promise<ClientToMemberMessage> {
    return this.#inbox.take();
  }

  /** The next message, which must be the connect request. */
  async receiveConnect(): Promise<ConnectRequest> {
    const message = await this.receive();
    if (message.kind !== "connectRequest") throw new Error(`expected connectRequest, got ${message.kind}`);
    return message;
  }

  /** The next message, which must be a request for `op`. */
  async receiveRequest<Name extends ClientOp["op"]>(
    op: Name,
  ): Promise<ClientRequest & { readonly op: Name }> {
    const message = await this.receive();
    if (message.kind !== "request" || message.op !== op) {
      throw new Error(`expected a ${op} request, got ${JSON.stringify(message, replacer)}`);
    }
    return message as ClientRequest & { readonly op: Name };
  }

  /** Takes the connect request and accepts the session. */
  async accept(options?: { timeoutMs?: number; sessionId?: SessionId }): Promise<ConnectRequest> {
    const request = await this.receiveConnect();
    this.send({
      kind: "connectResponse",
      sessionTimeoutMs: options?.timeoutMs ?? request.sessionTimeoutMs,
      sessionId: options?.sessionId ?? SESSION,
      sessionPassword: PASSWORD,
      serverId: this.id,
    });
    return request;
  }

  /** Takes the connect request and refuses the session as expired (timeout 0). */
  async refuseExpired(): Promise<ConnectRequest> {
    const request = await this.receiveConnect();
    this.send({
      kind: "connectResponse",
      sessionTimeoutMs: 0,
      sessionId: request.sessionId,
      sessionPassword: new Uint8Array(SESSION_PASSWORD_BYTES),
      serverId: this.id,
    });
    this.close();
    return request;
  }

  /** Closes `session` through this member: answers its closeSession, then closes the channel. */
  async closeSession(session: Coordination): Promise<void> {
    const closing = session.close();
    this.reply(await this.receiveRequest("closeSession"), { op: "closeSession" });
    await closing;
    await this.closed;
  }

  /** Answers a request with a result. */
  reply(request: ClientRequest, result: OpResult, at: Zxid = z(1)): void {
    this.send({ kind: "reply", xid: request.xid, zxid: at, ...result });
  }

  /** Answers a request with an error. */
  fail(request: ClientRequest, code: OpError["code"], at: Zxid = z(1)): void {
    this.send({ kind: "reply", xid: request.xid, zxid: at, op: "error", failedOp: request.op, code });
  }

  /** Sends a watch event. */
  event(type: WatchEventType, path: string, at: Zxid): void {
    this.send({ kind: "watchEvent", type, path, zxid: at });
  }

  send(message: MemberToClientMessage): void {
    this.#channel.send(encodeMemberToClient(message));
  }

  close(): void {
    this.#channel.close();
  }
}

/**
 * A {@link ClientDialer} over local channels: each dial opens a channel whose member end the test
 * takes with {@link ScriptedEnsemble.nextDial}. Members put down with {@link ScriptedEnsemble.down}
 * refuse dials with `"ConnectionLoss"`.
 */
export class ScriptedEnsemble implements ClientDialer {
  readonly #dials = new Inbox<ScriptedMember>();
  readonly #down = new Set<ServerId>();
  /** Every member dialed, in order, refused dials included. */
  readonly dialed: ServerId[] = [];

  async dial(member: ServerId, options?: { readonly signal?: AbortSignal }): Promise<ClientChannel> {
    options?.signal?.throwIfAborted();
    this.dialed.push(member);
    if (this.#down.has(member)) throw new ZabError("ConnectionLoss", `member ${member} is down`);
    const [client, server] = localChannelPair();
    this.#dials.put(new ScriptedMember(member, server));
    return client;
  }

  /** Makes dials to `member` fail, or succeed again. */
  down(member: ServerId, isDown = true): void {
    if (isDown) this.#down.add(member);
    else this.#down.delete(member);
  }

  /** The member end of the next channel the client opens. */
  nextDial(): Promise<ScriptedMember> {
    return this.#dials.take();
  }

  /** How many opened channels were not taken yet. */
  get untaken(): number {
    return this.#dials.size;
  }
}

/** Lets every pending local-channel delivery and promise continuation run. */
export async function settle(turns = 5): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Expects `promise` to reject with a ZabError of `code`, and returns it. */
export async function expectZabError(promise: Promise<unknown>, code: ZabError["code"]): Promise<ZabError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(ZabError.isInstance(error), `expected a ZabError ${code}, got ${String(error)}`).toBe(true);
  expect((error as ZabError).code).toBe(code);
  return error as ZabError;
}

/** JSON.stringify replacer for bigints and bytes. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Uint8Array) return `bytes(${value.byteLength})`;
  return value;
}

/**
 * Fakes timers and clocks but not `setImmediate`, on which local channels deliver: the scripted
 * conversation runs as usual while time moves only when the test advances it.
 */
export function useFakeClock(): void {
  vi.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "performance", "Date"],
  });
}

/** Connects a session through `ensemble`, whose first dialed member accepts it. */
export async function connected(
  ensemble: ScriptedEnsemble,
  options?: Partial<ConnectOptions> & { negotiatedTimeoutMs?: number },
): Promise<{ session: Coordination; member: ScriptedMember; request: ConnectRequest }> {
  const { negotiatedTimeoutMs, ...rest } = options ?? {};
  const connecting = connect({ dialer: ensemble, members: [M1, M2, M3], ...rest });
  const member = await ensemble.nextDial();
  const request = await member.accept(
    negotiatedTimeoutMs === undefined ? {} : { timeoutMs: negotiatedTimeoutMs },
  );
  return { session: await connecting, member, request };
}
