// Goal: every operation of ConfigStore and ConfigTransaction does what its documentation says on
// a real (simulated) ensemble: reads and compare-and-set writes, validation on write and on read,
// history and rollback, multi-key releases, watches (first value, newer versions, coalescing,
// invalid versions as events, going on after the member refuses to resume them), stale reads
// while disconnected. Method: a CoordinationScenario
// (three members running the real session layer, clients through connect() in virtual time),
// without random faults; targeted faults where a test needs them (a member cut off from its
// clients, a member remembering too few changes for a watch to resume). Each test states what
// could go wrong and asserts it does not.
import { type Coordination, connect, type ServerId, ZabError } from "@zab/core";
import { CoordinationScenario, coordinationApplication, Simulation } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { type ConfigEvent, ConfigTransaction, ConfigValidationError, jsonCodec } from "../src/index.js";
import { counterSchema, valibotFlags, zodFlags } from "./helpers/schemas.js";
import { simulatedStore } from "./helpers/simulated-store.js";
import { withSessions } from "./helpers/with-sessions.js";

const encode = (value: unknown) => jsonCodec.encode(value);

/** Runs `work` with one session on a fresh scenario, in virtual time. */
async function withSession<T>(
  work: (session: Coordination, scenario: CoordinationScenario) => Promise<T>,
  seed = 1,
): Promise<T> {
  const scenario = new CoordinationScenario({ seed });
  return scenario.runUntilSettled(
    withSessions([() => scenario.connect(0, { sessionTimeoutMs: 2_000 })], (session) =>
      work(session, scenario),
    ),
  );
}

describe("ConfigStore reads and writes", () => {
  it("refuses get on a store with no value, then reads what set wrote, as JSON in the znode", async () => {
    await withSession(async (session, scenario) => {
      await using flags = simulatedStore(scenario.clock, session, "/config/flags", { schema: zodFlags });
      await expect(flags.get()).rejects.toSatisfy((error) => ZabError.isInstance(error, "NoNode"));
      const written = await flags.set({ newCheckout: true, rolloutPercent: 5 });
      expect(written.version).toBe(0);
      const read = await flags.get();
      expect(read).toEqual({ ...written, stale: false });
      // The value znode holds the JSON itself, readable with `zab get`.
      const { data } = await session.getData("/config/flags");
      expect(JSON.parse(new TextDecoder().decode(data))).toEqual({ newCheckout: true, rolloutPercent: 5 });
    });
  });

  it("works the same with a valibot schema", async () => {
    await withSession(async (session, scenario) => {
      await using flags = simulatedStore(scenario.clock, session, "/flags", { schema: valibotFlags });
      await flags.set({ newCheckout: false, rolloutPercent: 100 });
      expect((await flags.get()).value).toEqual({ newCheckout: false, rolloutPercent: 100 });
      await expect(flags.set({ newCheckout: false, rolloutPercent: 101 })).rejects.toBeInstanceOf(
        ConfigValidationError,
      );
    });
  });

  it("is a compare-and-set with expectedVersion, null meaning 'no value yet'", async () => {
    await withSession(async (session, scenario) => {
      await using flags = simulatedStore(scenario.clock, session, "/flags", { schema: zodFlags });
      const first = await flags.set({ newCheckout: false, rolloutPercent: 0 }, { expectedVersion: null });
      await expect(
        flags.set({ newCheckout: true, rolloutPercent: 0 }, { expectedVersion: null }),
      ).rejects.toSatisfy((error) => ZabError.isInstance(error, "BadVersion"));
      await expect(
        flags.set({ newCheckout: true, rolloutPercent: 0 }, { expectedVersion: 7 }),
      ).rejects.toSatisfy((error) => ZabError.isInstance(error, "BadVersion"));
      const second = await flags.set(
        { newCheckout: true, rolloutPercent: 1 },
        { expectedVersion: first.version },
      );
      expect(second.version).toBe(first.version + 1);
      expect(second.zxid > first.zxid).toBe(true);
      expect((await flags.get()).value.rolloutPercent).toBe(1);
    });
  });

  it("refuses an invalid value before proposing it: the znode does not change", async () => {
    await withSession(async (session, scenario) => {
      await using flags = simulatedStore(scenario.clock, session, "/flags", { schema: zodFlags });
      await flags.set({ newCheckout: false, rolloutPercent: 10 });
      const before = await session.exists("/flags");
      const error = await flags.set({ newCheckout: false, rolloutPercent: -3 }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ConfigValidationError);
      expect(ZabError.isInstance(error, "Invalid")).toBe(true);
      expect((error as ConfigValidationError).issues.length).toBeGreaterThan(0);
      const after = await session.exists("/flags");
      expect(after.stat?.mzxid).toBe(before.stat?.mzxid);
      await expect(flags.update(() => ({ newCheckout: false, rolloutPercent: 1000 }))).rejects.toBeInstanceOf(
        ConfigValidationError,
      );
      expect((await session.exists("/flags")).stat?.mzxid).toBe(before.stat?.mzxid);
    });
  });

  it("reports a stored value that fails the schema as a ConfigValidationError, with its version", async () => {
    await withSession(async (session, scenario) => {
      await using flags = simulatedStore(scenario.clock, session, "/flags", { schema: zodFlags });
      await flags.set({ newCheckout: false, rolloutPercent: 10 });
      // Another writer, bypassing the schema (or an older release with another schema).
      await session.setData("/flags", encode({ newCheckout: "yes" }));
      const error = await flags.get().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ConfigValidationError);
      expect((error as ConfigValidationError).version).toBe(1);
      await session.setData("/flags", new TextEncoder().encode("{not json"));
      await expect(flags.get()).rejects.toBeInstanceOf(ConfigValidationError);
      // update needs the current value, so it refuses too; set replaces it.
      await expect(
        flags.update((current) => current ?? { newCheckout: true, rolloutPercent: 0 }),
      ).rejects.toBeInstanceOf(ConfigValidationError);
      await flags.set({ newCheckout: true, rolloutPercent: 0 });
      expect((await flags.get()).value.newCheckout).toBe(true);
    });
  });

  it("adopts a plain znode already at the path, whatever its version", async () => {
    await withSession(async (session, scenario) => {
      await session.create("/existing");
      await session.setData("/existing", new Uint8Array());
      await using store = simulatedStore(scenario.clock, session, "/existing", { schema: counterSchema });
      await expect(store.get()).rejects.toSatisfy((error) => ZabError.isInstance(error, "NoNode"));
      const written = await store.set({ count: 1 }, { expectedVersion: null });
      expect(written.version).toBe(2);
      expect((await store.history()).map((entry) => entry.version)).toEqual([2]);
    });
  });

  it("applies update(fn) as a read-modify-write: concurrent updates on one session all count", async () => {
    await withSession(async (session, scenario) => {
      await using counter = simulatedStore(scenario.clock, session, "/counter", {
        schema: counterSchema,
        attemptsMax: 100,
      });
      await Promise.all(
        Array.from({ length: 20 }, () => counter.update((current) => ({ count: (current?.count ?? 0) + 1 }))),
      );
      const { value, version } = await counter.get();
      expect(value.count).toBe(20);
      expect(version).toBe(19);
    });
  });

  it("gives up with BadVersion after attemptsMax attempts, having written nothing", async () => {
    await withSession(async (session, scenario) => {
      await using counter = simulatedStore(scenario.clock, session, "/counter", { schema: counterSchema });
      await counter.set({ count: 0 });
      let calls = 0;
      const error = await counter
        .update(
          async (current) => {
            calls += 1;
            // Another writer gets in between every read and write.
            await session.setData("/counter", encode({ count: 100 + calls }));
            return { count: (current?.count ?? 0) + 1 };
          },
          { attemptsMax: 3 },
        )
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(ZabError.isInstance(error, "BadVersion")).toBe(true);
      // One free try from what the store's own set left, then three counted attempts.
      expect(calls).toBe(4);
      expect((await counter.get()).value.count).toBe(104);
    });
  });

  it("deletes confirmed write receipts with later writes and on close", async () => {
    await withSession(async (session, scenario) => {
      const store = simulatedStore(scenario.clock, session, "/r", { schema: counterSchema });
      for (let count = 0; count < 30; count += 1) await store.set({ count });
      // Each write deletes the receipts of earlier ones: at most one is left behind.
      expect((await session.getChildren("/r/.receipts")).children.length).toBeLessThanOrEqual(1);
      await store.close();
      expect((await session.getChildren("/r/.receipts")).children).toEqual([]);
      await expect(store.get()).rejects.toSatisfy((error) => ZabError.isInstance(error, "Closed"));
    });
  });
});

describe("ConfigStore history", () => {
  it("keeps the newest historyMax versions and rolls back as a new version", async () => {
    await withSession(async (session, scenario) => {
      await using counter = simulatedStore(scenario.clock, session, "/h", {
        schema: counterSchema,
        historyMax: 3,
      });
      expect(await counter.history()).toEqual([]);
      for (let count = 0; count < 6; count += 1) await counter.set({ count: count * 10 });
      const history = await counter.history();
      expect(history.map((entry) => entry.version)).toEqual([5, 4, 3]);
      expect(history.map((entry) => (entry.valid ? entry.value.count : undefined))).toEqual([50, 40, 30]);
      // The entry's zxid is the transaction that wrote that version.
      const current = await counter.get();
      expect(history[0]?.zxid).toBe(current.zxid);

      const rolledBack = await counter.rollback(3);
      expect(rolledBack.version).toBe(6);
      expect(rolledBack.value.count).toBe(30);
      expect((await counter.get()).value.count).toBe(30);
      expect((await counter.history()).map((entry) => entry.version)).toEqual([6, 5, 4]);
      await expect(counter.rollback(1)).rejects.toSatisfy((error) => ZabError.isInstance(error, "NoNode"));
      await expect(counter.rollback(5, { expectedVersion: 5 })).rejects.toSatisfy((error) =>
        ZabError.isInstance(error, "BadVersion"),
      );
    });
  });

  it("lists an entry that fails the current schema as invalid, and refuses to roll back to it", async () => {
    await withSession(async (session, scenario) => {
      await using loose = simulatedStore(scenario.clock, session, "/s", {
        schema: counterSchema.passthrough(),
      });
      await loose.set({ count: 1 });
      await loose.set({ count: 2 });
      const strict = simulatedStore(scenario.clock, session, "/s", {
        schema: counterSchema.refine((value) => value.count >= 2, "count must be at least 2"),
      });
      const history = await strict.history();
      expect(history.map((entry) => entry.valid)).toEqual([true, false]);
      await expect(strict.rollback(0)).rejects.toBeInstanceOf(ConfigValidationError);
      expect((await strict.get()).version).toBe(1);
      await strict.close();
    });
  });

  it("trims a surplus left by a larger historyMax over several writes", async () => {
    await withSession(async (session, scenario) => {
      await using wide = simulatedStore(scenario.clock, session, "/t", {
        schema: counterSchema,
        historyMax: 40,
      });
      for (let count = 0; count < 40; count += 1) await wide.set({ count });
      await using narrow = simulatedStore(scenario.clock, session, "/t", {
        schema: counterSchema,
        historyMax: 2,
      });
      await narrow.set({ count: 100 });
      // At most 16 entries go per write: 40 + 1 - 16 = 25 remain.
      expect((await narrow.history()).length).toBe(25);
      await narrow.set({ count: 101 });
      await narrow.set({ count: 102 });
      expect((await narrow.history()).map((entry) => entry.version)).toEqual([42, 41]);
    });
  });
});

describe("ConfigTransaction", () => {
  it("writes several stores in one transaction, or none of them", async () => {
    await withSession(async (session, scenario) => {
      await using flags = simulatedStore(scenario.clock, session, "/release/flags", { schema: zodFlags });
      await using limits = simulatedStore(scenario.clock, session, "/release/limits", {
        schema: counterSchema,
      });
      await limits.set({ count: 10 });
      const results = await new ConfigTransaction()
        .set(flags, { newCheckout: true, rolloutPercent: 50 })
        .update(limits, (current) => ({ count: (current?.count ?? 0) * 2 }))
        .commit();
      expect(results.map((result) => result.version)).toEqual([0, 1]);
      // One transaction: one zxid for both.
      expect(results[0]?.zxid).toBe(results[1]?.zxid);
      expect((await limits.get()).value.count).toBe(20);

      // A stale expected version fails the whole release: neither store changes.
      const before = [await flags.get(), await limits.get()];
      await expect(
        new ConfigTransaction()
          .set(flags, { newCheckout: false, rolloutPercent: 0 })
          .set(limits, { count: 1 }, { expectedVersion: 0 })
          .commit(),
      ).rejects.toSatisfy((error) => ZabError.isInstance(error, "BadVersion"));
      // An invalid value fails it before anything is sent.
      await expect(
        new ConfigTransaction()
          .set(flags, { newCheckout: false, rolloutPercent: 0 })
          .set(limits, { count: -1 })
          .commit(),
      ).rejects.toBeInstanceOf(ConfigValidationError);
      expect([await flags.get(), await limits.get()]).toEqual(before);
    });
  });

  it("refuses a store staged twice, an empty commit and a second commit", async () => {
    await withSession(async (session, scenario) => {
      await using flags = simulatedStore(scenario.clock, session, "/f", { schema: zodFlags });
      const release = new ConfigTransaction().set(flags, { newCheckout: true, rolloutPercent: 1 });
      expect(() => release.set(flags, { newCheckout: true, rolloutPercent: 2 })).toThrow(/already part/);
      await expect(new ConfigTransaction().commit()).rejects.toSatisfy((error) =>
        ZabError.isInstance(error, "Invalid"),
      );
      await release.commit();
      await expect(release.commit()).rejects.toSatisfy((error) => ZabError.isInstance(error, "Invalid"));
    });
  });
});

describe("ConfigStore.watch", () => {
  it("yields the current value, then newer versions, coalescing for a slow consumer", async () => {
    await withSession(async (session, scenario) => {
      await using counter = simulatedStore(scenario.clock, session, "/w", { schema: counterSchema });
      await counter.set({ count: 0 });
      await using watch = counter.watch();
      const first = await watch.next();
      expect(first.value).toMatchObject({ kind: "value", value: { count: 0 }, version: 0 });
      // Ten writes while the consumer does not pull: it then gets only the newest.
      for (let count = 1; count <= 10; count += 1) await counter.set({ count });
      const second = await watch.next();
      expect(second.value).toMatchObject({ kind: "value", value: { count: 10 }, version: 10 });
      const pending = watch.next();
      await counter.set({ count: 11 });
      expect((await pending).value).toMatchObject({ kind: "value", version: 11 });
    });
  });

  it("waits for the first value of an empty store, and reports invalid versions as events", async () => {
    await withSession(async (session, scenario) => {
      await using counter = simulatedStore(scenario.clock, session, "/w", { schema: counterSchema });
      const events: ConfigEvent<{ count: number }>[] = [];
      const watch = counter.watch();
      const consumer = (async () => {
        for await (const event of watch) {
          events.push(event);
          if (event.kind === "value" && event.value.count === 2) break;
        }
      })();
      await counter.set({ count: 1 });
      await pause(scenario, 50);
      await session.setData("/w", encode({ count: -5 }));
      await pause(scenario, 50);
      await counter.set({ count: 2 });
      await consumer;
      expect(events.map((event) => event.kind)).toEqual(["value", "invalid", "value"]);
      expect(events.map((event) => ("version" in event ? event.version : undefined))).toEqual([0, 1, 2]);
      const invalid = events[1];
      expect(invalid?.kind === "invalid" && invalid.error instanceof ConfigValidationError).toBe(true);
    });
  });

  it("ends cleanly on return() and when the store closes, and with Aborted on its signal", async () => {
    await withSession(async (session, scenario) => {
      const counter = simulatedStore(scenario.clock, session, "/w", { schema: counterSchema });
      await counter.set({ count: 0 });
      const stopped = counter.watch();
      await stopped.next();
      expect(await stopped.return()).toEqual({ done: true, value: undefined });
      const controller = new AbortController();
      const aborted = counter.watch({ signal: controller.signal });
      await aborted.next();
      const waiting = aborted.next();
      controller.abort();
      await expect(waiting).rejects.toSatisfy((error) => ZabError.isInstance(error, "Aborted"));
      const closing = counter.watch();
      await closing.next();
      const pending = closing.next();
      await counter.close();
      expect(await pending).toEqual({ done: true, value: undefined });
    });
  });
});

describe("ConfigStore while disconnected", () => {
  it("serves the last known value marked stale with allowStale, and the watch says stale, then fresh", async () => {
    const scenario = new CoordinationScenario({ seed: 3 });
    await scenario.runUntilSettled(
      withSessions(
        [
          // The session lives on member 1 only; cutting it off from clients suspends the session.
          () => scenario.connect(0, { sessionTimeoutMs: 5_000, requestTimeoutMs: 1_000 }),
          () => scenario.connect(1, { sessionTimeoutMs: 5_000 }),
        ],
        async (session, writer) => {
          await using reader = simulatedStore(scenario.clock, session, "/c", { schema: counterSchema });
          await using writing = simulatedStore(scenario.clock, writer, "/c", { schema: counterSchema });
          await writing.set({ count: 1 });
          expect((await reader.get({ linearizable: true })).value.count).toBe(1);
          const watch = reader.watch();
          expect((await watch.next()).value).toMatchObject({ kind: "value", version: 0 });
          const member = scenario.sim.voterIds[0];
          if (member === undefined) throw new Error("no member");
          scenario.sim.clients.isolate(member);
          expect((await watch.next()).value).toEqual({
            kind: "stale",
            snapshot: expect.objectContaining({ value: { count: 1 }, version: 0, stale: true }),
          });
          const stale = await reader.get({ allowStale: true });
          expect(stale).toMatchObject({ value: { count: 1 }, version: 0, stale: true });
          await writing.set({ count: 2 });
          scenario.sim.clients.reconnect(member);
          // Back: the newer version first, then fresh.
          expect((await watch.next()).value).toMatchObject({
            kind: "value",
            value: { count: 2 },
            version: 1,
          });
          expect((await watch.next()).value).toEqual({ kind: "fresh" });
          expect(await reader.get({ allowStale: true })).toMatchObject({ version: 1, stale: false });
          await watch.return();
        },
      ),
    );
  });
});

describe("ConfigStore.watch when the underlying watch cannot resume", () => {
  it("sets the watch anew and reads again: it still reaches the newest version", async () => {
    // Members that remember only their last 3 changes: a watch that missed more cannot resume,
    // the member refuses it with WatchOverflow.
    const sim = new Simulation({
      seed: 4,
      voters: 3,
      application: coordinationApplication({ sessionTimeoutMinMs: 200, watchHistoryMax: 3 }),
    });
    const ids = sim.voterIds;
    // Each session knows one member only, so the reader cannot move while its member is cut off.
    const open = (member: number) =>
      connect({
        dialer: sim.clientDialer(),
        clock: sim.clientClock(),
        members: [ids[member] as ServerId],
        sessionTimeoutMs: 5_000,
      });
    const overflows: unknown[] = [];
    let events: string[] | undefined;
    const work = withSessions([() => open(0), () => open(1)], async (session, writer) => {
      // Records how the store's underlying watches end.
      const watch = session.watch.bind(session);
      session.watch = (path, options) => {
        const stream = watch(path, options);
        const next = stream.next.bind(stream);
        stream.next = async () => {
          try {
            return await next();
          } catch (error) {
            overflows.push(error);
            throw error;
          }
        };
        return stream;
      };
      await using reader = simulatedStore(sim.clientClock(), session, "/o", { schema: counterSchema });
      await using writing = simulatedStore(sim.clientClock(), writer, "/o", { schema: counterSchema });
      await writing.set({ count: 0 });
      await using follow = reader.watch();
      expect((await follow.next()).value).toMatchObject({ kind: "value", version: 0 });
      const member = ids[0] as ServerId;
      sim.clients.isolate(member);
      expect((await follow.next()).value).toMatchObject({ kind: "stale" });
      for (let count = 1; count <= 10; count += 1) await writing.set({ count });
      sim.clients.reconnect(member);
      events = [];
      for (;;) {
        const event = (await follow.next()).value;
        if (event === undefined) throw new Error("the watch ended");
        events.push(event.kind === "value" ? `value ${event.version}` : event.kind);
        if (event.kind === "fresh") break;
      }
      // And it goes on following.
      await writing.set({ count: 11 });
      const next = (await follow.next()).value;
      events.push(next?.kind === "value" ? `value ${next.version}` : String(next?.kind));
    });
    let settled = false;
    const done = work.finally(() => {
      settled = true;
    });
    await sim.runUntilAsync(() => settled, 20_000);
    await done;
    expect(events).toEqual(["value 10", "fresh", "value 11"]);
    // The store's watch did overflow, and went on (the other ends are its stops: Aborted).
    const codes = overflows.map((error) => (ZabError.isInstance(error) ? error.code : String(error)));
    expect(codes).toContain("WatchOverflow");
    expect(codes.every((code) => code === "WatchOverflow" || code === "Aborted")).toBe(true);
  });
});

function pause(scenario: CoordinationScenario, ms: number): Promise<void> {
  return new Promise((resolve) => scenario.clock.setTimeout(resolve, ms));
}
