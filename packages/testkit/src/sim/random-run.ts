/**
 * One randomized simulation run ("swarm" style): the seed picks the ensemble's shape and its
 * fault mix, a safety phase throws crashes, restarts, partitions and channel breaks at it while
 * clients write, and a liveness phase heals everything and demands progress within a bound.
 *
 * @module
 */
import { formatZxid, type ServerId } from "@zab/core";
import { SeededRandom } from "./random.js";
import { Simulation } from "./simulation.js";

/**
 * Knobs of a randomized run; everything else is drawn from the seed.
 *
 * @since 0.1.0
 */
export interface RandomRunOptions {
  /** The seed. */
  readonly seed: number;
  /** Virtual ms of the fault phase. Default 3,000. */
  readonly faultMs?: number;
  /** Virtual ms the liveness phase may take to elect and commit. Default 20,000. */
  readonly livenessMs?: number;
  /** Force the number of voters instead of drawing 3 or 5. */
  readonly voters?: number;
  /** Pass a deliberately broken driver that acknowledges writes before they are durable. */
  readonly lieAboutFsync?: boolean;
  /** Receives the simulation's trace lines. */
  readonly trace?: (line: string) => void;
}

/**
 * What a run did, for statistics.
 *
 * @since 0.1.0
 */
export interface RandomRunReport {
  /** The seed the run was drawn from; it replays the run exactly. */
  readonly seed: number;
  /** How many voting members the seed chose. */
  readonly voters: number;
  /** How many observers the seed chose. */
  readonly observers: number;
  /** Transactions committed over the run. */
  readonly committed: number;
  /** Faults injected in the safety phase. */
  readonly faults: number;
  /** Virtual ms from start to the first established leader. */
  readonly coldStartMs: number;
  /** Virtual ms from a crash of that leader to a new leader serving with a quorum. */
  readonly failoverMs: number;
  /** Virtual ms from the start of the liveness phase to a serving quorum. */
  readonly recoveryMs: number;
  /** Virtual ms per tick, to turn the figures above into ticks. */
  readonly tickMs: number;
}

/**
 * Raised when a healed ensemble fails to elect a leader or commit within the bound.
 *
 * @since 0.1.0
 */
export class LivenessFailure extends Error {
  /** @param message - What did not happen in time. */
  constructor(message: string) {
    super(message);
    this.name = "LivenessFailure";
  }
}

/**
 * Runs one randomized simulation and checks safety throughout and liveness at the end.
 *
 * @param options - The seed and phase lengths.
 * @returns Statistics of the run.
 * @throws an `InvariantViolation` or {@link LivenessFailure}, with the seed in the message.
 * @since 0.1.0
 */
export function runRandomSimulation(options: RandomRunOptions): RandomRunReport {
  const shape = new SeededRandom(options.seed);
  const voters = options.voters ?? shape.pick([3, 5]);
  const observers = shape.pick([0, 0, 1]);
  const sim = new Simulation({
    seed: shape.nextUint32(),
    voters,
    observers,
    messageDelayMs: { min: 1, max: shape.pick([2, 5, 15]) },
    fsyncDelayMs: { min: 1, max: shape.pick([2, 8, 25]) },
    lieAboutFsync: options.lieAboutFsync ?? false,
    ...(options.trace === undefined ? {} : { trace: options.trace }),
  });
  const faultMs = options.faultMs ?? 3000;
  const livenessMs = options.livenessMs ?? 20_000;
  // Swarm testing: each seed weighs the faults differently.
  const weights = {
    crash: shape.pick([0, 1, 3]),
    partition: shape.pick([0, 1, 3]),
    oneWay: shape.pick([0, 1]),
    breakChannel: shape.pick([0, 1, 4]),
    isolateLeader: shape.pick([0, 1, 3]),
    powerLoss: shape.pick([0, 0, 1]),
    silentPartition: shape.pick([0, 1, 3]),
    pause: shape.pick([0, 1, 3]),
  };
  const faultIntervalMs = shape.pick([30, 100, 300]);
  const proposeIntervalMs = shape.pick([3, 10, 30]);
  let faults = 0;
  try {
    const coldStartMs = runToFirstLeader(sim, livenessMs);
    const failoverMs = measureFailover(sim, livenessMs);
    const end = sim.now + faultMs;
    let nextFault = sim.now + sim.random.int(1, faultIntervalMs);
    let nextPropose = sim.now;
    // Bounded: both cursors advance by at least 1 ms per iteration until `end`.
    while (sim.now < end) {
      if (nextPropose <= nextFault) {
        sim.run(nextPropose - sim.now);
        const live = sim.liveIds;
        if (live.length > 0) sim.propose(sim.random.pick(live));
        nextPropose += sim.random.int(1, proposeIntervalMs);
      } else {
        sim.run(nextFault - sim.now);
        if (injectFault(sim, weights)) faults += 1;
        nextFault += sim.random.int(1, faultIntervalMs);
      }
    }
    const recoveryMs = heal(sim, livenessMs);
    requireProgress(sim, livenessMs);
    return {
      seed: options.seed,
      voters,
      observers,
      committed: sim.checker.committedCount,
      faults,
      coldStartMs,
      failoverMs,
      recoveryMs,
      tickMs: sim.options.tickMs,
    };
  } catch (error) {
    if (error instanceof Error) {
      error.message = `seed ${options.seed} (${voters} voters, ${observers} observers) at ${sim.now} ms: ${error.message}\n  replay: pnpm --filter @zab/testkit sim --seed ${options.seed}`;
    }
    throw error;
  }
}

function runToFirstLeader(sim: Simulation, livenessMs: number): number {
  if (!sim.runUntil(() => sim.hasServingQuorum(), livenessMs)) {
    throw new LivenessFailure(`no leader within ${livenessMs} ms of a cold start`);
  }
  return sim.leaderships[0]?.at ?? sim.now;
}

/** Crashes the established leader, times the election of the next one, then restarts it. */
function measureFailover(sim: Simulation, livenessMs: number): number {
  const leader = sim.leader();
  if (leader === undefined) throw new LivenessFailure("no leader to crash");
  const start = sim.now;
  sim.crash(leader);
  const next = () => sim.hasServingQuorum() && sim.leader() !== leader;
  if (!sim.runUntil(next, livenessMs))
    throw new LivenessFailure(`no new leader within ${livenessMs} ms of a leader crash`);
  const failoverMs = sim.now - start;
  sim.restart(leader);
  return failoverMs;
}

type Weights = Readonly<
  Record<
    | "crash"
    | "partition"
    | "oneWay"
    | "breakChannel"
    | "isolateLeader"
    | "powerLoss"
    | "silentPartition"
    | "pause",
    number
  >
>;

function injectFault(sim: Simulation, weights: Weights): boolean {
  const ids = sim.memberIds;
  const crashed = ids.filter((id) => sim.node(id) === undefined);
  const choices: [number, () => void][] = [
    [weights.crash, () => sim.crash(sim.random.pick(ids))],
    [crashed.length > 0 ? 4 : 0, () => sim.restart(sim.random.pick(crashed))],
    [weights.partition, () => sim.partition([ids.filter(() => sim.random.chance(0.5))])],
    [weights.oneWay, () => blockRandomLink(sim, ids)],
    [weights.breakChannel, () => breakRandomChannel(sim, ids)],
    [
      weights.isolateLeader,
      () => {
        const leader = sim.leader();
        if (leader !== undefined) sim.partition([[leader]]);
      },
    ],
    [
      weights.powerLoss,
      () => {
        // Coordinated power loss: every member loses its unsynced writes at the same instant.
        for (const id of ids) sim.crash(id);
        for (const id of ids) sim.restart(id);
      },
    ],
    [
      weights.silentPartition,
      () => sim.partition([ids.filter(() => sim.random.chance(0.5))], { silent: true }),
    ],
    [
      weights.pause,
      () => {
        // A frozen process (GC pause, SIGSTOP), most often the leader's.
        const target = sim.random.chance(0.5) ? (sim.leader() ?? sim.random.pick(ids)) : sim.random.pick(ids);
        sim.pause(target);
        sim.at(sim.now + sim.random.int(10, 400), () => sim.resume(target));
      },
    ],
    [3, () => sim.heal()],
  ];
  const total = choices.reduce((sum, [weight]) => sum + weight, 0);
  let draw = sim.random.nextFloat() * total;
  for (const [weight, action] of choices) {
    draw -= weight;
    if (draw < 0) {
      action();
      return true;
    }
  }
  return false;
}

function blockRandomLink(sim: Simulation, ids: readonly ServerId[]): void {
  const from = sim.random.pick(ids);
  const to = sim.random.pick(ids.filter((id) => id !== from));
  sim.blockOneWay(from, to);
}

function breakRandomChannel(sim: Simulation, ids: readonly ServerId[]): void {
  const a = sim.random.pick(ids);
  const b = sim.random.pick(ids.filter((id) => id !== a));
  sim.breakChannel(a, b);
}

/** Liveness phase, part one: heal, restart everyone, and wait for every member to serve. */
function heal(sim: Simulation, livenessMs: number): number {
  const start = sim.now;
  sim.heal();
  for (const id of sim.memberIds) {
    sim.resume(id);
    sim.restart(id);
  }
  const allServing = () => {
    const leader = sim.leader();
    return (
      leader !== undefined &&
      sim.memberIds.every((id) => {
        const node = sim.node(id);
        return node?.phase === "broadcast" && node.leader === leader;
      })
    );
  };
  if (!sim.runUntil(allServing, livenessMs)) {
    throw new LivenessFailure(
      `the healed ensemble did not serve within ${livenessMs} ms (${describeMembers(sim)})`,
    );
  }
  return sim.now - start;
}

/**
 * Liveness phase, part two: a new write commits on every member. A write proposed just before a
 * late leader change may be lost uncommitted, as a client's would (it would see ConnectionLoss
 * and retry), so the client retries until one write is committed everywhere. (Members' states
 * at equal zxids are compared on every apply by the checker.)
 */
function requireProgress(sim: Simulation, livenessMs: number): void {
  const deadline = sim.now + livenessMs;
  const payload = sim.nextPayload();
  const everywhere = () =>
    sim.memberIds.every((id) => sim.node(id)?.appliedZxid === sim.checker.lastCommittedZxid);
  // Each attempt waits for a leader and then for the write or a change of leader; time bounds it.
  while (sim.now < deadline) {
    if (!sim.runUntil(() => sim.leader() !== undefined, deadline - sim.now)) break;
    const leader = sim.leader();
    if (leader === undefined) break;
    if (sim.propose(leader, payload)?.kind !== "proposed") continue;
    const settled = () => sim.checker.isCommitted(payload) || sim.leader() !== leader;
    sim.runUntil(settled, deadline - sim.now);
    if (sim.checker.isCommitted(payload) && sim.runUntil(everywhere, deadline - sim.now)) return;
  }
  throw new LivenessFailure(
    `no write reached every member within ${livenessMs} ms (${describeMembers(sim)})`,
  );
}

/** Each member's role, phase and history cursors, for a failure message. */
function describeMembers(sim: Simulation): string {
  return sim.memberIds
    .map((id) => {
      const node = sim.node(id);
      if (node === undefined) return `${id}:down`;
      const cursors = [node.lastLoggedZxid, node.durableZxid, node.committedZxid, node.appliedZxid].map(
        formatZxid,
      );
      return `${id}:${node.role}/${node.phase} logged/durable/committed/applied=${cursors.join("/")}`;
    })
    .join("; ");
}
