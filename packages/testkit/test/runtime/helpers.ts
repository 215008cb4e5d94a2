/**
 * Shared helpers for the runtime tests: waiting on real time for a condition, and starting a
 * Coordination API member on the in-process networks.
 *
 * @module
 */
import {
  CoordinationServer,
  type CoordinationServerOptions,
  MemoryDataDir,
  openMemoryStorage,
  type ServerId,
  serverId,
} from "@zab/core";
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
export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
