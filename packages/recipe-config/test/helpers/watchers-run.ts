/**
 * One seeded run of the fleet scenario: a writer publishing a stream of configuration versions
 * through a ConfigStore while watchers spread over the members follow it, with the scenario's
 * faults striking (leader crashes, partitions, pauses past the session timeout, clients cut off,
 * broken channels). It records what every watcher saw, for the test to check.
 *
 * @module
 */
import { type Coordination, ZabError, type Zxid } from "@zab/core";
import { CoordinationScenario } from "@zab/testkit";
import { ConfigStore, ConfigValidationError, jsonCodec } from "../../src/index.js";
import { sequenceSchema } from "./schemas.js";

/** Knobs of a run. */
export interface WatchersRunOptions {
  readonly seed: number;
  readonly watchers: number;
  readonly updates: number;
  /** Every this many updates, the writer also tries an invalid value and sneaks one in raw. */
  readonly invalidEvery: number;
}

/** What one watcher saw, in order, across the sessions it had to replace. */
export interface WatcherLog {
  /** One entry per event with a version: its kind, version, zxid, and seq for values. */
  readonly versions: {
    kind: "value" | "invalid";
    version: number;
    zxid: Zxid;
    seq?: number;
    watch: number;
  }[];
  /** How many watches (sessions) it used. */
  watches: number;
  staleEvents: number;
  freshEvents: number;
}

/** What a run did. */
export interface WatchersRunReport {
  readonly logs: readonly WatcherLog[];
  /** The last committed version and its zxid, read linearizably after everything settled. */
  readonly final: { readonly version: number; readonly zxid: Zxid; readonly seq: number };
  /** Writes acknowledged, writes with an unknown outcome, invalid values refused. */
  readonly acknowledged: number;
  readonly indeterminate: number;
  readonly refused: number;
  readonly rawInvalid: number;
  readonly faults: number;
  readonly writerSessions: number;
}

const PATH = "/fleet/config";
const SESSION_TIMEOUT_MS = 1_000;

/** Errors after which the session is gone and must be replaced. */
const isSessionGone = (error: unknown) =>
  ZabError.isInstance(error, "SessionExpired") || ZabError.isInstance(error, "Closed");

/** Runs one seed. */
export async function runWatchers(options: WatchersRunOptions): Promise<WatchersRunReport> {
  const scenario = new CoordinationScenario({ seed: options.seed });
  const connect = async (client: number): Promise<Coordination> => {
    for (;;) {
      try {
        return await scenario.connect(client, {
          sessionTimeoutMs: SESSION_TIMEOUT_MS,
          requestTimeoutMs: 2_000,
        });
      } catch (error) {
        if (!ZabError.isInstance(error, "ConnectionLoss") && !ZabError.isInstance(error, "SessionExpired"))
          throw error;
      }
    }
  };
  const store = (session: Coordination) =>
    new ConfigStore(session, PATH, { schema: sequenceSchema, clock: scenario.clock, historyMax: 5 });

  // Stops the watchers once the test has seen what it waits for.
  const stop = new AbortController();
  const logs: WatcherLog[] = Array.from({ length: options.watchers }, () => ({
    versions: [],
    watches: 0,
    staleEvents: 0,
    freshEvents: 0,
  }));
  const stats = { acknowledged: 0, indeterminate: 0, refused: 0, rawInvalid: 0, writerSessions: 0 };

  const watcher = async (index: number, log: WatcherLog) => {
    for (;;) {
      const session = await connect(index + 1);
      log.watches += 1;
      const watch = log.watches;
      try {
        await using config = store(session);
        for await (const event of config.watch({ signal: stop.signal })) {
          if (event.kind === "stale") log.staleEvents += 1;
          else if (event.kind === "fresh") log.freshEvents += 1;
          else if (event.kind === "value") {
            log.versions.push({
              kind: "value",
              version: event.version,
              zxid: event.zxid,
              seq: event.value.seq,
              watch,
            });
          } else log.versions.push({ kind: "invalid", version: event.version, zxid: event.zxid, watch });
        }
        throw new Error("the watch ended without an error");
      } catch (error) {
        if (stop.signal.aborted) return;
        if (!isSessionGone(error)) throw error;
      } finally {
        await session.close().catch(() => undefined);
      }
    }
  };

  const writer = async () => {
    let session = await connect(0);
    stats.writerSessions += 1;
    let config = store(session);
    const payload = "x".repeat(64);
    for (let seq = 1; seq <= options.updates; seq += 1) {
      try {
        await config.set({ seq, payload });
        stats.acknowledged += 1;
        if (seq % options.invalidEvery === 0 && seq < options.updates) {
          // Refused before it is proposed.
          await config.set({ seq: -seq, payload }).then(
            () => {
              throw new Error("an invalid value was accepted");
            },
            (error: unknown) => {
              if (!(error instanceof ConfigValidationError)) throw error;
              stats.refused += 1;
            },
          );
          // A writer that bypasses the schema: watchers must report it as invalid, never as a value.
          await session.setData(PATH, jsonCodec.encode({ seq: -seq, payload }));
          stats.rawInvalid += 1;
        }
      } catch (error) {
        if (ZabError.isInstance(error, "ConnectionLoss") || ZabError.isInstance(error, "Timeout")) {
          stats.indeterminate += 1;
          continue;
        }
        if (!isSessionGone(error)) throw error;
        stats.indeterminate += 1;
        await config.close();
        await session.close().catch(() => undefined);
        session = await connect(0);
        stats.writerSessions += 1;
        config = store(session);
      }
    }
    await config.close();
    await session.close().catch(() => undefined);
  };

  const watchers = logs.map((log, index) => watcher(index, log));
  await scenario.runWithFaults(writer(), { maxMs: 2_000_000 });
  // Faults healed: the final version, read through the leader.
  const final = await scenario.runUntilSettled(
    (async () => {
      const session = await connect(0);
      try {
        await using config = store(session);
        const snapshot = await config.get({ linearizable: true });
        return { version: snapshot.version, zxid: snapshot.zxid, seq: snapshot.value.seq };
      } finally {
        await session.close();
      }
    })(),
  );
  // Every watcher must now reach the final version by itself (the test checks that it did).
  await scenario.sim.runUntilAsync(
    () => logs.every((log) => log.versions.at(-1)?.zxid === final.zxid),
    60_000,
  );
  stop.abort();
  await scenario.runUntilSettled(Promise.all(watchers));
  return { logs, final, ...stats, faults: scenario.faults.count };
}
