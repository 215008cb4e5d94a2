// Goal: connect() opens a session as sessions.md prescribes — a connectRequest for a new session
// (protocol 1, lastZxidSeen 0, id 0, zero password, the timeout asked for), members tried in turn
// when one cannot be reached, closes the channel without answering, or answers garbage; a refusal
// (timeout 0) is SessionExpired; no answer within the session timeout is ConnectionLoss; the
// caller's signal aborts; bad options are Invalid.
//
// Method: the real client against a scripted ensemble of local channels; time is faked where a
// deadline matters, so nothing waits on the wall clock.

import { afterEach, describe, expect, it, vi } from "vitest";
import { connect } from "../../../src/client/client-session.js";
import { SESSION_PASSWORD_BYTES } from "../../../src/codec/client-codec.js";
import { ZabError } from "../../../src/errors.js";
import { sessionId } from "../../../src/protocol/ids.js";
import { ZXID_ZERO } from "../../../src/protocol/zxid.js";
import {
  connected,
  expectZabError,
  M1,
  M2,
  M3,
  PASSWORD,
  ScriptedEnsemble,
  SESSION,
  settle,
  useFakeClock,
} from "./scripted-ensemble.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("connect", () => {
  it("asks for a new session and resolves connected with the member's session", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member, request } = await connected(ensemble, { sessionTimeoutMs: 12_000 });
    expect(request).toEqual({
      kind: "connectRequest",
      protocolVersion: 1,
      lastZxidSeen: ZXID_ZERO,
      sessionTimeoutMs: 12_000,
      sessionId: sessionId(0n),
      sessionPassword: new Uint8Array(SESSION_PASSWORD_BYTES),
    });
    expect(member.id).toBe(M1);
    expect(session.sessionId).toBe(SESSION);
    expect(session.state).toBe("connected");
    member.close();
    await session.close();
  });

  it("tries the next member when one cannot be reached or closes without answering", async () => {
    const ensemble = new ScriptedEnsemble();
    ensemble.down(M1);
    const connecting = connect({ dialer: ensemble, members: [M1, M2, M3] });
    const second = await ensemble.nextDial();
    expect(second.id).toBe(M2);
    await second.receiveConnect();
    second.close(); // Not in broadcast, or behind the client: it closes without answering.
    const third = await ensemble.nextDial();
    expect(third.id).toBe(M3);
    await third.accept();
    const session = await connecting;
    expect(ensemble.dialed).toEqual([M1, M2, M3]);
    expect(session.state).toBe("connected");
    await third.closeSession(session);
  });

  it("gives up on a member that answers with an undecodable frame or a reply, and tries the next", async () => {
    const ensemble = new ScriptedEnsemble();
    const connecting = connect({ dialer: ensemble, members: [M1, M2, M3] });
    const first = await ensemble.nextDial();
    await first.receiveConnect();
    first.send({ kind: "watchEvent", type: "nodeCreated", path: "/a", zxid: ZXID_ZERO });
    await first.closed;
    const second = await ensemble.nextDial();
    await second.receiveConnect();
    second.send({
      kind: "connectResponse",
      sessionTimeoutMs: 5000,
      sessionId: sessionId(0n),
      sessionPassword: PASSWORD,
      serverId: M2,
    });
    await second.closed;
    const third = await ensemble.nextDial();
    await third.accept();
    const session = await connecting;
    expect(session.sessionId).toBe(SESSION);
    third.close();
    await session.close();
  });

  it("starts a new round after every member failed, after a pause", async () => {
    useFakeClock();
    const ensemble = new ScriptedEnsemble();
    ensemble.down(M1);
    ensemble.down(M2);
    const connecting = connect({ dialer: ensemble, members: [M1, M2] });
    await settle();
    expect(ensemble.dialed).toEqual([M1, M2]);
    ensemble.down(M1, false);
    await vi.advanceTimersByTimeAsync(60);
    await settle();
    expect(ensemble.dialed).toEqual([M1, M2, M1]);
    const member = await ensemble.nextDial();
    await member.accept();
    const session = await connecting;
    member.close();
    await session.close();
  });

  it("rejects with SessionExpired when the member refuses the session (timeout 0)", async () => {
    const ensemble = new ScriptedEnsemble();
    const connecting = connect({ dialer: ensemble, members: [M1, M2] });
    const member = await ensemble.nextDial();
    await member.refuseExpired();
    await expectZabError(connecting, "SessionExpired");
    expect(ensemble.dialed).toEqual([M1]);
  });

  it("rejects with ConnectionLoss when no member accepts within the session timeout", async () => {
    useFakeClock();
    const ensemble = new ScriptedEnsemble();
    ensemble.down(M1);
    ensemble.down(M2);
    const connecting = connect({ dialer: ensemble, members: [M1, M2], sessionTimeoutMs: 3000 });
    const outcome = expectZabError(connecting, "ConnectionLoss");
    await vi.advanceTimersByTimeAsync(3000);
    await outcome;
    const attempts = ensemble.dialed.length;
    expect(attempts).toBeGreaterThan(4);
    await vi.advanceTimersByTimeAsync(5000);
    expect(ensemble.dialed.length).toBe(attempts);
  });

  it("bounds each handshake by the session timeout divided by the number of members", async () => {
    useFakeClock();
    const ensemble = new ScriptedEnsemble();
    const connecting = connect({ dialer: ensemble, members: [M1, M2], sessionTimeoutMs: 4000 });
    const silent = await ensemble.nextDial();
    await silent.receiveConnect();
    await vi.advanceTimersByTimeAsync(2000);
    await silent.closed;
    const second = await ensemble.nextDial();
    expect(second.id).toBe(M2);
    await second.accept();
    const session = await connecting;
    second.close();
    await session.close();
  });

  it("rejects with Aborted when the caller's signal fires, and closes the attempt's channel", async () => {
    const ensemble = new ScriptedEnsemble();
    const controller = new AbortController();
    const connecting = connect({ dialer: ensemble, members: [M1], signal: controller.signal });
    const member = await ensemble.nextDial();
    await member.receiveConnect();
    controller.abort("enough");
    const error = await expectZabError(connecting, "Aborted");
    expect(error.cause).toBe("enough");
    await member.closed;
  });

  it.each([
    ["no member", { members: [] }],
    ["a zero session timeout", { sessionTimeoutMs: 0 }],
    ["a session timeout beyond 32 bits", { sessionTimeoutMs: 2 ** 32 }],
    ["a fractional request timeout", { requestTimeoutMs: 1.5 }],
    ["a zero pending-request bound", { pendingRequestsMax: 0 }],
    ["a negative watch buffer", { watchEventsBufferedMax: -1 }],
  ])("rejects %s as Invalid", async (_name, options) => {
    const ensemble = new ScriptedEnsemble();
    const error = await expectZabError(connect({ dialer: ensemble, members: [M1], ...options }), "Invalid");
    expect(ZabError.isInstance(error)).toBe(true);
    expect(ensemble.dialed).toEqual([]);
  });
});
