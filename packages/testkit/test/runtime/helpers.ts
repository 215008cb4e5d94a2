/**
 * Shared helpers for the runtime tests: waiting on real time for a condition, and starting a
 * Coordination API member on the in-process networks.
 *
 * @module
 */
import {
  type ClientChannel,
  type ClientDialer,
  CoordinationServer,
  type CoordinationServerOptions,
  decodeMemberToClient,
  encodeClientToMember,
  type MemberToClientMessage,
  MemoryDataDir,
  openMemoryStorage,
  PROTOCOL_VERSION,
  SESSION_PASSWORD_BYTES,
  type ServerId,
  serverId,
  sessionId,
  ZXID_ZERO,
} from "@zab/core";
import { expect } from "vitest";
import { waitUntil } from "../../src/conformance/wait-until.js";
import type { MemoryClientNetwork } from "../../src/transport/memory-client-network.js";
import type { MemoryNetwork } from "../../src/transport/memory-network.js";

/** The three voters every runtime test ensemble uses. */
export const voters: readonly ServerId[] = [serverId(1), serverId(2), serverId(3)];

/**
 * Starts one member of a three-voter ensemble: fast ticks, memory storage (a fresh disk unless one
 * is given, to restart a member on what it kept), peers and clients on the in-process networks.
 *
 * @param id - The member.
 * @param networks - The peer network and the client network.
 * @param options - Overrides (a disk to restart on, a shorter session timeout floor, ...).
 * @returns The running member.
 */
export function startMember(
  id: ServerId,
  networks: { readonly network: MemoryNetwork; readonly clients: MemoryClientNetwork },
  options: Partial<Omit<CoordinationServerOptions, "storage">> & { readonly disk?: MemoryDataDir } = {},
): Promise<CoordinationServer> {
  const { disk, ...overrides } = options;
  return CoordinationServer.start({
    id,
    voters,
    tickMs: 10,
    sessionTimeoutMinMs: 200,
    storage: openMemoryStorage(disk ?? new MemoryDataDir()),
    transport: networks.network.transport(id),
    clients: networks.clients.acceptor(id),
    ...overrides,
  });
}

/**
 * Polls `probe` (which may be async) every few milliseconds until it returns something other than
 * `undefined`.
 *
 * @param probe - The condition; returns a value when it holds.
 * @param timeoutMs - How long to wait before failing the test.
 * @returns The probe's value.
 */
export function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  return waitUntil(probe, { timeoutMs });
}

/** A client speaking the wire protocol by hand, to see the member's frames as they come. */
export class RawClient {
  readonly #channel: ClientChannel;
  readonly #inbox: MemberToClientMessage[] = [];
  #closed = false;

  private constructor(channel: ClientChannel) {
    this.#channel = channel;
    channel.listen({
      frame: (frame) => this.#inbox.push(decodeMemberToClient(frame)),
      closed: () => {
        this.#closed = true;
      },
    });
  }

  /** Whether the member closed the channel. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Dials a member without saying anything yet. */
  static async dial(dialer: ClientDialer, member: ServerId): Promise<RawClient> {
    return new RawClient(await dialer.dial(member));
  }

  /** Dials a member and opens a new session. */
  static async open(dialer: ClientDialer, member: ServerId): Promise<RawClient> {
    const client = await RawClient.dial(dialer, member);
    client.#channel.send(
      encodeClientToMember({
        kind: "connectRequest",
        protocolVersion: PROTOCOL_VERSION,
        lastZxidSeen: ZXID_ZERO,
        sessionTimeoutMs: 10_000,
        sessionId: sessionId(0n),
        sessionPassword: new Uint8Array(SESSION_PASSWORD_BYTES),
      }),
    );
    const [response] = await client.take(1);
    expect(response?.kind).toBe("connectResponse");
    return client;
  }

  /** Sends one message. */
  send(message: Parameters<typeof encodeClientToMember>[0]): void {
    this.#channel.send(encodeClientToMember(message));
  }

  /** Sends raw bytes, well-formed or not. */
  sendBytes(frame: Uint8Array): void {
    this.#channel.send(frame);
  }

  /** The next `count` messages from the member, waiting for them. */
  async take(count: number): Promise<MemberToClientMessage[]> {
    await until(() => (this.#inbox.length >= count ? true : undefined), 5_000);
    return this.#inbox.splice(0, count);
  }

  /** Closes the channel. */
  close(): void {
    this.#channel.close();
  }
}
