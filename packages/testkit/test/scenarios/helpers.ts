/**
 * Shared helpers for the named fault scenarios in this folder: starting an ensemble, committing
 * writes through whoever leads, reading what a member holds on disk, and checking convergence.
 *
 * Every helper is deterministic: it only drives the simulation it is given.
 *
 * @module
 */
import { formatZxid, type ServerId, type Zxid } from "@zab/core";
import { expect } from "vitest";
import { Simulation, type SimulationOptions } from "../../src/sim/simulation.js";

const decoder = new TextDecoder();

/** @returns A payload as the text the simulation wrote into it (`p17`). */
export function text(payload: Uint8Array): string {
  return decoder.decode(payload);
}

/** A bounded trace buffer: keeps the last lines of a run so a failing scenario can print them. */
export class TraceTail {
  readonly #lines: string[] = [];
  constructor(readonly max = 400) {}

  /** The function to pass as `trace`. */
  readonly push = (line: string): void => {
    this.#lines.push(line);
    if (this.#lines.length > this.max) this.#lines.splice(0, this.#lines.length - this.max);
  };

  /** @returns The kept lines, oldest first. */
  get lines(): readonly string[] {
    return this.#lines;
  }

  /** @returns The kept lines matching a filter. */
  grep(pattern: RegExp): string[] {
    return this.#lines.filter((line) => pattern.test(line));
  }
}

/**
 * Tells whether every given member is in broadcast under one leader.
 *
 * @param sim - The simulation.
 * @param members - The members that must serve (default: every live member).
 * @returns `true` when they have settled.
 */
export function allServing(sim: Simulation, members: readonly ServerId[] = sim.liveIds): boolean {
  const leader = sim.leader();
  if (leader === undefined) return false;
  return members.every((id) => {
    const node = sim.node(id);
    return node?.phase === "broadcast" && node.leader === leader;
  });
}

/**
 * Runs until every given member serves under one leader.
 *
 * @param sim - The simulation.
 * @param members - The members that must serve (default: every live member, re-read each step).
 * @param maxMs - The bound.
 * @returns The leader.
 */
export function settle(sim: Simulation, members?: readonly ServerId[], maxMs = 5_000): ServerId {
  const settled = sim.runUntil(() => allServing(sim, members ?? sim.liveIds), maxMs);
  expect(settled, `ensemble settles within ${maxMs} ms (t=${sim.now})`).toBe(true);
  const leader = sim.leader();
  if (leader === undefined) throw new Error("a settled ensemble has a leader");
  return leader;
}

/**
 * Builds a simulation and runs it until every member serves.
 *
 * @param options - The simulation options.
 * @returns The simulation and its first leader.
 */
export function startEnsemble(options: SimulationOptions): { sim: Simulation; leader: ServerId } {
  const sim = new Simulation(options);
  const leader = settle(sim);
  return { sim, leader };
}

/**
 * Proposes `count` fresh writes at the current leader, re-proposing refused ones, and runs until
 * all are committed.
 *
 * @param sim - The simulation.
 * @param count - How many writes.
 * @param maxMs - The bound.
 * @returns The payloads, in proposal order.
 */
export function commitWrites(sim: Simulation, count: number, maxMs = 5_000): Uint8Array[] {
  const payloads = Array.from({ length: count }, () => sim.nextPayload());
  const queue = [...payloads];
  const deadline = sim.now + maxMs;
  while (queue.length > 0 && sim.now < deadline) {
    const leader = sim.leader();
    const next = queue[0];
    if (leader !== undefined && next !== undefined && sim.propose(leader, next)?.kind === "proposed") {
      queue.shift();
      continue;
    }
    sim.run(5);
  }
  const done = sim.runUntil(
    () => payloads.every((p) => sim.checker.isCommitted(p)),
    Math.max(1, deadline - sim.now),
  );
  expect(done, `${count} writes committed within ${maxMs} ms (t=${sim.now})`).toBe(true);
  return payloads;
}

/**
 * Proposes fresh writes at a member without waiting for them.
 *
 * @param sim - The simulation.
 * @param at - The member the client talks to.
 * @param count - How many.
 * @returns The payloads that member accepted (proposed or forwarded).
 */
export function proposeMany(sim: Simulation, at: ServerId, count: number): Uint8Array[] {
  const accepted: Uint8Array[] = [];
  for (let i = 0; i < count; i += 1) {
    const payload = sim.nextPayload();
    const result = sim.propose(at, payload);
    if (result !== undefined && result.kind !== "rejected") accepted.push(payload);
  }
  return accepted;
}

/**
 * The payloads in a member's durable log, as text, with their zxids.
 *
 * @param sim - The simulation.
 * @param id - The member.
 * @returns Map from payload text to zxid.
 */
export function diskPayloads(sim: Simulation, id: ServerId): Map<string, Zxid> {
  return new Map(sim.disk(id).txns.map((txn) => [text(txn.payload), txn.zxid]));
}

/**
 * Tells whether a member's durable log holds a transaction with this zxid.
 *
 * @param sim - The simulation.
 * @param id - The member.
 * @param zxid - The zxid.
 * @returns `true` when it does.
 */
export function diskHas(sim: Simulation, id: ServerId, zxid: Zxid): boolean {
  return sim.disk(id).txns.some((txn) => txn.zxid === zxid);
}

/**
 * The transactions a member has durably logged and knows committed, oldest first.
 *
 * @param sim - The simulation.
 * @param id - A live member.
 * @returns `[zxid, payload text]` pairs.
 */
export function committedLog(sim: Simulation, id: ServerId): [Zxid, string][] {
  const committed = sim.node(id)?.committedZxid ?? 0n;
  return sim
    .disk(id)
    .txns.filter((txn) => txn.zxid <= committed)
    .map((txn) => [txn.zxid, text(txn.payload)]);
}

/**
 * Asserts that every live member applied the same history: same last zxid and same digest as
 * the leader.
 *
 * @param sim - The simulation.
 * @param ids - The members to compare (default: all live).
 */
export function expectConverged(sim: Simulation, ids: readonly ServerId[] = sim.liveIds): void {
  const reference = sim.leader() ?? ids[0];
  if (reference === undefined) throw new Error("no member to compare with");
  const converged = sim.runUntil(
    () =>
      ids.every(
        (id) =>
          sim.machine(id).lastZxid === sim.machine(reference).lastZxid &&
          sim.machine(id).digest() === sim.machine(reference).digest(),
      ),
    2_000,
  );
  const view = ids.map((id) => `${id}@${formatZxid(sim.machine(id).lastZxid)}`).join(" ");
  expect(converged, `members converge on one digest: ${view}`).toBe(true);
}

/**
 * Asserts that at most one member established each epoch, from the simulation's own record.
 *
 * @param sim - The simulation.
 */
export function expectOneLeaderPerEpoch(sim: Simulation): void {
  const byEpoch = new Map<number, Set<ServerId>>();
  for (const record of sim.leaderships) {
    const set = byEpoch.get(record.epoch) ?? new Set<ServerId>();
    set.add(record.leader);
    byEpoch.set(record.epoch, set);
  }
  for (const [epoch, leaders] of byEpoch) {
    expect([...leaders], `leaders of epoch ${epoch}`).toHaveLength(1);
  }
}
