/**
 * A Jepsen-style workload on the Coordination API: clients read, write and compare-and-set a few
 * registers (znodes) while faults run, recording a history per register for the linearizability
 * checker, and checking the session guarantees of plain local reads as they happen.
 *
 * @module
 */
import { type Clock, type Coordination, type Stat, ZabError } from "@zab/core";
import { HistoryBuilder } from "../linearizability/history-builder.js";
import type { RegisterInput, RegisterOutput } from "../linearizability/register-model.js";
import type { SeededRandom } from "../sim/random.js";

/**
 * Settings of a {@link RegisterWorkload}.
 *
 * @since 0.1.0
 */
export interface RegisterWorkloadOptions {
  /** The registers' paths; {@link RegisterWorkload.run} creates them first. */
  readonly registers: readonly string[];
  /** How many clients run at once. */
  readonly clients: number;
  /** How long the clients keep issuing operations, in the clock's milliseconds. */
  readonly durationMs: number;
  /** Time and pauses (virtual in a simulation). */
  readonly clock: Clock;
  /** Every choice of operation, register and pause. */
  readonly random: SeededRandom;
  /**
   * Opens a session for a client.
   *
   * @param client - The client's index; `-1` for the session that creates the registers.
   */
  readonly connect: (client: number) => Promise<Coordination>;
  /**
   * A deliberately broken workload: the reads it records in the histories are plain local
   * reads, which may be stale. The checker must then find histories that are not linearizable.
   * Test use only.
   */
  readonly recordLocalReads?: boolean;
}

/**
 * What a {@link RegisterWorkload} counted.
 *
 * @since 0.1.0
 */
export interface RegisterWorkloadStats {
  /** Operations that returned a definite answer. */
  succeeded: number;
  /** Operations whose outcome is unknown (connection lost, timed out, session lost). */
  indeterminate: number;
  /** Plain (local) reads checked for the session guarantees. */
  localReads: number;
  /** Sessions a client lost and replaced. */
  sessionsLost: number;
}

const encode = (value: number) => new TextEncoder().encode(String(value));
const decode = (data: Uint8Array): number | null =>
  data.byteLength === 0 ? null : Number(new TextDecoder().decode(data));

/** Errors after which the operation may or may not have taken effect. */
function isIndeterminate(error: unknown): boolean {
  return (
    ZabError.isInstance(error, "ConnectionLoss") ||
    ZabError.isInstance(error, "Timeout") ||
    ZabError.isInstance(error, "SessionExpired")
  );
}

/**
 * Clients reading and writing registers through the Coordination API.
 *
 * @remarks
 * Every write uses a value never written before, so a compare-and-set is a `setData` conditioned
 * on the version read just before it. Reads that go into the history use `{ linearizable: true }`;
 * plain reads are served locally and may be stale, so instead of the checker they are held to
 * the session guarantees (ZooKeeper's): a session never reads a version older than one it has
 * seen, including its own writes (monotonic reads, read-your-writes), across member moves too.
 * An operation that fails without a definite answer stays open in the history (it may take effect
 * later) and its client continues as a new process, as in Jepsen.
 * @since 0.1.0
 */
export class RegisterWorkload {
  /** One history per register. */
  readonly histories: ReadonlyMap<string, HistoryBuilder<RegisterInput, RegisterOutput>>;
  /** Every breach of the session guarantees, described. */
  readonly sessionViolations: string[] = [];
  /** Counters. */
  readonly stats: RegisterWorkloadStats = { succeeded: 0, indeterminate: 0, localReads: 0, sessionsLost: 0 };
  readonly #options: RegisterWorkloadOptions;
  #nextValue = 1;
  #nextProcess = 0;
  #deadline = 0;

  /** @param options - Registers, clients, duration, clock, generator and sessions. */
  constructor(options: RegisterWorkloadOptions) {
    this.#options = options;
    this.histories = new Map(options.registers.map((path) => [path, new HistoryBuilder()] as const));
  }

  /** Creates the registers, runs the clients for the duration, and closes their sessions. */
  async run(): Promise<void> {
    const { clock, clients, durationMs, registers } = this.#options;
    const setup = await this.#options.connect(-1);
    try {
      for (const path of registers) await this.#createRegister(setup, path);
    } finally {
      await setup.close().catch(() => undefined);
    }
    this.#deadline = clock.now() + durationMs;
    await Promise.all(Array.from({ length: clients }, (_, index) => this.#client(index)));
  }

  /** Creates a register, retrying while the outcome is unknown (faults may already run). */
  async #createRegister(session: Coordination, path: string): Promise<void> {
    for (;;) {
      try {
        await session.create(path);
        return;
      } catch (error) {
        // A retry of a create that did happen finds the node there.
        if (ZabError.isInstance(error, "NodeExists")) return;
        if (!isIndeterminate(error) || ZabError.isInstance(error, "SessionExpired")) throw error;
      }
    }
  }

  async #client(index: number): Promise<void> {
    const { clock, random, registers } = this.#options;
    let session = await this.#open(index);
    if (session === undefined) return;
    const processes = new Map(registers.map((path) => [path, this.#newProcess()] as const));
    /** The newest version of each register this session has seen. */
    let seen = new Map<string, number>();
    try {
      while (clock.now() < this.#deadline) {
        const path = random.pick(registers);
        try {
          await this.#operation(session, path, processes, seen);
          this.stats.succeeded += 1;
        } catch (error) {
          if (!isIndeterminate(error)) throw error;
          this.stats.indeterminate += 1;
          if (ZabError.isInstance(error, "SessionExpired")) {
            // The session is gone; its guarantees end with it. A new one starts afresh.
            this.stats.sessionsLost += 1;
            await session.close().catch(() => undefined);
            const replacement = await this.#open(index);
            if (replacement === undefined) return;
            session = replacement;
            seen = new Map();
          }
        }
        await this.#pause(random.int(0, 20));
      }
    } finally {
      await session.close().catch(() => undefined);
    }
  }

  /** One operation on one register; indeterminate failures propagate after being recorded. */
  async #operation(
    session: Coordination,
    path: string,
    processes: Map<string, number>,
    seen: Map<string, number>,
  ): Promise<void> {
    const { random } = this.#options;
    const history = this.histories.get(path);
    const process = processes.get(path);
    if (history === undefined || process === undefined) throw new Error(`unknown register ${path}`);
    const choice = random.nextFloat();
    if (choice < 0.2) {
      const { stat } = await session.getData(path);
      this.stats.localReads += 1;
      this.#observe(session, seen, path, stat, "a local read");
      return;
    }
    if (choice < 0.3) {
      // A CAS needs the current version; reading it is a local read like any other.
      const current = await session.getData(path);
      this.#observe(session, seen, path, current.stat, "a local read");
      const from = decode(current.data);
      if (from === null) return;
      const to = this.#nextValue++;
      history.invoke(process, { kind: "cas", from, to });
      try {
        const stat = await session.setData(path, encode(to), { version: current.stat.version });
        history.complete(process, { kind: "cas", ok: true });
        this.#observe(session, seen, path, stat, "its own compare-and-set");
      } catch (error) {
        if (ZabError.isInstance(error, "BadVersion")) {
          history.complete(process, { kind: "cas", ok: false });
          return;
        }
        this.#failed(history, processes, path, process, "write", error);
      }
      return;
    }
    if (choice < 0.6) {
      history.invoke(process, { kind: "read" });
      try {
        const linearizable = this.#options.recordLocalReads !== true;
        const { data, stat } = await session.getData(path, { linearizable });
        history.complete(process, { kind: "read", value: decode(data) });
        this.#observe(session, seen, path, stat, "a linearizable read");
      } catch (error) {
        this.#failed(history, processes, path, process, "read", error);
      }
      return;
    }
    const value = this.#nextValue++;
    history.invoke(process, { kind: "write", value });
    try {
      const stat = await session.setData(path, encode(value));
      history.complete(process, { kind: "write" });
      this.#observe(session, seen, path, stat, "its own write");
    } catch (error) {
      this.#failed(history, processes, path, process, "write", error);
    }
  }

  /** Records a failed operation (only an indeterminate one is expected) and rethrows. */
  #failed(
    history: HistoryBuilder<RegisterInput, RegisterOutput>,
    processes: Map<string, number>,
    path: string,
    process: number,
    kind: "read" | "write",
    error: unknown,
  ): never {
    if (isIndeterminate(error)) {
      if (kind === "read") {
        // A read that failed changed nothing: it returned, with an unknown value.
        history.complete(process, undefined);
      } else {
        // A write that failed may still commit later: it stays open, and the process retires.
        history.markIndeterminate(process);
        processes.set(path, this.#newProcess());
      }
    }
    throw error;
  }

  /** Holds a session to never going back to an older version of a register. */
  #observe(session: Coordination, seen: Map<string, number>, path: string, stat: Stat, what: string): void {
    const newest = seen.get(path) ?? -1;
    if (stat.version < newest) {
      this.sessionViolations.push(
        `session 0x${session.sessionId.toString(16)}: ${what} of ${path} returned version ${stat.version} after it had seen version ${newest}`,
      );
      return;
    }
    seen.set(path, stat.version);
  }

  /** Opens a session for a client, retrying until the deadline; `undefined` if none opened. */
  async #open(index: number): Promise<Coordination | undefined> {
    while (this.#options.clock.now() < this.#deadline) {
      try {
        return await this.#options.connect(index);
      } catch (error) {
        if (!ZabError.isInstance(error, "ConnectionLoss") && !ZabError.isInstance(error, "SessionExpired"))
          throw error;
        await this.#pause(50);
      }
    }
    return undefined;
  }

  #newProcess(): number {
    this.#nextProcess += 1;
    return this.#nextProcess;
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => this.#options.clock.setTimeout(resolve, ms));
  }
}
