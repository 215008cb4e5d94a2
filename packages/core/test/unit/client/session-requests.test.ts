// Goal: every Coordination call sends the request sessions.md describes and turns the reply into
// its result or a ZabError carrying the member's code and the path; xids increase from 1 per
// connection; replies are matched in order, and an out-of-order, unknown or mismatched reply is a
// protocol error that closes the channel; lastZxidSeen follows every reply and event; a call
// given up (signal or timeout) rejects at once yet leaves the reply queue intact for the calls
// after it; limits and argument checks reject before anything is sent.
//
// Method: the real client against a scripted member on a local channel; each test scripts the
// member's side of the conversation message by message. Time is faked for the timeout test.

import { afterEach, describe, expect, it, vi } from "vitest";
import { MultiError } from "../../../src/client/coordination.js";
import type { MultiItemOp } from "../../../src/protocol/client-messages.js";
import { sessionId } from "../../../src/protocol/ids.js";
import {
  connected,
  expectZabError,
  M2,
  PASSWORD,
  ScriptedEnsemble,
  SESSION,
  STAT,
  settle,
  useFakeClock,
  z,
} from "./scripted-ensemble.js";

afterEach(() => {
  vi.useRealTimers();
});

const DATA = new Uint8Array([1, 2, 3]);

describe("requests and replies", () => {
  it("sends each operation with increasing xids and returns its result", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());

    const created = session.create("/q/item-", { data: DATA, mode: "ephemeralSequential" });
    const create = await member.receiveRequest("create");
    expect(create).toEqual({
      kind: "request",
      xid: 1,
      op: "create",
      path: "/q/item-",
      data: DATA,
      mode: "ephemeralSequential",
      ttlMs: 0,
    });
    member.reply(create, { op: "create", path: "/q/item-0000000007", stat: STAT });
    expect(await created).toBe("/q/item-0000000007");

    const read = session.getData("/a");
    const getData = await member.receiveRequest("getData");
    expect(getData).toMatchObject({ xid: 2, path: "/a", watch: false });
    member.reply(getData, { op: "getData", data: DATA, stat: STAT });
    expect(await read).toEqual({ data: DATA, stat: STAT });

    const listed = session.getChildren("/q");
    const getChildren = await member.receiveRequest("getChildren");
    expect(getChildren).toMatchObject({ xid: 3, path: "/q", watch: false });
    member.reply(getChildren, { op: "getChildren", children: ["item-0000000007"], stat: STAT });
    expect(await listed).toEqual({ children: ["item-0000000007"], stat: STAT });

    const present = session.exists("/a");
    member.reply(await member.receiveRequest("exists"), { op: "exists", stat: STAT });
    expect(await present).toEqual({ stat: STAT });

    const absent = session.exists("/gone");
    member.fail(await member.receiveRequest("exists"), "NoNode");
    expect(await absent).toEqual({ stat: undefined });

    const written = session.setData("/a", DATA, { version: 4 });
    const setData = await member.receiveRequest("setData");
    expect(setData).toMatchObject({ xid: 6, path: "/a", data: DATA, version: 4 });
    member.reply(setData, { op: "setData", stat: { ...STAT, version: 5 } });
    expect((await written).version).toBe(5);

    const removed = session.delete("/a");
    const del = await member.receiveRequest("delete");
    expect(del).toMatchObject({ xid: 7, path: "/a", version: -1 });
    member.reply(del, { op: "delete" });
    await expect(removed).resolves.toBeUndefined();

    const synced = session.sync();
    const sync = await member.receiveRequest("sync");
    expect(sync).toMatchObject({ xid: 8, path: "/" });
    member.reply(sync, { op: "sync", path: "/" });
    await expect(synced).resolves.toBeUndefined();

    member.close();
    await session.close();
  });

  it("creates TTL nodes only with a positive ttlMs, and no other node with one", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    await expectZabError(session.create("/t", { mode: "persistentWithTtl" }), "Invalid");
    await expectZabError(session.create("/t", { mode: "persistentWithTtl", ttlMs: 0 }), "Invalid");
    await expectZabError(session.create("/t", { ttlMs: 1000 }), "Invalid");
    const created = session.create("/t", { mode: "persistentSequentialWithTtl", ttlMs: 1000 });
    const create = await member.receiveRequest("create");
    expect(create).toMatchObject({
      xid: 1,
      mode: "persistentSequentialWithTtl",
      ttlMs: 1000,
      data: new Uint8Array(),
    });
    member.reply(create, { op: "create", path: "/t0000000000", stat: STAT });
    await created;
    member.close();
    await session.close();
  });

  it("pipelines a sync before a linearizable read, and trusts the read only if the sync succeeded", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const read = session.getData("/config", { linearizable: true });
    const sync = await member.receiveRequest("sync");
    expect(sync.path).toBe("/config");
    const getData = await member.receiveRequest("getData");
    expect(getData.xid).toBeGreaterThan(sync.xid);
    member.reply(sync, { op: "sync", path: "/config" });
    member.reply(getData, { op: "getData", data: DATA, stat: STAT });
    expect((await read).data).toEqual(DATA);

    const failing = session.exists("/config", { linearizable: true });
    member.fail(await member.receiveRequest("sync"), "Throttled");
    member.reply(await member.receiveRequest("exists"), { op: "exists", stat: STAT });
    await expectZabError(failing, "Throttled");
    member.close();
    await session.close();
  });

  it("maps a member's error code to a ZabError with the path", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const write = session.setData("/config", DATA, { version: 2 });
    member.fail(await member.receiveRequest("setData"), "BadVersion");
    const error = await expectZabError(write, "BadVersion");
    expect(error.path).toBe("/config");
    expect(error.message).toContain("/config");

    const read = session.getData("/missing", { watch: true });
    member.fail(await member.receiveRequest("getData"), "NoNode");
    expect((await expectZabError(read, "NoNode")).path).toBe("/missing");
    member.close();
    await session.close();
  });

  it("returns a multi's outcomes, or a MultiError with every outcome and the operation at fault", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const ops: MultiItemOp[] = [
      { op: "check", path: "/lock", version: 3 },
      { op: "create", path: "/jobs/j-", data: DATA, mode: "persistentSequential", ttlMs: 0 },
    ];
    const applied = session.multi(ops);
    const multi = await member.receiveRequest("multi");
    expect(multi.ops).toEqual(ops);
    member.reply(multi, {
      op: "multi",
      results: [{ op: "check" }, { op: "create", path: "/jobs/j-0000000001", stat: STAT }],
    });
    expect(await applied).toEqual([
      { op: "check" },
      { op: "create", path: "/jobs/j-0000000001", stat: STAT },
    ]);

    const refused = session.multi(ops);
    member.reply(await member.receiveRequest("multi"), {
      op: "multi",
      results: [
        { op: "error", failedOp: "check", code: "RolledBack" },
        { op: "error", failedOp: "create", code: "NoNode" },
      ],
    });
    const error = await expectZabError(refused, "NoNode");
    expect(error).toBeInstanceOf(MultiError);
    expect((error as MultiError).failedIndex).toBe(1);
    expect((error as MultiError).outcomes).toHaveLength(2);
    expect(error.path).toBe("/jobs/j-");

    const oversize = session.multi(ops);
    member.fail(await member.receiveRequest("multi"), "Invalid");
    const whole = await expectZabError(oversize, "Invalid");
    expect(whole).not.toBeInstanceOf(MultiError);

    const mismatched = session.multi(ops);
    member.reply(await member.receiveRequest("multi"), { op: "multi", results: [{ op: "check" }] });
    await expectZabError(mismatched, "BadFrame");
    member.close();
    await session.close();
  });

  it("carries the highest zxid of any reply or event into the next handshake", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble);
    const first = session.sync();
    member.reply(await member.receiveRequest("sync"), { op: "sync", path: "/" }, z(40));
    await first;
    member.event("nodeCreated", "/x", z(55));
    const second = session.sync();
    member.reply(await member.receiveRequest("sync"), { op: "sync", path: "/" }, z(50));
    await second;
    member.close();
    const next = await ensemble.nextDial();
    expect(next.id).toBe(M2);
    const handshake = await next.accept();
    expect(handshake.lastZxidSeen).toBe(z(55));
    expect(handshake.sessionId).toBe(SESSION);
    expect(handshake.sessionPassword).toEqual(PASSWORD);
    next.close();
    await session.close();
  });

  it.each([
    ["a reply to an xid that is not the oldest pending", (xid: number) => xid + 1, "getData"],
    ["a reply to an xid never sent", () => 999, "getData"],
    ["a reply naming another operation", (xid: number) => xid, "exists"],
  ] as const)(
    "closes the channel on %s, failing pending calls with ConnectionLoss",
    async (_name, xidOf, op) => {
      const ensemble = new ScriptedEnsemble();
      const { session, member } = await connected(ensemble);
      const first = session.getData("/a");
      const second = session.getData("/b");
      const request = await member.receiveRequest("getData");
      await member.receiveRequest("getData");
      if (op === "getData") {
        member.send({ kind: "reply", xid: xidOf(request.xid), zxid: z(1), op, data: DATA, stat: STAT });
      } else {
        member.send({ kind: "reply", xid: xidOf(request.xid), zxid: z(1), op, stat: STAT });
      }
      await expectZabError(first, "ConnectionLoss");
      await expectZabError(second, "ConnectionLoss");
      await member.closed;
      expect(session.state).toBe("suspended");
      const next = await ensemble.nextDial();
      await next.accept();
      await settle();
      expect(session.state).toBe("reconnected");
      next.close();
      await session.close();
    },
  );

  it("rejects with Aborted when the signal fires, and matches later replies all the same", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    await expectZabError(session.getData("/never", { signal: AbortSignal.abort() }), "Aborted");

    const controller = new AbortController();
    const abandoned = session.getData("/slow", { signal: controller.signal });
    const kept = session.getData("/next");
    const slow = await member.receiveRequest("getData");
    expect(slow.xid).toBe(1);
    controller.abort();
    const error = await expectZabError(abandoned, "Aborted");
    expect(error.path).toBe("/slow");
    member.reply(slow, { op: "getData", data: new Uint8Array([9]), stat: STAT });
    member.reply(await member.receiveRequest("getData"), { op: "getData", data: DATA, stat: STAT });
    expect((await kept).data).toEqual(DATA);
    expect(session.state).toBe("connected");
    member.close();
    await session.close();
  });

  it("rejects with Timeout after requestTimeoutMs, and matches later replies all the same", async () => {
    useFakeClock();
    const { session, member } = await connected(new ScriptedEnsemble(), { requestTimeoutMs: 500 });
    const late = session.getData("/slow");
    const slow = await member.receiveRequest("getData");
    const outcome = expectZabError(late, "Timeout");
    await vi.advanceTimersByTimeAsync(500);
    await outcome;
    const kept = session.getData("/next");
    member.reply(slow, { op: "getData", data: DATA, stat: STAT });
    member.reply(await member.receiveRequest("getData"), { op: "getData", data: DATA, stat: STAT });
    expect((await kept).data).toEqual(DATA);
    member.close();
    await session.close();
  });

  it("rejects with Throttled beyond pendingRequestsMax", async () => {
    const { session, member } = await connected(new ScriptedEnsemble(), { pendingRequestsMax: 2 });
    const first = session.sync();
    const second = session.sync();
    await expectZabError(session.sync(), "Throttled");
    for (const _ of [first, second])
      member.reply(await member.receiveRequest("sync"), { op: "sync", path: "/" });
    await Promise.all([first, second]);
    const third = session.sync();
    member.reply(await member.receiveRequest("sync"), { op: "sync", path: "/" });
    await third;
    member.close();
    await session.close();
  });

  it("rejects a request the codec refuses as Invalid, without spending an xid", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    await expectZabError(session.setData("/a", DATA, { version: 2 ** 31 }), "Invalid");
    const next = session.delete("/a");
    const del = await member.receiveRequest("delete");
    expect(del.xid).toBe(1);
    member.reply(del, { op: "delete" });
    await next;
    await settle();
    expect(member.unread).toBe(0);
    member.close();
    await session.close();
  });

  it("treats a member's SessionExpired reply as the end of the session", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const pending = session.getData("/a");
    const behind = session.getData("/b");
    member.fail(await member.receiveRequest("getData"), "SessionExpired");
    await expectZabError(pending, "SessionExpired");
    await expectZabError(behind, "SessionExpired");
    expect(session.state).toBe("lost");
    await expectZabError(session.create("/c"), "SessionExpired");
    await member.closed;
    await session.close();
    expect(session.state).toBe("lost");
  });

  it("accepts a session id other than zero only as its own", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble);
    member.close();
    const impostor = await ensemble.nextDial();
    await impostor.accept({ sessionId: sessionId(0x999n) });
    await impostor.closed;
    const honest = await ensemble.nextDial();
    await honest.accept();
    await settle();
    expect(session.state).toBe("reconnected");
    expect(session.sessionId).toBe(SESSION);
    honest.close();
    await session.close();
  });
});
