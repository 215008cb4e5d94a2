// Goal: the mutex works the same on real members in real time as in the simulator. Method: three
// CoordinationServers (the real member runtime, memory storage, in-process transports, 10 ms
// ticks) and real client sessions with real timers. Four clients take the lock ten times each
// with an in-process counter of holders (never above one) and the fencing tokens checked; then a
// holder's member is cut off from its clients: the holder's signal fires at once (abortOn
// "suspended"), the waiter on another member gets the lock only after the ensemble expired the
// holder's session, with a higher token, and a FencingGate refuses the old holder's token.
import type { ServerId } from "@zab/core";
import { startMemoryEnsemble } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { FencingGate, Mutex } from "../src/index.js";

const SESSION_TIMEOUT_MS = 600;

describe("Mutex on real members", () => {
  it("lets one holder in at a time, with increasing tokens", async () => {
    await using ensemble = await startMemoryEnsemble();
    const { voters } = ensemble;
    let inside = 0;
    let insideMax = 0;
    const tokens: bigint[] = [];
    await Promise.all(
      [0, 1, 2, 3].map(async (client) => {
        const mutex = new Mutex(
          await ensemble.connect({
            members: [...voters.slice(client % 3), ...voters.slice(0, client % 3)],
            sessionTimeoutMs: SESSION_TIMEOUT_MS,
          }),
          "/locks/real",
        );
        for (let round = 0; round < 10; round += 1) {
          await using lease = await mutex.acquire();
          inside += 1;
          insideMax = Math.max(insideMax, inside);
          tokens.push(lease.fencingToken);
          await new Promise((resolve) => setTimeout(resolve, 1));
          inside -= 1;
        }
      }),
    );
    expect(insideMax).toBe(1);
    expect(tokens).toHaveLength(40);
    for (let i = 1; i < tokens.length; i += 1) expect(tokens[i]).toBeGreaterThan(tokens[i - 1] ?? 0n);
  }, 30_000);

  it("hands the lock over only after a cut-off holder's session expired, and fences the old holder", async () => {
    await using ensemble = await startMemoryEnsemble();
    const [pinned, ...others] = ensemble.voters as [ServerId, ServerId, ServerId];
    const holder = await new Mutex(
      await ensemble.connect({ members: [pinned], sessionTimeoutMs: SESSION_TIMEOUT_MS }),
      "/locks/cut-off",
    ).acquire();
    const waiter = new Mutex(
      await ensemble.connect({ members: others, sessionTimeoutMs: SESSION_TIMEOUT_MS }),
      "/locks/cut-off",
    );
    const gate = new FencingGate();
    expect(gate.admit(holder.fencingToken)).toBe(true);
    let signalledAt: number | undefined;
    holder.signal.addEventListener("abort", () => {
      signalledAt = performance.now();
    });
    const waiting = waiter.acquire();
    const cutAt = performance.now();
    ensemble.clients.isolate(pinned);
    const lease = await waiting;
    const grantedAt = performance.now();
    expect(signalledAt).toBeDefined();
    expect(signalledAt ?? Number.POSITIVE_INFINITY).toBeLessThan(grantedAt);
    // The ensemble cannot expire the holder's session before a session timeout has passed.
    expect(grantedAt - cutAt).toBeGreaterThan(SESSION_TIMEOUT_MS / 2);
    expect(lease.fencingToken).toBeGreaterThan(holder.fencingToken);
    expect(gate.admit(lease.fencingToken)).toBe(true);
    expect(gate.admit(holder.fencingToken)).toBe(false);
    await lease.release();
  }, 30_000);
});
