// Goal: a persistent watch yields every change exactly once, in zxid order, across the loss of
// its member and a leader change: when its session moves, the next member replays what the
// stream missed while it was away. When that member no longer remembers those changes, the
// stream fails with WatchOverflow instead of skipping them, and the session goes on. On the wire,
// a member answers an addWatch with a fromZxid by its reply followed at once by the retained
// changes the watch matches, and refuses a fromZxid it has not applied. A closed member serves no
// client (a session moving onto its stale state would wait there for events forever).
// Method: three CoordinationServers on the in-process peer network with memory storage; clients
// through the in-process client network, the watcher's through a dialer the test can cut. A
// writer pipelines 10,000 setData (50 in flight) on a follower; halfway, the leader is closed and
// the watcher is cut off until the writer got 200 more writes acknowledged, so its stream must be
// replayed. A tiny watchHistoryMax makes a resume impossible. A raw channel checks the frames.
import {
  type ClientChannel,
  type ClientDialer,
  type ConnectionState,
  type Coordination,
  CoordinationServer,
  connect,
  MemoryDataDir,
  openMemoryStorage,
  type ServerId,
  type Stat,
  serverId,
  type WatchEvent,
  ZabError,
  type Zxid,
} from "@zab/core";
import { describe, expect, it } from "vitest";
import { type MemoryEnsemble, startMemoryEnsemble } from "../../src/runtime/memory-ensemble.js";
import { MemoryNetwork } from "../../src/transport/memory-network.js";
import { RawClient, until, voters } from "./helpers.js";

const bytes = (text: string) => new TextEncoder().encode(text);

function withRole(ensemble: MemoryEnsemble, role: "leading" | "following"): CoordinationServer[] {
  return ensemble.members.filter((member) => member.status.role === role);
}

/** The members, `first` first. */
function startingWith(first: ServerId): ServerId[] {
  return [first, ...voters.filter((id) => id !== first)];
}

/** A client's network, which the test can cut: its channels break and its dials fail until restored. */
class CuttableDialer implements ClientDialer {
  readonly #base: ClientDialer;
  readonly #channels = new Set<ClientChannel>();
  #cut = false;

  constructor(base: ClientDialer) {
    this.#base = base;
  }

  async dial(member: ServerId, options?: { readonly signal?: AbortSignal }): Promise<ClientChannel> {
    if (this.#cut) throw new ZabError("ConnectionLoss", "the client is cut off");
    const channel = await this.#base.dial(member, options);
    this.#channels.add(channel);
    return channel;
  }

  cut(): void {
    this.#cut = true;
    for (const channel of this.#channels) channel.close();
    this.#channels.clear();
  }

  restore(): void {
    this.#cut = false;
  }
}

/** Records a session's connection states as they happen. */
function recordStates(session: Coordination): ConnectionState[] {
  const states: ConnectionState[] = [];
  void (async () => {
    for await (const state of session.states()) states.push(state);
  })();
  return states;
}

describe("persistent watches across a change of member", () => {
  it("yield every one of 10,000 pipelined writes once, in zxid order, across a leader change", async () => {
    await using ensemble = await startMemoryEnsemble();
    const [home, writerHome] = withRole(ensemble, "following");
    const [leader] = withRole(ensemble, "leading");
    if (home === undefined || writerHome === undefined || leader === undefined) throw new Error("no roles");
    const dialer = new CuttableDialer(ensemble.clients.dialer());
    const watcher = await connect({
      dialer,
      members: startingWith(home.status.id),
      sessionTimeoutMs: 10_000,
      requestTimeoutMs: 10_000,
      // A resume replays what the stream missed in one burst, which the buffer must hold.
      watchEventsBufferedMax: 50_000,
    });
    const writer = await connect({
      dialer: ensemble.clients.dialer(),
      members: startingWith(writerHome.status.id),
      sessionTimeoutMs: 10_000,
      requestTimeoutMs: 10_000,
    });
    const states = recordStates(watcher);
    await writer.create("/w");
    const stream = watcher.watch("/w");
    // Answered after the watch is set: the stream has every change after this version.
    const start = (await watcher.getData("/w")).stat;
    const seen: WatchEvent[] = [];
    const consuming = (async () => {
      for await (const event of stream) seen.push(event);
    })();

    const total = 10_000;
    const inFlight = 50;
    const acked: Stat[] = [];
    let ambiguous = 0;
    let ackedWhileAway = 0;
    let issued = 0;
    let closing: Promise<void> | undefined;
    const began = performance.now();
    const lane = async () => {
      while (issued < total) {
        issued += 1;
        if (issued === total / 2) {
          // Halfway: the leader goes, and the watcher is kept away until writes went on without it.
          dialer.cut();
          closing = leader.close();
        }
        try {
          acked.push(await writer.setData("/w", bytes(String(issued))));
        } catch (error) {
          // The channel broke with the write in flight: it may or may not have happened.
          if (!ZabError.isInstance(error, "ConnectionLoss")) throw error;
          ambiguous += 1;
          continue;
        }
        if (watcher.state === "suspended" && closing !== undefined) {
          ackedWhileAway += 1;
          if (ackedWhileAway === 200) dialer.restore();
        }
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    dialer.restore();
    await closing;
    await writer.sync("/w");
    const final = (await writer.getData("/w")).stat;
    // Every event up to the final version went out before the sync's reply; closing the session
    // then ends the stream after what it buffered.
    await watcher.sync("/w");
    await watcher.close();
    await consuming;
    const elapsedMs = performance.now() - began;
    await writer.close();

    expect(withRole(ensemble, "leading").filter((member) => member !== leader)).toHaveLength(1);
    expect(states).toContain("suspended");
    expect(states).toContain("reconnected");
    expect(ackedWhileAway).toBeGreaterThanOrEqual(200);
    expect(acked.length + ambiguous).toBe(total);
    expect(seen.filter((event) => event.type !== "nodeDataChanged" || event.path !== "/w")).toEqual([]);
    const outOfOrder = seen.findIndex(
      (event, index) => index > 0 && event.zxid <= (seen[index - 1]?.zxid ?? 0n),
    );
    expect(outOfOrder).toBe(-1);
    // One event per version written after the watch was set, the last the final one: no gap.
    expect(seen.length).toBe(final.version - start.version);
    expect(seen[0]?.zxid).toBeGreaterThan(start.mzxid);
    expect(seen.at(-1)?.zxid).toBe(final.mzxid);
    const seenZxids = new Set<bigint>(seen.map((event) => event.zxid));
    expect(acked.filter((stat) => !seenZxids.has(stat.mzxid))).toEqual([]);
    // Events beyond the acknowledged writes can only be writes whose outcome the writer lost.
    expect(seen.length - acked.length).toBeGreaterThanOrEqual(0);
    expect(seen.length - acked.length).toBeLessThanOrEqual(ambiguous);
    expect(elapsedMs).toBeLessThan(30_000);
  }, 60_000);

  it("yield every change to a session that writes and reads the node it watches, pipelined", async () => {
    // Writes are applied in batches; a read queued behind a write of the batch must not be
    // answered, at the batch's last zxid, before the watch events of the rest of the batch.
    await using ensemble = await startMemoryEnsemble();
    const [home] = withRole(ensemble, "following");
    const [leader] = withRole(ensemble, "leading");
    if (home === undefined || leader === undefined) throw new Error("no roles");
    const client = await connect({
      dialer: ensemble.clients.dialer(),
      members: startingWith(home.status.id),
    });
    await using other = await connect({
      dialer: ensemble.clients.dialer(),
      members: startingWith(leader.status.id),
    });
    await client.create("/w");
    const stream = client.watch("/w");
    const start = (await client.getData("/w")).stat;
    const seen: WatchEvent[] = [];
    const consuming = (async () => {
      for await (const event of stream) seen.push(event);
    })();
    const lane = async (session: Coordination) => {
      for (let i = 0; i < 40; i += 1) {
        await Promise.all([session.setData("/w", bytes(String(i))), session.getData("/w")]);
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, index) => lane(index % 2 === 0 ? client : other)));
    const final = (await client.getData("/w")).stat;
    await client.close();
    await consuming;
    expect(final.version - start.version).toBe(40 * 40);
    expect(seen.map((event) => event.zxid).at(-1)).toBe(final.mzxid);
    expect(seen).toHaveLength(40 * 40);
  });

  it("fails with WatchOverflow when the member no longer holds what the stream missed, and the session goes on", async () => {
    await using ensemble = await startMemoryEnsemble({ memberOptions: { watchHistoryMax: 8 } });
    const [home] = withRole(ensemble, "following");
    const [leader] = withRole(ensemble, "leading");
    if (home === undefined || leader === undefined) throw new Error("no roles");
    const dialer = new CuttableDialer(ensemble.clients.dialer());
    await using watcher = await connect({
      dialer,
      members: startingWith(home.status.id),
      sessionTimeoutMs: 10_000,
    });
    await using writer = await connect({
      dialer: ensemble.clients.dialer(),
      members: startingWith(leader.status.id),
      sessionTimeoutMs: 10_000,
    });
    await writer.create("/w");
    const stream = watcher.watch("/w");
    await watcher.getData("/w");
    const writeWhileAway = async (count: number): Promise<Zxid[]> => {
      dialer.cut();
      const zxids: Zxid[] = [];
      for (let i = 0; i < count; i += 1) zxids.push((await writer.setData("/w", bytes(String(i)))).mzxid);
      dialer.restore();
      return zxids;
    };

    // 5 changes missed: within the 8 the members remember, so the stream resumes with them.
    const missed = await writeWhileAway(5);
    const resumed: Zxid[] = [];
    for (let i = 0; i < missed.length; i += 1) resumed.push(((await stream.next()).value as WatchEvent).zxid);
    expect(resumed).toEqual(missed);

    // 20 missed: more than they remember.
    await writeWhileAway(20);
    await expect(stream.next()).rejects.toMatchObject({ code: "WatchOverflow", path: "/w" });
    expect(await stream.next()).toEqual({ done: true, value: undefined });

    // Read again and watch anew: the session itself is fine.
    const again = watcher.watch("/w");
    expect((await watcher.getData("/w")).stat.version).toBe(25);
    const next = await writer.setData("/w", bytes("after"));
    expect((await again.next()).value?.zxid).toBe(next.mzxid);
    await again.return();
  });
});

describe("watchHistoryMax", () => {
  it("must be a non-negative integer", async () => {
    for (const watchHistoryMax of [-1, 1.5, Number.NaN]) {
      await expect(
        CoordinationServer.start({
          id: serverId(1),
          voters,
          storage: openMemoryStorage(new MemoryDataDir()),
          transport: new MemoryNetwork().transport(serverId(1)),
          watchHistoryMax,
        }),
      ).rejects.toMatchObject({ code: "Invalid" });
    }
  });
});

describe("a closed member", () => {
  it("serves no client, so that a moving session does not settle on its stale state", async () => {
    await using ensemble = await startMemoryEnsemble();
    const [home, other] = withRole(ensemble, "following");
    if (home === undefined || other === undefined) throw new Error("no followers");
    await using client = await connect({
      dialer: ensemble.clients.dialer(),
      members: [home.status.id, other.status.id],
      sessionTimeoutMs: 5_000,
    });
    const states = recordStates(client);
    await other.close();
    ensemble.clients.isolate(home.status.id);
    // Long enough for several rounds of attempts on the closed member.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(states).toEqual(["suspended"]);
    ensemble.clients.heal(home.status.id);
    await until(() => (client.state === "reconnected" ? true : undefined));
  });
});

describe("the member's side of a resumed watch", () => {
  it("answers an addWatch with a fromZxid by its reply then the retained changes it matches, and refuses a fromZxid it has not applied", async () => {
    await using ensemble = await startMemoryEnsemble();
    const [member] = withRole(ensemble, "following");
    if (member === undefined) throw new Error("no follower");
    await using writer = await connect({
      dialer: ensemble.clients.dialer(),
      members: [member.status.id],
      sessionTimeoutMs: 10_000,
    });
    await writer.create("/p");
    const from = (await writer.setData("/p", bytes("1"))).mzxid;
    await writer.create("/p/child"); // nodeCreated /p/child, nodeChildrenChanged /p
    await writer.create("/q"); // Not under /p.
    const last = (await writer.setData("/p", bytes("2"))).mzxid;
    const created = (await writer.exists("/p/child")).stat?.czxid;

    const raw = await RawClient.open(ensemble.clients.dialer(), member.status.id);
    raw.send({ kind: "request", xid: 1, op: "addWatch", path: "/p", mode: "persistent", fromZxid: from });
    raw.send({
      kind: "request",
      xid: 2,
      op: "addWatch",
      path: "/p",
      mode: "persistentRecursive",
      fromZxid: from,
    });
    raw.send({
      kind: "request",
      xid: 3,
      op: "addWatch",
      path: "/p",
      mode: "persistent",
      fromZxid: (last + 1_000n) as Zxid,
    });
    raw.send({ kind: "request", xid: 4, op: "ping" });
    const messages = await raw.take(8);
    const at = member.status.appliedZxid;
    expect(messages).toEqual([
      { kind: "reply", xid: 1, zxid: at, op: "addWatch" },
      { kind: "watchEvent", type: "nodeChildrenChanged", path: "/p", zxid: created },
      { kind: "watchEvent", type: "nodeDataChanged", path: "/p", zxid: last },
      { kind: "reply", xid: 2, zxid: at, op: "addWatch" },
      { kind: "watchEvent", type: "nodeCreated", path: "/p/child", zxid: created },
      { kind: "watchEvent", type: "nodeDataChanged", path: "/p", zxid: last },
      { kind: "reply", xid: 3, zxid: at, op: "error", failedOp: "addWatch", code: "Unavailable" },
      { kind: "reply", xid: 4, zxid: at, op: "ping" },
    ]);
    // The watches are set: the next change reaches the raw client once, for both of them.
    const next = (await writer.setData("/p", bytes("3"))).mzxid;
    raw.send({ kind: "request", xid: 5, op: "ping" });
    expect(await raw.take(2)).toEqual([
      { kind: "watchEvent", type: "nodeDataChanged", path: "/p", zxid: next },
      { kind: "reply", xid: 5, zxid: next, op: "ping" },
    ]);
    raw.close();
  });
});
