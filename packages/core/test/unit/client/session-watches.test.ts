// Goal: watches behave as sessions.md and ZooKeeper's client prescribe. One-shot watches left by
// getData/exists/getChildren resolve on the member's first matching event (data and existence
// events for node watches, child and deletion events for child watches), are shared by callers
// of the same path, and reject with ConnectionLoss when the channel breaks, Aborted on their
// signal, SessionExpired or Closed when the session ends. Persistent watches are set before
// watch() returns, yield their events in order (recursive ones for the whole subtree, without
// child-list events), take no event before the member set them, are set again on the next
// member after a reconnection from the zxid of what they delivered (the last reply's zxid for a
// quiet one) and yield the member's replay without a gap or a duplicate, even when the channel
// broke in the middle of one transaction's events and another stream's replay covers the same
// changes; they remove the member's watch when the consumer breaks out (only when no other
// stream needs it), end cleanly on close, fail on loss, on the member's refusal, and with
// WatchOverflow when the member cannot replay what they missed or their consumer falls behind.
//
// Method: the real client against scripted members on local channels; the member sends watch
// events by hand and every request the client sends is checked in order.

import { describe, expect, it } from "vitest";
import type { EventStream } from "../../../src/client/coordination.js";
import type { WatchEvent } from "../../../src/protocol/client-messages.js";
import { counterOf, ZXID_ZERO } from "../../../src/protocol/zxid.js";
import {
  connected,
  expectZabError,
  M2,
  ScriptedEnsemble,
  type ScriptedMember,
  STAT,
  settle,
  z,
} from "./scripted-ensemble.js";

const DATA = new Uint8Array([1]);

function event(type: WatchEvent["type"], path: string, counter: number): WatchEvent {
  return { kind: "watchEvent", type, path, zxid: z(counter) };
}

/** Answers the next getData with some data. */
async function answerGetData(member: ScriptedMember): Promise<void> {
  const request = await member.receiveRequest("getData");
  member.reply(request, { op: "getData", data: DATA, stat: STAT });
}

describe("one-shot watches", () => {
  it("resolve on the first matching event, shared by every caller of the path", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const reading = session.getData("/cfg", { watch: true });
    const request = await member.receiveRequest("getData");
    expect(request.watch).toBe(true);
    member.reply(request, { op: "getData", data: DATA, stat: STAT });
    const again = session.exists("/cfg", { watch: true });
    member.reply(await member.receiveRequest("exists"), { op: "exists", stat: STAT });
    const [first, second] = [(await reading).watch, (await again).watch];
    member.event("nodeChildrenChanged", "/cfg", z(2)); // Not a node event.
    member.event("nodeDataChanged", "/other", z(3)); // Not this node.
    member.event("nodeDataChanged", "/cfg", z(4));
    expect(await first).toEqual(event("nodeDataChanged", "/cfg", 4));
    expect(await second).toEqual(event("nodeDataChanged", "/cfg", 4));
    await member.closeSession(session);
  });

  it("on a missing node fire when it is created", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const checking = session.exists("/lock/n-0000000003", { watch: true });
    member.fail(await member.receiveRequest("exists"), "NoNode");
    const { stat, watch } = await checking;
    expect(stat).toBeUndefined();
    member.event("nodeCreated", "/lock/n-0000000003", z(9));
    expect((await watch).type).toBe("nodeCreated");
    await member.closeSession(session);
  });

  it("on children fire on a child-list change or the node's deletion, not on its data", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const listing = session.getChildren("/q", { watch: true });
    member.reply(await member.receiveRequest("getChildren"), { op: "getChildren", children: [], stat: STAT });
    const children = (await listing).watch;
    const listing2 = session.getChildren("/r", { watch: true });
    member.reply(await member.receiveRequest("getChildren"), { op: "getChildren", children: [], stat: STAT });
    const deleted = (await listing2).watch;
    member.event("nodeDataChanged", "/q", z(2));
    member.event("nodeChildrenChanged", "/q", z(3));
    member.event("nodeDeleted", "/r", z(4));
    expect((await children).zxid).toBe(z(3));
    expect((await deleted).type).toBe("nodeDeleted");
    await member.closeSession(session);
  });

  it("are registered before the next frame: an event right behind the reply is not missed", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const reading = session.getData("/hot", { watch: true });
    const request = await member.receiveRequest("getData");
    member.reply(request, { op: "getData", data: DATA, stat: STAT });
    member.event("nodeDeleted", "/hot", z(5)); // Same delivery turn as the reply.
    expect((await (await reading).watch).type).toBe("nodeDeleted");
    await member.closeSession(session);
  });

  it("reject with ConnectionLoss when the channel breaks, and are not set again", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble);
    const reading = session.getData("/cfg", { watch: true });
    await answerGetData(member);
    const { watch } = await reading;
    member.close();
    await expectZabError(watch, "ConnectionLoss");
    const next = await ensemble.nextDial();
    await next.accept();
    await settle();
    expect(next.unread).toBe(0);
    await next.closeSession(session);
  });

  it("reject with Aborted when the read's signal fires", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const controller = new AbortController();
    const reading = session.getData("/cfg", { watch: true, signal: controller.signal });
    await answerGetData(member);
    const { watch } = await reading;
    controller.abort();
    await expectZabError(watch, "Aborted");
    member.event("nodeDataChanged", "/cfg", z(2)); // Nobody waits any more: dropped.
    await settle();
    await member.closeSession(session);
  });

  it("reject with Closed when the session is closed, and an ignored one is not an unhandled rejection", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const reading = session.getData("/cfg", { watch: true });
    await answerGetData(member);
    const { watch } = await reading;
    const ignored = session.getChildren("/ignored", { watch: true });
    member.reply(await member.receiveRequest("getChildren"), { op: "getChildren", children: [], stat: STAT });
    await ignored;
    await member.closeSession(session);
    await expectZabError(watch, "Closed");
  });
});

describe("persistent watches", () => {
  it("are set before watch() returns and yield their events in order", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const stream = session.watch("/cfg");
    const read = session.getData("/cfg");
    const add = await member.receiveRequest("addWatch");
    expect(add).toMatchObject({ xid: 1, path: "/cfg", mode: "persistent", fromZxid: ZXID_ZERO });
    expect((await member.receiveRequest("getData")).xid).toBe(2);
    member.reply(add, { op: "addWatch" });
    member.send({ kind: "reply", xid: 2, zxid: z(1), op: "getData", data: DATA, stat: STAT });
    await read;
    member.event("nodeDataChanged", "/cfg", z(2));
    member.event("nodeChildrenChanged", "/cfg", z(3));
    member.event("nodeDataChanged", "/cfg/child", z(4)); // Not recursive: not this stream's.
    member.event("nodeDeleted", "/cfg", z(5));
    const seen: WatchEvent[] = [];
    for await (const change of stream) {
      seen.push(change);
      if (change.type === "nodeDeleted") break;
    }
    expect(seen.map((change) => change.zxid)).toEqual([z(2), z(3), z(5)]);
    const remove = await member.receiveRequest("removeWatches");
    expect(remove).toMatchObject({ path: "/cfg", watcherType: "persistent" });
    member.reply(remove, { op: "removeWatches" });
    await member.closeSession(session);
  });

  it("cover the subtree when recursive, without child-list events", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const stream = session.watch("/app", { recursive: true });
    const add = await member.receiveRequest("addWatch");
    expect(add.mode).toBe("persistentRecursive");
    member.reply(add, { op: "addWatch" });
    member.event("nodeCreated", "/app/a", z(2));
    member.event("nodeChildrenChanged", "/app", z(2));
    member.event("nodeDataChanged", "/application", z(3)); // A sibling, not a descendant.
    member.event("nodeDataChanged", "/app/a/b", z(4));
    member.event("nodeDeleted", "/app", z(5));
    const seen: string[] = [];
    for await (const change of stream) {
      seen.push(`${change.type} ${change.path}`);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(["nodeCreated /app/a", "nodeDataChanged /app/a/b", "nodeDeleted /app"]);
    member.reply(await member.receiveRequest("removeWatches"), { op: "removeWatches" });
    await member.closeSession(session);
  });

  it("take no event before the member set them", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const stream = session.watch("/cfg");
    const add = await member.receiveRequest("addWatch");
    // Sent before the member set the watch (for another watch of the session): not this stream's.
    member.event("nodeDataChanged", "/cfg", z(2));
    member.reply(add, { op: "addWatch" }, z(2));
    member.event("nodeDataChanged", "/cfg", z(3));
    expect(await stream.next()).toEqual({ done: false, value: event("nodeDataChanged", "/cfg", 3) });
    await stream.return();
    member.reply(await member.receiveRequest("removeWatches"), { op: "removeWatches" });
    await member.closeSession(session);
  });

  it("are set again on the member the session moves to, from what they delivered, and keep their buffered events", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble);
    const stream = session.watch("/cfg", { recursive: true });
    member.reply(await member.receiveRequest("addWatch"), { op: "addWatch" });
    member.event("nodeDataChanged", "/cfg", z(2));
    await settle();
    member.close();
    await settle();
    expect(session.state).toBe("suspended");
    const queued = session.getData("/cfg");
    const next = await ensemble.nextDial();
    expect(next.id).toBe(M2);
    await next.accept();
    const again = await next.receiveRequest("addWatch");
    // The session's xids go on from the first connection, where addWatch took xid 1. The stream
    // delivered an event at z(2), maybe not all of that transaction's: the replay starts with it.
    expect(again).toMatchObject({ xid: 2, path: "/cfg", mode: "persistentRecursive", fromZxid: z(1) });
    next.reply(again, { op: "addWatch" }, z(6));
    next.event("nodeDataChanged", "/cfg", z(2)); // Replayed, already delivered: dropped.
    next.event("nodeCreated", "/cfg/new", z(5)); // Replayed, missed: delivered.
    await answerGetData(next);
    await queued;
    next.event("nodeDataChanged", "/cfg", z(7));
    const seen: WatchEvent[] = [];
    for (let i = 0; i < 3; i += 1) seen.push((await stream.next()).value as WatchEvent);
    expect(seen).toEqual([
      event("nodeDataChanged", "/cfg", 2),
      event("nodeCreated", "/cfg/new", 5),
      event("nodeDataChanged", "/cfg", 7),
    ]);
    await stream.return();
    next.reply(await next.receiveRequest("removeWatches"), { op: "removeWatches" });
    await next.closeSession(session);
  });

  it("resume in the middle of a transaction's events: the replay repeats it whole, the stream yields the rest", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble);
    const stream = session.watch("/app", { recursive: true });
    member.reply(await member.receiveRequest("addWatch"), { op: "addWatch" });
    // One multi at z(2) makes three changes; the channel breaks after two of its events.
    member.event("nodeCreated", "/app/a", z(2));
    member.event("nodeCreated", "/app/b", z(2));
    await settle();
    member.close();
    const next = await ensemble.nextDial();
    await next.accept();
    const again = await next.receiveRequest("addWatch");
    expect(again.fromZxid).toBe(z(1));
    next.reply(again, { op: "addWatch" }, z(3));
    next.event("nodeCreated", "/app/a", z(2));
    next.event("nodeCreated", "/app/b", z(2));
    next.event("nodeCreated", "/app/c", z(2));
    next.event("nodeDeleted", "/app/a", z(3));
    next.event("nodeDataChanged", "/app/b", z(4)); // Live.
    const seen: string[] = [];
    for await (const change of stream) {
      seen.push(`${counterOf(change.zxid)} ${change.type} ${change.path}`);
      if (seen.length === 5) break;
    }
    expect(seen).toEqual([
      "2 nodeCreated /app/a",
      "2 nodeCreated /app/b",
      "2 nodeCreated /app/c",
      "3 nodeDeleted /app/a",
      "4 nodeDataChanged /app/b",
    ]);
    next.reply(await next.receiveRequest("removeWatches"), { op: "removeWatches" });
    await next.closeSession(session);
  });

  it("take a replay as their own: other streams neither get it twice nor take a change before their own replay", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble);
    const node = session.watch("/a");
    member.reply(await member.receiveRequest("addWatch"), { op: "addWatch" });
    const tree = session.watch("/", { recursive: true });
    member.reply(await member.receiveRequest("addWatch"), { op: "addWatch" });
    member.event("nodeDataChanged", "/a", z(2));
    member.event("nodeDataChanged", "/b", z(3));
    await settle();
    member.close();
    const next = await ensemble.nextDial();
    await next.accept();
    const [addNode, addTree] = [await next.receiveRequest("addWatch"), await next.receiveRequest("addWatch")];
    expect([addNode.path, addNode.fromZxid, addTree.path, addTree.fromZxid]).toEqual(["/a", z(1), "/", z(2)]);
    next.reply(addNode, { op: "addWatch" }, z(6));
    next.event("nodeDataChanged", "/a", z(2)); // The node's replay.
    next.event("nodeDataChanged", "/a", z(5));
    next.event("nodeDataChanged", "/a", z(7)); // Live, for the node's watch: the tree's is not set yet.
    next.reply(addTree, { op: "addWatch" }, z(7));
    next.event("nodeDataChanged", "/b", z(3)); // The tree's replay.
    next.event("nodeCreated", "/c", z(4));
    next.event("nodeDataChanged", "/a", z(5));
    next.event("nodeDataChanged", "/a", z(7));
    next.event("nodeDataChanged", "/a", z(8)); // Live, for both.
    const counters = async (stream: EventStream<WatchEvent>, count: number) => {
      const taken: number[] = [];
      for (let i = 0; i < count; i += 1)
        taken.push(counterOf(((await stream.next()).value as WatchEvent).zxid));
      return taken;
    };
    expect(await counters(node, 4)).toEqual([2, 5, 7, 8]);
    expect(await counters(tree, 6)).toEqual([2, 3, 4, 5, 7, 8]);
    // Closing ends the streams after what they buffered: nothing was buffered twice.
    await next.closeSession(session);
    expect(await node.next()).toEqual({ done: true, value: undefined });
    expect(await tree.next()).toEqual({ done: true, value: undefined });
  });

  it("resume a quiet stream from the last reply's zxid, not from where it was set", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble);
    const stream = session.watch("/quiet");
    member.reply(await member.receiveRequest("addWatch"), { op: "addWatch" }, z(3));
    const reading = session.getData("/elsewhere");
    member.reply(await member.receiveRequest("getData"), { op: "getData", data: DATA, stat: STAT }, z(90));
    await reading;
    member.close();
    const next = await ensemble.nextDial();
    await next.accept();
    const again = await next.receiveRequest("addWatch");
    expect(again.fromZxid).toBe(z(90));
    next.reply(again, { op: "addWatch" }, z(90));
    await stream.return();
    next.reply(await next.receiveRequest("removeWatches"), { op: "removeWatches" });
    await next.closeSession(session);
  });

  it("fail with WatchOverflow after their buffered events when the member cannot replay what they missed", async () => {
    const ensemble = new ScriptedEnsemble();
    const { session, member } = await connected(ensemble);
    const stream = session.watch("/cfg");
    member.reply(await member.receiveRequest("addWatch"), { op: "addWatch" });
    member.event("nodeDataChanged", "/cfg", z(2));
    await settle();
    member.close();
    const next = await ensemble.nextDial();
    await next.accept();
    next.fail(await next.receiveRequest("addWatch"), "WatchOverflow", z(9));
    expect((await stream.next()).value?.zxid).toBe(z(2));
    const error = await expectZabError(stream.next(), "WatchOverflow");
    expect(error.path).toBe("/cfg");
    expect(error.message).toContain("read the node again");
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    next.reply(await next.receiveRequest("removeWatches"), { op: "removeWatches" });
    await next.closeSession(session);
  });

  it("remove the member's watch only when the last stream on the path and mode stops", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const one = session.watch("/cfg");
    const two = session.watch("/cfg");
    const recursive = session.watch("/cfg", { recursive: true });
    for (let i = 0; i < 3; i += 1) member.reply(await member.receiveRequest("addWatch"), { op: "addWatch" });
    member.event("nodeDataChanged", "/cfg", z(2));
    expect((await one.next()).value?.zxid).toBe(z(2));
    expect((await two.next()).value?.zxid).toBe(z(2));
    expect((await recursive.next()).value?.zxid).toBe(z(2));
    await one.return();
    await settle();
    expect(member.unread).toBe(0);
    await two[Symbol.asyncDispose]();
    expect(await member.receiveRequest("removeWatches")).toMatchObject({
      path: "/cfg",
      watcherType: "persistent",
    });
    await recursive.return();
    expect(await member.receiveRequest("removeWatches")).toMatchObject({
      watcherType: "persistentRecursive",
    });
    await member.closeSession(session);
  });

  it("end cleanly when the session is closed", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const stream = session.watch("/cfg");
    member.reply(await member.receiveRequest("addWatch"), { op: "addWatch" });
    member.event("nodeCreated", "/cfg", z(2));
    const seen: WatchEvent[] = [];
    const consumed = (async () => {
      for await (const change of stream) seen.push(change);
    })();
    await settle();
    await member.closeSession(session);
    await consumed;
    expect(seen).toHaveLength(1);
    expect(member.unread).toBe(0);
    const late = session.watch("/late");
    await expectZabError(late.next(), "Closed");
  });

  it("fail with SessionExpired when the session is lost", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const stream = session.watch("/cfg");
    member.reply(await member.receiveRequest("addWatch"), { op: "addWatch" });
    const next = stream.next();
    const call = session.sync();
    member.fail(await member.receiveRequest("sync"), "SessionExpired");
    await expectZabError(call, "SessionExpired");
    await expectZabError(next, "SessionExpired");
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it("fail with WatchOverflow after the buffered events when the consumer falls too far behind", async () => {
    const { session, member } = await connected(new ScriptedEnsemble(), { watchEventsBufferedMax: 2 });
    const stream = session.watch("/busy");
    member.reply(await member.receiveRequest("addWatch"), { op: "addWatch" });
    for (let counter = 2; counter <= 4; counter += 1) member.event("nodeDataChanged", "/busy", z(counter));
    await settle();
    expect((await stream.next()).value?.zxid).toBe(z(2));
    expect((await stream.next()).value?.zxid).toBe(z(3));
    const error = await expectZabError(stream.next(), "WatchOverflow");
    expect(error.path).toBe("/busy");
    expect((await member.receiveRequest("removeWatches")).path).toBe("/busy");
    await member.closeSession(session);
  });

  it("fail with the member's code when it refuses the watch, and with Aborted on their signal", async () => {
    const { session, member } = await connected(new ScriptedEnsemble());
    const refused = session.watch("bad path");
    member.fail(await member.receiveRequest("addWatch"), "Invalid");
    const error = await expectZabError(refused.next(), "Invalid");
    expect(error.path).toBe("bad path");
    member.reply(await member.receiveRequest("removeWatches"), { op: "removeWatches" });

    const controller = new AbortController();
    const aborted = session.watch("/cfg", { signal: controller.signal });
    member.reply(await member.receiveRequest("addWatch"), { op: "addWatch" });
    const pending = aborted.next();
    controller.abort();
    await expectZabError(pending, "Aborted");
    member.reply(await member.receiveRequest("removeWatches"), { op: "removeWatches" });
    const never = session.watch("/x", { signal: AbortSignal.abort() });
    await expectZabError(never.next(), "Aborted");
    await settle();
    expect(member.unread).toBe(0);
    await member.closeSession(session);
  });
});
