// Goal: closing a session ends it at the ensemble when it can and locally always — close() sends
// closeSession behind the calls already sent (whose replies still arrive), waits for its reply
// within the request timeout, closes the channel and settles everything with Closed; `await
// using` does the same; a suspended session stops reconnecting; close() is idempotent and its
// signal stops the wait but not the close.
//
// Method: the real client against a scripted member on a local channel; time is faked where the
// bound on the wait matters.

import { afterEach, describe, expect, it, vi } from "vitest";
import { connect } from "../../../src/client/client-session.js";
import type { ConnectionState } from "../../../src/client/coordination.js";
import {
  connected,
  expectZabError,
  M1,
  M2,
  M3,
  ScriptedEnsemble,
  STAT,
  settle,
  useFakeClock,
} from "./scripted-ensemble.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("close", () => {
  it("sends closeSession behind the calls in flight, waits for its reply, then closes the channel", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const states: ConnectionState[] = [];
    const watching = (async () => {
      for await (const state of session.states()) states.push(state);
    })();
    const inFlight = session.getData("/a");
    const closing = session.close();
    expect(session.close()).toBe(closing);
    await expectZabError(session.getData("/b"), "Closed");
    const read = await member.receiveRequest("getData");
    const close = await member.receiveRequest("closeSession");
    expect(close.xid).toBe(read.xid + 1);
    member.reply(read, { op: "getData", data: new Uint8Array([1]), stat: STAT });
    expect((await inFlight).data).toEqual(new Uint8Array([1]));
    expect(session.state).toBe("connected");
    member.reply(close, { op: "closeSession" });
    await closing;
    expect(session.state).toBe("closed");
    await member.closed;
    await watching;
    expect(states).toEqual(["closed"]);
    await expectZabError(session.sync(), "Closed");
    await session.close();
  });

  it("closes the session when an `await using` block ends", async () => {
    const ensemble = new ScriptedEnsemble();
    const member = (async () => {
      const dialed = await ensemble.nextDial();
      await dialed.accept();
      dialed.reply(await dialed.receiveRequest("closeSession"), { op: "closeSession" });
      return dialed;
    })();
    {
      await using session = await connect({ dialer: ensemble, members: [M1] });
      expect(session.state).toBe("connected");
    }
    await (await member).closed;
  });

  it("settles with the member's error or a broken channel all the same", async () => {
    const first = await connected(new ScriptedEnsemble());
    const closing = first.session.close();
    first.member.fail(await first.member.receiveRequest("closeSession"), "Unavailable");
    await closing;
    expect(first.session.state).toBe("closed");

    const second = await connected(new ScriptedEnsemble());
    const closing2 = second.session.close();
    await second.member.receiveRequest("closeSession");
    second.member.close();
    await closing2;
    expect(second.session.state).toBe("closed");
  });

  it("waits for the reply no longer than the request timeout", async () => {
    useFakeClock();
    const { session, member } = await connected(new ScriptedEnsemble(), { requestTimeoutMs: 300 });
    const closing = session.close();
    await member.receiveRequest("closeSession");
    await vi.advanceTimersByTimeAsync(299);
    expect(session.state).toBe("connected");
    await vi.advanceTimersByTimeAsync(1);
    await closing;
    expect(session.state).toBe("closed");
    await member.closed;
  });

  it("rejects with Aborted when its signal fires, closing the session locally all the same", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const controller = new AbortController();
    const closing = session.close({ signal: controller.signal });
    await member.receiveRequest("closeSession");
    controller.abort();
    await expectZabError(closing, "Aborted");
    expect(session.state).toBe("closed");
    await member.closed;
  });

  it("stops reconnecting a suspended session and fails the calls waiting for it with Closed", async () => {
    useFakeClock();
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble);
    ensemble.down(M1);
    ensemble.down(M2);
    ensemble.down(M3);
    member.close();
    await settle();
    expect(session.state).toBe("suspended");
    const waiting = session.create("/x");
    await session.close();
    expect(session.state).toBe("closed");
    await expectZabError(waiting, "Closed");
    const dials = ensemble.dialed.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ensemble.dialed).toHaveLength(dials);
  });
});
