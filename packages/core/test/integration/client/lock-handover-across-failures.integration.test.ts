// Goal: the client keeps the promises a lock recipe relies on, end to end and in real time. A
// lock holder whose member crashes moves its session to another member before the session
// timeout, so its ephemeral node — the lock — survives, and its persistent watch keeps reporting.
// A holder cut off from every member learns by its own timer that its session must be presumed
// lost no later than the ensemble expires it; only then is its node deleted, and the waiter
// watching it (Curator's "watch only the predecessor") is woken and takes the lock.
//
// Method: two real clients, with real timers and a 600 ms session timeout, against a model
// ensemble (model-ensemble.ts: one shared tree and session table behind three members on local
// channels, expiring sessions by its own clock); faults are a member crash and a partition of one
// client from every member.

import { describe, expect, it } from "vitest";
import { connect } from "../../../src/client/client-session.js";
import type { ConnectionState, Coordination } from "../../../src/client/coordination.js";
import { ZabError } from "../../../src/errors.js";
import { serverId } from "../../../src/protocol/ids.js";
import { ModelEnsemble } from "./model-ensemble.js";

const [M1, M2, M3] = [serverId(1), serverId(2), serverId(3)];
const SESSION_TIMEOUT_MS = 600;

/** Resolves once `session` is in `target` (at once if it already is). */
async function reach(session: Coordination, target: ConnectionState): Promise<void> {
  if (session.state === target) return;
  for await (const state of session.states()) if (state === target) return;
  throw new Error(`the session ended in ${session.state} before reaching ${target}`);
}

describe("a lock handed over across member failures", () => {
  it("survives a member crash, and passes to the waiter only once the holder's session is gone", async () => {
    using ensemble = new ModelEnsemble(SESSION_TIMEOUT_MS);
    await using holder = await connect({
      dialer: ensemble.dialer("holder"),
      members: [M1, M2, M3],
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
    });
    await using waiter = await connect({
      dialer: ensemble.dialer("waiter"),
      members: [M2, M3, M1],
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
    });
    const holderStates: ConnectionState[] = [];
    const holderWatching = (async () => {
      for await (const state of holder.states()) holderStates.push(state);
    })();

    await holder.create("/lock");
    const held = await holder.create("/lock/n-", { mode: "ephemeralSequential" });
    const waiting = await waiter.create("/lock/n-", { mode: "ephemeralSequential" });
    expect([held, waiting]).toEqual(["/lock/n-0000000000", "/lock/n-0000000001"]);
    const { children } = await waiter.getChildren("/lock");
    const predecessor = `/lock/${[...children].sort()[0]}`;
    expect(predecessor).toBe(held);
    const { stat, watch: predecessorGone } = await waiter.exists(predecessor, { watch: true });
    expect(stat?.ephemeralOwner).toBe(holder.sessionId);
    const holderEvents = holder.watch("/lock", { recursive: true });

    // The holder's member crashes: the session moves within its timeout and the lock survives.
    ensemble.crash(M1);
    await reach(holder, "reconnected");
    expect(ensemble.has(held)).toBe(true);
    await waiter.setData(waiting, new Uint8Array([1]));
    const change = await holderEvents.next();
    expect(change.value).toMatchObject({ type: "nodeDataChanged", path: waiting });

    // The holder is cut off from every member: its own timer says lost, then the ensemble expires
    // the session, deletes the lock node and wakes the waiter.
    // Safety: when the waiter is woken, the holder already knows it lost the lock.
    const holderStateWhenWoken = predecessorGone.then(() => holder.state);
    const cutAt = performance.now();
    ensemble.partition("holder");
    await reach(holder, "lost");
    // Its own timer, not a member, told it: at most one session timeout after the cut (with
    // room for a busy machine's late timers).
    expect(performance.now() - cutAt).toBeLessThan(2 * SESSION_TIMEOUT_MS);
    expect(await holderStateWhenWoken).toBe("lost");
    expect(await predecessorGone).toMatchObject({ type: "nodeDeleted", path: held });
    expect(ensemble.has(held)).toBe(false);
    expect((await waiter.getChildren("/lock")).children).toEqual(["n-0000000001"]);
    expect(waiter.state).toBe("connected");

    await holderWatching;
    expect(holderStates).toEqual(["suspended", "reconnected", "suspended", "lost"]);
    const after = await holderEvents.next().catch((error: unknown) => error);
    expect(ZabError.isInstance(after, "SessionExpired")).toBe(true);
    await expect(holder.getData("/lock")).rejects.toSatisfy((error) =>
      ZabError.isInstance(error, "SessionExpired"),
    );
    expect(ensemble.sessions).toBe(1);
  });

  it("closes its session at the ensemble on `await using`, deleting its ephemeral nodes at once", async () => {
    using ensemble = new ModelEnsemble(SESSION_TIMEOUT_MS);
    await using observer = await connect({ dialer: ensemble.dialer("observer"), members: [M3] });
    {
      await using session = await connect({ dialer: ensemble.dialer("client"), members: [M1, M2] });
      await session.create("/member", { mode: "ephemeral" });
      expect(ensemble.sessions).toBe(2);
    }
    expect(ensemble.sessions).toBe(1);
    expect((await observer.exists("/member")).stat).toBeUndefined();
  });
});
