// Goal: the session keeps itself alive and moves between members as sessions.md and Curator's
// connection states prescribe — pings after a third of the negotiated timeout idle; a member
// silent for two thirds of it is given up; a broken channel fails the calls in flight with
// ConnectionLoss and suspends the session, which moves to the other members in turn (and back to
// the same one) with its id, password and lastZxidSeen, and is reconnected; calls made while
// suspended are sent once reconnected; a member's refusal (timeout 0) or the client's own expiry
// timer makes it lost, and every pending and later call fails with SessionExpired; states()
// reports every change in order and ends with the final one.
//
// Method: the real client against scripted members on local channels, with faked timers and
// clock (local channels still deliver on real setImmediate turns), so the timing rules are
// checked to the millisecond without waiting.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConnectionState } from "../../../src/client/coordination.js";
import {
  connected,
  expectZabError,
  M1,
  M2,
  M3,
  PASSWORD,
  ScriptedEnsemble,
  SESSION,
  STAT,
  settle,
  useFakeClock,
} from "./scripted-ensemble.js";

beforeEach(() => {
  useFakeClock();
});

afterEach(() => {
  vi.useRealTimers();
});

/** Collects what a states() stream yields, until it ends. */
function record(states: AsyncIterable<ConnectionState>): { seen: ConnectionState[]; ended: Promise<void> } {
  const seen: ConnectionState[] = [];
  const ended = (async () => {
    for await (const state of states) seen.push(state);
  })();
  return { seen, ended };
}

describe("keeping the session alive", () => {
  it("pings after a third of the negotiated timeout without sending, and not before", async () => {
    const { session, member } = await connected(new ScriptedEnsemble(), { negotiatedTimeoutMs: 3000 });
    await vi.advanceTimersByTimeAsync(999);
    expect(member.unread).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    const ping = await member.receiveRequest("ping");
    expect(ping.xid).toBe(1);
    member.reply(ping, { op: "ping" });
    await settle();
    // Traffic postpones the next ping: a call 500 ms later moves it to 1000 ms after that call.
    await vi.advanceTimersByTimeAsync(500);
    const read = session.sync();
    member.reply(await member.receiveRequest("sync"), { op: "sync", path: "/" });
    await read;
    await vi.advanceTimersByTimeAsync(999);
    expect(member.unread).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect((await member.receiveRequest("ping")).xid).toBe(3);
    expect(session.state).toBe("connected");
    member.close();
    await session.close();
  });

  it("gives up a member that sends nothing for two thirds of the timeout, and moves on", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble, { negotiatedTimeoutMs: 3000 });
    await vi.advanceTimersByTimeAsync(1000);
    await member.receiveRequest("ping"); // Never answered.
    await vi.advanceTimersByTimeAsync(999);
    expect(session.state).toBe("connected");
    await vi.advanceTimersByTimeAsync(1);
    await member.closed;
    expect(session.state).toBe("suspended");
    const next = await ensemble.nextDial();
    expect(next.id).toBe(M2);
    next.close();
    await session.close();
  });
});

describe("moving the session", () => {
  it("fails calls in flight with ConnectionLoss, suspends, and resumes on the next member", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble);
    const states = record(session.states());
    const inFlight = session.create("/a");
    await member.receiveRequest("create");
    member.close();
    await expectZabError(inFlight, "ConnectionLoss");
    expect(session.state).toBe("suspended");

    const next = await ensemble.nextDial();
    expect(next.id).toBe(M2);
    const handshake = await next.accept();
    expect(handshake.sessionId).toBe(SESSION);
    expect(handshake.sessionPassword).toEqual(PASSWORD);
    await settle();
    expect(session.state).toBe("reconnected");

    const read = session.getData("/a");
    const request = await next.receiveRequest("getData");
    // xids go on counting across connections: the lost request took xid 1.
    expect(request.xid).toBe(2);
    next.reply(request, { op: "getData", data: new Uint8Array(), stat: STAT });
    await read;
    next.close();
    await session.close();
    await states.ended;
    expect(states.seen).toEqual(["suspended", "reconnected", "closed"]);
  });

  it("tries the other members in turn, then the one it lost, then pauses", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble, { sessionTimeoutMs: 30_000 });
    ensemble.down(M2);
    ensemble.down(M3);
    member.close();
    const back = await ensemble.nextDial();
    expect(ensemble.dialed).toEqual([M1, M2, M3, M1]);
    back.close();
    await settle();
    expect(ensemble.dialed).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(50);
    await settle();
    expect(ensemble.dialed).toEqual([M1, M2, M3, M1, M2, M3, M1]);
    const again = await ensemble.nextDial();
    await again.accept();
    await settle();
    expect(session.state).toBe("reconnected");
    again.close();
    await session.close();
  });

  it("sends the calls made while suspended once reconnected, in order", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble);
    ensemble.down(M2);
    member.close();
    await settle();
    expect(session.state).toBe("suspended");
    const first = session.create("/one");
    const second = session.delete("/two");
    const next = await ensemble.nextDial();
    expect(next.id).toBe(M3);
    await next.accept();
    const create = await next.receiveRequest("create");
    const del = await next.receiveRequest("delete");
    expect([create.xid, del.xid]).toEqual([1, 2]);
    next.reply(create, { op: "create", path: "/one", stat: STAT });
    next.reply(del, { op: "delete" });
    expect(await first).toBe("/one");
    await second;
    next.close();
    await session.close();
  });

  it("times out a call made while suspended if no member takes the session in time", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble, {
      requestTimeoutMs: 200,
      sessionTimeoutMs: 30_000,
    });
    ensemble.down(M1);
    ensemble.down(M2);
    ensemble.down(M3);
    member.close();
    await settle();
    const waiting = expectZabError(session.sync(), "Timeout");
    await vi.advanceTimersByTimeAsync(200);
    await waiting;
    ensemble.down(M2, false);
    await vi.advanceTimersByTimeAsync(1000);
    const next = await ensemble.nextDial();
    await next.accept();
    await settle();
    expect(next.unread).toBe(0); // The timed-out call is not sent.
    next.close();
    await session.close();
  });

  it("is lost when a member reports the session expired; every call then fails with SessionExpired", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble);
    const states = record(session.states());
    ensemble.down(M2);
    member.close();
    await settle();
    const waiting = session.getData("/a");
    const next = await ensemble.nextDial();
    expect(next.id).toBe(M3);
    const refused = await next.refuseExpired();
    expect(refused.sessionId).toBe(SESSION);
    await expectZabError(waiting, "SessionExpired");
    expect(session.state).toBe("lost");
    await expectZabError(session.exists("/a"), "SessionExpired");
    await states.ended;
    expect(states.seen).toEqual(["suspended", "lost"]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(ensemble.untaken).toBe(0);
    await session.close();
    expect(session.state).toBe("lost");
  });

  it("declares the session lost by its own timer when it cannot reconnect within the timeout", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble, {
      negotiatedTimeoutMs: 6000,
      requestTimeoutMs: 60_000,
    });
    const states = record(session.states());
    // The last contact the member confirmed: this call's request, sent at t = 1000.
    await vi.advanceTimersByTimeAsync(1000);
    const call = session.sync();
    member.reply(await member.receiveRequest("sync"), { op: "sync", path: "/" });
    await call;
    await vi.advanceTimersByTimeAsync(500);
    ensemble.down(M1);
    ensemble.down(M2);
    ensemble.down(M3);
    member.close();
    await settle();
    expect(session.state).toBe("suspended");
    const waiting = expectZabError(session.create("/x"), "SessionExpired");
    // Expiry is due at 1000 + 6000 = 7000, that is 5500 ms after the break at 1500.
    await vi.advanceTimersByTimeAsync(5499);
    expect(session.state).toBe("suspended");
    await vi.advanceTimersByTimeAsync(1);
    expect(session.state).toBe("lost");
    await waiting;
    await expectZabError(session.sync(), "SessionExpired");
    const dials = ensemble.dialed.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ensemble.dialed).toHaveLength(dials);
    await states.ended;
    expect(states.seen).toEqual(["suspended", "lost"]);
    await session.close();
  });

  it("reports states from when states() is called, to several consumers, and none after the end", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble);
    const early = record(session.states());
    member.close();
    await settle();
    const late = record(session.states());
    const next = await ensemble.nextDial();
    await next.accept();
    await settle();
    next.close();
    await settle();
    const again = await ensemble.nextDial();
    await again.accept();
    await settle();
    await again.closeSession(session);
    await Promise.all([early.ended, late.ended]);
    expect(early.seen).toEqual(["suspended", "reconnected", "suspended", "reconnected", "closed"]);
    expect(late.seen).toEqual(["reconnected", "suspended", "reconnected", "closed"]);
    const after = record(session.states());
    await after.ended;
    expect(after.seen).toEqual([]);
  });

  it("stops a states() stream with Aborted when its signal fires", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const controller = new AbortController();
    const stream = session.states({ signal: controller.signal });
    const next = stream.next();
    controller.abort();
    await expectZabError(next, "Aborted");
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    member.close();
    await session.close();
  });
});
