// Goal: both fencing tools refuse a holder whose lock has passed on. Method: FencingGate on its
// own (admits equal and higher tokens, refuses lower ones with "BadVersion"); then, on a
// simulated ensemble, a multi guarded by lease.fenceOp() writes while the lease is held and is
// refused, writing nothing, once the lease is released and another client holds the lock.
import { MultiError, ZabError } from "@zab/core";
import { CoordinationScenario } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { FencingGate, type FencingToken, Mutex } from "../src/index.js";

const token = (value: bigint) => value as FencingToken;

describe("FencingGate", () => {
  it("admits a holder's repeated and later tokens, and refuses an earlier one", () => {
    const gate = new FencingGate();
    expect(gate.highest).toBeUndefined();
    expect(gate.admit(token(10n))).toBe(true);
    expect(gate.admit(token(10n))).toBe(true);
    expect(gate.admit(token(12n))).toBe(true);
    expect(gate.admit(token(11n))).toBe(false);
    expect(gate.highest).toBe(12n);
    expect(() => gate.check(token(9n))).toThrow(
      expect.objectContaining({ code: "BadVersion" }) as unknown as Error,
    );
    expect(() => gate.check(token(12n))).not.toThrow();
  });
});

describe("Lease.fenceOp", () => {
  it("lets a multi write while the lease is held, and refuses it once the lock has passed on", async () => {
    const scenario = new CoordinationScenario({ seed: 9 });
    const { clock } = scenario;
    const data = (text: string) => new TextEncoder().encode(text);
    const work = (async () => {
      const [first, second] = await Promise.all([0, 1].map((client) => scenario.connect(client)));
      if (first === undefined || second === undefined) throw new Error("no session");
      await first.create("/guarded", { data: data("initial") });
      const old = await new Mutex(first, "/locks/fenced", { clock }).acquire();
      await first.multi([
        old.fenceOp(),
        { op: "setData", path: "/guarded", data: data("by the old holder"), version: -1 },
      ]);
      await old.release();
      const current = await new Mutex(second, "/locks/fenced", { clock }).acquire();
      let refused: unknown;
      try {
        await first.multi([
          old.fenceOp(),
          { op: "setData", path: "/guarded", data: data("stale"), version: -1 },
        ]);
      } catch (error) {
        refused = error;
      }
      const afterRefusal = new TextDecoder().decode((await second.getData("/guarded")).data);
      await second.multi([
        current.fenceOp(),
        { op: "setData", path: "/guarded", data: data("by the new holder"), version: -1 },
      ]);
      const { data: stored } = await second.getData("/guarded");
      await current.release();
      await Promise.all([first.close(), second.close()]);
      return {
        refusedAtFence:
          refused instanceof MultiError &&
          refused.failedIndex === 0 &&
          ZabError.isInstance(refused, "NoNode"),
        afterRefusal,
        stored: new TextDecoder().decode(stored),
      };
    })();
    expect(await scenario.runUntilSettled(work)).toEqual({
      refusedAtFence: true,
      afterRefusal: "by the old holder",
      stored: "by the new holder",
    });
  });
});
