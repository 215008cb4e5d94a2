/**
 * Configuration propagation: the time from `ConfigStore.set` to each watcher's `value` event.
 *
 * Three members are separate `zab serve` processes (`LocalEnsemble`) on loopback TCP with file
 * storage and fdatasync on, default settings. This process runs one writer session and 20
 * watcher sessions, the watchers spread evenly over the members (so most of them learn of a write
 * through a follower), each following the store with `ConfigStore.watch()`.
 *
 * - Paced: the writer sets a version, waits until all 20 watchers yielded it, then sets the next.
 *   One sample per (write, watcher): from the call to `set` to the watcher's event; and per write,
 *   the time until the last watcher had it ("every watcher").
 * - Back to back: the writer sets versions as fast as it can for a few seconds; watchers coalesce,
 *   so a sample is the time from a write's `set` call to the first event at that version or newer.
 *
 * The schema is a hand-written Standard Schema object, to show that no validator library is needed.
 *
 * @module
 */
import { LocalEnsemble } from "../packages/cli/src/local-ensemble/local-ensemble.js";
import type { Coordination } from "../packages/core/src/index.js";
import { ConfigStore, type ConfigStoreOptions } from "../packages/recipe-config/src/index.js";
import { percentile } from "../packages/testkit/src/index.js";
import { printTable } from "./lib/table.js";

const WATCHERS = 20;
const PACED_WRITES = 300;
const BACK_TO_BACK_MS = 5_000;
const PATH = "/bench/config";

interface Release {
  readonly seq: number;
  readonly flags: Readonly<Record<string, boolean>>;
}

/** A Standard Schema validator written by hand. */
const releaseSchema: ConfigStoreOptions<Release, Release>["schema"] = {
  "~standard": {
    version: 1,
    vendor: "bench",
    validate(value) {
      const candidate = value as Partial<Release> | null;
      if (typeof candidate !== "object" || candidate === null)
        return { issues: [{ message: "not an object" }] };
      if (!Number.isSafeInteger(candidate.seq)) return { issues: [{ message: "seq must be an integer" }] };
      if (typeof candidate.flags !== "object" || candidate.flags === null) {
        return { issues: [{ message: "flags must be an object" }] };
      }
      return { value: candidate as Release };
    },
  },
};

/** What each watcher has seen: the newest seq, and when each seq arrived. */
class Arrivals {
  readonly #newest: number[] = Array.from({ length: WATCHERS }, () => 0);
  readonly #at = new Map<number, number[]>();
  #waiter: { readonly seq: number; readonly resolve: () => void } | undefined;

  record(watcher: number, seq: number): void {
    const now = performance.now();
    this.#newest[watcher] = seq;
    let times = this.#at.get(seq);
    if (times === undefined) {
      times = [];
      this.#at.set(seq, times);
    }
    times[watcher] = now;
    const waiter = this.#waiter;
    if (waiter !== undefined && this.#newest.every((newest) => newest >= waiter.seq)) {
      this.#waiter = undefined;
      waiter.resolve();
    }
  }

  /** Resolves once every watcher saw `seq` or newer. */
  everyone(seq: number): Promise<void> {
    if (this.#newest.every((newest) => newest >= seq)) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiter = { seq, resolve };
    });
  }

  /** When each watcher first saw `seq` or newer. */
  firstAtOrAfter(seq: number, newestSeq: number): number[] {
    const firsts: number[] = [];
    for (let watcher = 0; watcher < WATCHERS; watcher += 1) {
      for (let candidate = seq; candidate <= newestSeq; candidate += 1) {
        const at = this.#at.get(candidate)?.[watcher];
        if (at !== undefined) {
          firsts.push(at);
          break;
        }
      }
    }
    return firsts;
  }
}

function summary(samples: number[]): Record<string, number> {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    "p50 ms": percentile(sorted, 0.5),
    "p99 ms": percentile(sorted, 0.99),
    "p999 ms": percentile(sorted, 0.999),
    "max ms": sorted.at(-1) ?? Number.NaN,
  };
}

export async function run(): Promise<void> {
  await using ensemble = await LocalEnsemble.start({ size: 3 });
  await ensemble.waitUntilCaughtUp();
  const sessions: Coordination[] = [];
  const stop = new AbortController();
  try {
    const ids = ensemble.ids;
    const leader = await ensemble.waitForLeader();
    // The writer on a follower: its writes are forwarded to the leader, as most clients' are.
    const writerHome = ids.find((id) => id !== leader) ?? leader;
    const writerSession = await ensemble.connect({
      members: [writerHome, ...ids.filter((id) => id !== writerHome)],
    });
    sessions.push(writerSession);
    const writer = new ConfigStore(writerSession, PATH, { schema: releaseSchema });
    await writer.set({ seq: 0, flags: {} });

    const arrivals = new Arrivals();
    const watchers: Promise<void>[] = [];
    for (let watcher = 0; watcher < WATCHERS; watcher += 1) {
      const home = ids[watcher % ids.length] ?? leader;
      const session = await ensemble.connect({ members: [home, ...ids.filter((id) => id !== home)] });
      sessions.push(session);
      const store = new ConfigStore(session, PATH, { schema: releaseSchema });
      watchers.push(
        (async () => {
          try {
            for await (const event of store.watch({ signal: stop.signal })) {
              if (event.kind === "value") arrivals.record(watcher, event.value.seq);
            }
          } catch (error) {
            if (!stop.signal.aborted) throw error;
          }
        })(),
      );
    }
    await arrivals.everyone(0);

    const flags = { newCheckout: true, darkMode: false, searchV2: true };
    const perWatcher: number[] = [];
    const everyWatcher: number[] = [];
    const setLatency: number[] = [];
    let seq = 0;
    for (let write = 0; write < PACED_WRITES; write += 1) {
      seq += 1;
      const began = performance.now();
      await writer.set({ seq, flags });
      setLatency.push(performance.now() - began);
      await arrivals.everyone(seq);
      const times = arrivals.firstAtOrAfter(seq, seq);
      for (const at of times) perWatcher.push(at - began);
      everyWatcher.push(Math.max(...times) - began);
    }

    const backToBack: number[] = [];
    const started: { seq: number; at: number }[] = [];
    const deadline = performance.now() + BACK_TO_BACK_MS;
    const firstBackToBack = seq + 1;
    while (performance.now() < deadline) {
      seq += 1;
      started.push({ seq, at: performance.now() });
      await writer.set({ seq, flags });
    }
    await arrivals.everyone(seq);
    for (const { seq: written, at } of started) {
      for (const first of arrivals.firstAtOrAfter(written, seq)) backToBack.push(first - at);
    }

    printTable(
      `ConfigStore propagation: ${ids.length} members as separate processes (zab serve) on loopback TCP, file storage with fdatasync;\n` +
        `1 writer session on a follower, ${WATCHERS} watcher sessions spread over the members; ~100-byte JSON values`,
      [
        { measure: `set -> each watcher's event (paced, ${PACED_WRITES} writes)`, ...summary(perWatcher) },
        { measure: "set -> every watcher has it (paced)", ...summary(everyWatcher) },
        { measure: "set call itself (paced)", ...summary(setLatency) },
        {
          measure: `set -> each watcher at it or newer (back to back, ${seq - firstBackToBack + 1} writes in ${BACK_TO_BACK_MS / 1000} s)`,
          ...summary(backToBack),
        },
      ],
    );
  } finally {
    stop.abort();
    await Promise.allSettled(sessions.map((session) => session.close()));
  }
}
