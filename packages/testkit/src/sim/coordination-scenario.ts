/**
 * A simulated ensemble ready for Coordination API clients: three members running the real
 * session layer, a virtual clock and dialer for clients, and a schedule of faults that strikes
 * while the clients work. Recipes (locks, config, barriers) build their simulation tests on it.
 *
 * @module
 */
import { type Clock, type ConnectOptions, type Coordination, connect, type ServerId } from "@zab/core";
import { coordinationApplication } from "./coordination-application.js";
import { InvariantViolation } from "./invariants.js";
import { SeededRandom } from "./random.js";
import { Simulation } from "./simulation.js";

/**
 * How to build a {@link CoordinationScenario}.
 *
 * @since 0.1.0
 */
export interface CoordinationScenarioOptions {
  /** The seed: it decides every delay, fault and random choice, and replays the run exactly. */
  readonly seed: number;
  /** The smallest session timeout members grant, in virtual ms. Default 200. */
  readonly sessionTimeoutMinMs?: number;
  /** Receives the simulation's trace lines. */
  readonly trace?: (line: string) => void;
}

/** What a client may choose when it connects; the dialer, clock and members come from the scenario. */
export type ScenarioConnectOptions = Omit<ConnectOptions, "dialer" | "clock" | "members">;

/**
 * Three simulated members running the Coordination API, with clients in the same virtual time.
 *
 * @example
 * ```ts
 * const scenario = new CoordinationScenario({ seed: 7 });
 * const work = (async () => {
 *   await using session = await scenario.connect(0, { sessionTimeoutMs: 1_000 });
 *   await session.create("/x", new Uint8Array());
 * })();
 * await scenario.runWithFaults(work, { maxMs: 30_000 });
 * ```
 * @since 0.1.0
 */
export class CoordinationScenario {
  /** The simulation: use it for targeted faults (`crash`, `partition`, `clients.isolate`, ...). */
  readonly sim: Simulation;
  /** The clients' clock: virtual timers and seeded random bytes. */
  readonly clock: Clock;
  /** A random source for the test's own choices, independent of the simulation's. */
  readonly random: SeededRandom;
  /** The faults {@link runWithFaults} strikes. */
  readonly faults: CoordinationFaults;
  readonly #seed: number;

  constructor(options: CoordinationScenarioOptions) {
    this.#seed = options.seed;
    this.sim = new Simulation({
      seed: options.seed,
      voters: 3,
      application: coordinationApplication({ sessionTimeoutMinMs: options.sessionTimeoutMinMs ?? 200 }),
      ...(options.trace === undefined ? {} : { trace: options.trace }),
    });
    this.random = new SeededRandom(options.seed ^ 0x776b6c64);
    this.clock = this.sim.clientClock();
    this.faults = new CoordinationFaults(this.sim, this.random.fork());
  }

  /**
   * Opens a session for client number `client`. Each client starts at its own member and moves
   * through the others in order, so clients spread over the ensemble.
   *
   * @param client - The client's number; negative numbers start at the first member.
   * @param options - Session options (timeouts, signal, ...).
   */
  connect(client: number, options: ScenarioConnectOptions = {}): Promise<Coordination> {
    const members = this.sim.voterIds;
    const first = client < 0 ? 0 : client % members.length;
    return connect({
      ...options,
      dialer: this.sim.clientDialer(),
      clock: this.clock,
      members: [...members.slice(first), ...members.slice(0, first)],
    });
  }

  /**
   * Runs virtual time while `work` is pending, with faults striking; then heals every fault and
   * runs until `work` settles. Rethrows what `work` or an invariant check throws, with the seed in
   * the message.
   *
   * @param work - The clients' work.
   * @param options - `maxMs`: virtual ms allowed for each of the two stages (default 60,000).
   * @throws {@link InvariantViolation} when `work` does not settle in time.
   */
  async runWithFaults(work: Promise<unknown>, options: { readonly maxMs?: number } = {}): Promise<void> {
    const maxMs = options.maxMs ?? 60_000;
    let settled = false;
    let failure: unknown;
    let failed = false;
    work.then(
      () => {
        settled = true;
      },
      (error: unknown) => {
        settled = true;
        failed = true;
        failure = error;
      },
    );
    try {
      await this.sim.runUntilAsync(() => settled || this.faults.strike(), maxMs);
      this.faults.healAll();
      await this.sim.runUntilAsync(() => settled, maxMs);
    } catch (error) {
      throw withSeed(this.#seed, error);
    }
    if (failed) throw withSeed(this.#seed, failure);
    if (!settled) throw new InvariantViolation(`seed ${this.#seed}: the clients did not finish`);
  }

  /**
   * Runs virtual time, without faults, until `work` settles, and returns its result.
   *
   * @param work - The clients' work.
   * @param maxMs - Virtual ms allowed. Default 60,000.
   * @throws {@link InvariantViolation} when `work` does not settle in time.
   */
  async runUntilSettled<T>(work: Promise<T>, maxMs = 60_000): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    work.then(
      (value) => {
        outcome = { ok: true, value };
      },
      (error: unknown) => {
        outcome = { ok: false, error };
      },
    );
    await this.sim.runUntilAsync(() => outcome !== undefined, maxMs);
    if (outcome === undefined) throw new InvariantViolation(`seed ${this.#seed}: the work did not settle`);
    if (!outcome.ok) throw withSeed(this.#seed, outcome.error);
    return outcome.value;
  }
}

/** Prefixes an error's message with the seed that replays it. */
function withSeed(seed: number, error: unknown): Error {
  if (error instanceof Error) {
    if (!error.message.startsWith(`seed ${seed}:`)) error.message = `seed ${seed}: ${error.message}`;
    return error;
  }
  return new Error(`seed ${seed}: ${String(error)}`);
}

/**
 * The faults of a scenario: at random intervals, one of crash-and-restart, a partition of one
 * member from its peers (silent or not), a pause longer or shorter than a 1 s session timeout,
 * cutting a member off from clients, or breaking one client channel; each undone after a while.
 *
 * @since 0.1.0
 */
export class CoordinationFaults {
  /** Faults struck so far. */
  count = 0;
  #nextAt: number;

  /**
   * @param sim - The simulation to strike.
   * @param random - The source of the faults' choices.
   */
  constructor(
    private readonly sim: Simulation,
    private readonly random: SeededRandom,
  ) {
    this.#nextAt = random.int(100, 400);
  }

  /**
   * Strikes when due; always `false`, to serve as a `runUntil` condition that never stops it.
   *
   * @returns `false`.
   */
  strike(): boolean {
    const { sim, random } = this;
    if (sim.now < this.#nextAt) return false;
    this.#nextAt = sim.now + random.int(150, 500);
    this.count += 1;
    const victim: ServerId = random.pick(sim.voterIds);
    const undoAt = sim.now + random.int(50, 400);
    switch (random.int(0, 5)) {
      case 0:
        sim.crash(victim);
        sim.at(undoAt, () => sim.restart(victim));
        break;
      case 1:
        sim.partition([[victim]], { silent: random.chance(0.5) });
        sim.at(undoAt, () => sim.heal());
        break;
      case 2:
        sim.pause(victim);
        // Sometimes longer than a session timeout: its sessions must move or expire.
        sim.at(sim.now + random.int(50, 1_500), () => sim.resume(victim));
        break;
      case 3:
        sim.clients.isolate(victim);
        sim.at(undoAt, () => sim.clients.reconnect(victim));
        break;
      default:
        sim.clients.breakOne((count) => random.int(0, count - 1));
        break;
    }
    return false;
  }

  /** Undoes every fault at once. */
  healAll(): void {
    this.sim.heal();
    for (const id of this.sim.voterIds) {
      this.sim.restart(id);
      this.sim.resume(id);
      this.sim.clients.reconnect(id);
    }
  }
}
