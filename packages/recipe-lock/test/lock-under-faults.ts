/**
 * One seed of a lock simulation under faults (see mutex-under-faults.sim.test.ts for the goal
 * and method): contenders on a Mutex, a ReadWriteLock or a Semaphore, faults, checks, then the
 * liveness and leftover checks.
 *
 * @module
 */
import { type Clock, type Coordination, connect, type ServerId, ZabError } from "@zab/core";
import { CoordinationScenario } from "@zab/testkit";
import {
  type AbortOn,
  type Lease,
  Mutex,
  type ParticipantKind,
  ReadWriteLock,
  Semaphore,
} from "../src/index.js";
import { FencedResource, HolderChecker } from "./holder-checker.js";

const LOCK = "/locks/under-faults";
const SESSION_TIMEOUT_MS = 1_000;
const WORK_MS = 4_000;

export interface RunReport {
  readonly grants: number;
  /** The most holders that believed at once. */
  readonly overlapMax: number;
  readonly timeouts: number;
  readonly sessionsLost: number;
  readonly faults: number;
  readonly writes: number;
  readonly cuts: number;
  readonly finalGrants: number;
  readonly leftover: readonly string[];
}

/** Which recipe the contenders use. */
export type RecipeUnderTest = "mutex" | "read-write" | "semaphore";

const SEMAPHORE_PERMITS = 2;

/** A client's handle on the recipe under test. */
interface Contender {
  /** Tries for a lease within `timeoutMs`; reports which kind it asked for. */
  tryAcquire(
    timeoutMs: number,
  ): Promise<{ readonly lease: Lease; readonly kind: ParticipantKind } | undefined>;
  /** Waits for a lease (the liveness check). */
  acquire(): Promise<Lease>;
  close(): Promise<void>;
}

function contenderFor(
  recipe: RecipeUnderTest,
  session: Coordination,
  options: { readonly clock: Clock; readonly abortOn: AbortOn; readonly choose: () => boolean },
): Contender {
  const { clock, abortOn } = options;
  switch (recipe) {
    case "mutex": {
      const mutex = new Mutex(session, LOCK, { clock, abortOn });
      return {
        tryAcquire: async (timeoutMs) => {
          const lease = await mutex.tryAcquire({ timeoutMs });
          return lease === undefined ? undefined : { lease, kind: "lock" };
        },
        acquire: () => mutex.acquire(),
        close: () => mutex.close(),
      };
    }
    case "read-write": {
      const lock = new ReadWriteLock(session, LOCK, { clock, abortOn });
      return {
        tryAcquire: async (timeoutMs) => {
          // Mostly readers, so that readers share and writers queue among them.
          const kind = options.choose() ? "write" : "read";
          const lease = await (kind === "write" ? lock.writeLock : lock.readLock).tryAcquire({ timeoutMs });
          return lease === undefined ? undefined : { lease, kind };
        },
        acquire: () => lock.writeLock.acquire(),
        close: () => lock.close(),
      };
    }
    case "semaphore": {
      const semaphore = new Semaphore(session, LOCK, SEMAPHORE_PERMITS, { clock, abortOn });
      return {
        tryAcquire: async (timeoutMs) => {
          const lease = await semaphore.tryAcquire({ timeoutMs });
          return lease === undefined ? undefined : { lease, kind: "lease" };
        },
        acquire: () => semaphore.acquire(),
        close: () => semaphore.close(),
      };
    }
  }
}

/** Which holders may believe together, and which kinds must get increasing tokens. */
function rulesFor(recipe: RecipeUnderTest): {
  readonly compatible: (kinds: readonly ParticipantKind[]) => boolean;
  readonly exclusive: readonly ParticipantKind[];
} {
  switch (recipe) {
    case "mutex":
      return { compatible: (kinds) => kinds.length <= 1, exclusive: ["lock"] };
    case "read-write":
      return { compatible: (kinds) => kinds.length <= 1 || !kinds.includes("write"), exclusive: ["write"] };
    case "semaphore":
      return { compatible: (kinds) => kinds.length <= SEMAPHORE_PERMITS, exclusive: [] };
  }
}

/** One seed of the mutex: contenders under faults, then the liveness and leftover checks. */
export function runMutexUnderFaults(seed: number, abortOn: AbortOn): Promise<RunReport> {
  return runLockUnderFaults({ seed, abortOn, recipe: "mutex" });
}

/** One seed: contenders under faults, then the liveness and leftover checks. */
export async function runLockUnderFaults(options: {
  readonly seed: number;
  readonly abortOn: AbortOn;
  readonly recipe: RecipeUnderTest;
  /** Receives the simulation's trace, and the grants and cuts. */
  readonly trace?: (line: string) => void;
}): Promise<RunReport> {
  const { seed, abortOn, recipe } = options;
  const trace = options.trace ?? (() => undefined);
  const scenario = new CoordinationScenario(options.trace === undefined ? { seed } : { seed, trace });
  const { clock, random } = scenario;
  const checker = new HolderChecker({ seed, ...rulesFor(recipe) });
  const resource = new FencedResource();
  const stats = { timeouts: 0, sessionsLost: 0, writes: 0, cuts: 0, finalGrants: 0 };
  const pause = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
  const deadline = clock.now() + WORK_MS;
  const contenders = random.int(4, 7);
  const opened: { session: Coordination; contender: Contender }[] = [];

  let cutOff: ServerId | undefined;
  const pinnedMember = (client: number): ServerId => {
    const member = scenario.sim.voterIds[(client / 2) % scenario.sim.voterIds.length];
    if (member === undefined) throw new Error("no member");
    return member;
  };

  /** Even clients are pinned to one member; odd ones move through all of them. */
  async function open(client: number): Promise<Coordination | undefined> {
    const { sim } = scenario;
    const options = { sessionTimeoutMs: SESSION_TIMEOUT_MS, requestTimeoutMs: 400 };
    while (clock.now() < deadline) {
      try {
        if (client % 2 === 1) return await scenario.connect(client, options);
        return await connect({
          ...options,
          dialer: sim.clientDialer(),
          clock,
          members: [pinnedMember(client)],
        });
      } catch (error) {
        if (!ZabError.isInstance(error, "ConnectionLoss") && !ZabError.isInstance(error, "SessionExpired")) {
          throw error;
        }
        await pause(50);
      }
    }
    return undefined;
  }

  async function contender(client: number): Promise<void> {
    const choices = random.fork();
    while (clock.now() < deadline) {
      const session = await open(client);
      if (session === undefined) return;
      const mutex = contenderFor(recipe, session, { clock, abortOn, choose: () => choices.chance(0.3) });
      opened.push({ session, contender: mutex });
      try {
        while (clock.now() < deadline) {
          const granted = await mutex.tryAcquire(choices.int(50, 800));
          if (granted === undefined) {
            stats.timeouts += 1;
            continue;
          }
          const { lease, kind } = granted;
          trace(
            `${clock.now()} client ${client} GRANT ${lease.path} session ${session.sessionId.toString(16)}`,
          );
          lease.signal.addEventListener("abort", () =>
            trace(`${clock.now()} client ${client} SIGNAL ${String(lease.signal.reason)}`),
          );
          checker.enter(client, lease, kind);
          let steps = choices.int(1, 3);
          let stepMs = () => choices.int(0, 40);
          if (client % 2 === 0 && cutOff === undefined && choices.chance(0.3)) {
            // The holder's member is cut off from clients past the session timeout, and the holder
            // means to work for 2.5 s: it must stop when its signal fires, at the latest when the
            // ensemble may expire its session.
            cutOff = pinnedMember(client);
            trace(`${clock.now()} CUT member ${cutOff}`);
            scenario.sim.clients.isolate(cutOff);
            stats.cuts += 1;
            const member = cutOff;
            scenario.sim.at(clock.now() + choices.int(1_100, 1_500), () => {
              scenario.sim.clients.reconnect(member);
              cutOff = undefined;
            });
            steps = 25;
            stepMs = () => 100;
          }
          for (; steps > 0 && !lease.signal.aborted; steps -= 1) {
            await pause(stepMs());
            if (lease.signal.aborted) break;
            // Only exclusive holders write to the fenced resource; readers and leases share it.
            if (kind === "read" || kind === "lease") continue;
            if (!resource.write(lease.fencingToken)) {
              throw new Error(
                `seed ${seed}: a believing holder's write (token ${lease.fencingToken}) was refused`,
              );
            }
            stats.writes += 1;
          }
          checker.exit(client, lease);
          await lease.release();
          await pause(choices.int(0, 30));
        }
      } catch (error) {
        if (!ZabError.isInstance(error, "SessionExpired") && !ZabError.isInstance(error, "Closed"))
          throw error;
        stats.sessionsLost += 1;
      }
    }
  }

  await scenario.runWithFaults(
    Promise.all(Array.from({ length: contenders }, (_, client) => contender(client))),
  );
  // Hygiene: every instance closes (its background removals done, its guard deleted); sessions
  // that were lost are expired by the ensemble within their timeout. Then nothing may remain.
  const leftover = await scenario.runUntilSettled(
    (async () => {
      // Liveness once healed: every live session gets the lock once more (a ghost waiter or a
      // stuck node would make this hang, and the run fail to settle).
      for (const { session, contender } of opened) {
        if (session.state === "lost" || session.state === "closed") continue;
        try {
          await (await contender.acquire()).release();
          stats.finalGrants += 1;
        } catch (error) {
          if (!ZabError.isInstance(error, "SessionExpired")) throw error;
        }
      }
      await Promise.all(opened.map(({ contender }) => contender.close()));
      await pause(SESSION_TIMEOUT_MS * 2);
      const probe = await scenario.connect(-1);
      await probe.sync(LOCK);
      const { children } = await probe.getChildren(LOCK);
      await Promise.all([...opened.map(({ session }) => session.close()), probe.close()]);
      return children;
    })(),
  );
  return {
    grants: checker.grants,
    overlapMax: checker.overlapMax,
    ...stats,
    faults: scenario.faults.count,
    leftover,
  };
}
