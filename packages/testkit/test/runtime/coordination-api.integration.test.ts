// Goal: the Coordination API works end to end on real members — sessions, writes through the
// leader answered after the serving member applied them, reads of one's own writes, CAS by
// version, sequential and ephemeral nodes, one-shot and persistent watches, typed errors — and a
// session survives the death of its member: it moves to another member within its timeout and
// keeps its ephemeral nodes, while an expired session's ephemerals vanish everywhere.
// Method: three CoordinationServers on the in-process peer network with memory storage; clients
// connect through the in-process client network to chosen members; members are stopped or cut
// off from their clients to force failover.
import {
  type ClientChannel,
  type ClientDialer,
  type Coordination,
  type CoordinationServer,
  connect,
  type ServerId,
  serverId,
  ZabError,
} from "@zab/core";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryClientNetwork } from "../../src/transport/memory-client-network.js";
import { MemoryNetwork } from "../../src/transport/memory-network.js";
import { startMember, until, voters } from "./helpers.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

interface Ensemble {
  readonly members: Map<ServerId, CoordinationServer>;
  readonly clients: MemoryClientNetwork;
  leader(): CoordinationServer | undefined;
  followers(): CoordinationServer[];
  close(): Promise<void>;
}

const open: Ensemble[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((ensemble) => ensemble.close()));
});

async function startEnsemble(): Promise<Ensemble> {
  const network = new MemoryNetwork();
  const clients = new MemoryClientNetwork();
  const members = new Map<ServerId, CoordinationServer>();
  for (const id of voters) {
    members.set(id, await startMember(id, { network, clients }));
  }
  const serving = () => [...members.values()].every((member) => member.status.phase === "broadcast");
  await until(() => (serving() ? true : undefined));
  const ensemble: Ensemble = {
    members,
    clients,
    leader: () => [...members.values()].find((member) => member.status.role === "leading"),
    followers: () => [...members.values()].filter((member) => member.status.role === "following"),
    close: async () => {
      await Promise.all([...members.values()].map((member) => member.close()));
    },
  };
  open.push(ensemble);
  return ensemble;
}

async function session(ensemble: Ensemble, first: ServerId, timeoutMs = 2_000): Promise<Coordination> {
  return connect({
    dialer: ensemble.clients.dialer(),
    members: [first, ...voters.filter((id) => id !== first)],
    sessionTimeoutMs: timeoutMs,
    requestTimeoutMs: 5_000,
  });
}

describe("the Coordination API on real members", () => {
  it("writes through a follower, reads its own writes, and enforces versions", async () => {
    const ensemble = await startEnsemble();
    const follower = ensemble.followers()[0];
    if (follower === undefined) throw new Error("no follower");
    await using client = await session(ensemble, follower.status.id);
    expect(await client.create("/config", { data: bytes("v1") })).toBe("/config");
    const read = await client.getData("/config");
    expect(text(read.data)).toBe("v1");
    expect(read.stat.version).toBe(0);
    const stat = await client.setData("/config", bytes("v2"), { version: 0 });
    expect(stat.version).toBe(1);
    await expect(client.setData("/config", bytes("v3"), { version: 0 })).rejects.toMatchObject({
      code: "BadVersion",
    });
    await expect(client.create("/config")).rejects.toMatchObject({ code: "NodeExists" });
    await expect(client.getData("/missing")).rejects.toMatchObject({ code: "NoNode" });
    await expect(client.create("no-slash")).rejects.toMatchObject({ code: "Invalid" });
    // Every member applied the same history.
    const digests = () => new Set([...ensemble.members.values()].map((member) => member.digest()));
    await until(() => (digests().size === 1 ? true : undefined));
  });

  it("serves an embedded session in the member's own process, with the same API", async () => {
    const ensemble = await startEnsemble();
    const member = ensemble.followers()[0];
    if (member === undefined) throw new Error("no follower");
    await using embedded = await member.session();
    await using remote = await session(ensemble, ensemble.leader()?.status.id ?? serverId(1));
    await embedded.create("/embedded", { data: bytes("from inside") });
    await remote.sync("/embedded");
    expect(text((await remote.getData("/embedded")).data)).toBe("from inside");
  });

  it("numbers sequential nodes and answers children in order", async () => {
    const ensemble = await startEnsemble();
    await using client = await session(ensemble, voters[0] ?? serverId(1));
    await client.create("/q");
    const made = [];
    for (let i = 0; i < 3; i += 1)
      made.push(await client.create("/q/item-", { mode: "persistentSequential" }));
    expect(made).toEqual(["/q/item-0000000000", "/q/item-0000000001", "/q/item-0000000002"]);
    expect((await client.getChildren("/q")).children).toEqual([
      "item-0000000000",
      "item-0000000001",
      "item-0000000002",
    ]);
  });

  it("fires one-shot and persistent watches after the change, in order", async () => {
    const ensemble = await startEnsemble();
    await using watcher = await session(ensemble, serverId(1));
    await using writer = await session(ensemble, serverId(2));
    await writer.create("/w", { data: bytes("0") });
    const { watch } = await watcher.getData("/w", { watch: true });
    const stream = watcher.watch("/w", { recursive: true });
    const seen: string[] = [];
    const consuming = (async () => {
      for await (const event of stream) {
        seen.push(`${event.type} ${event.path}`);
        if (seen.length === 3) break;
      }
    })();
    // Give the persistent watch time to register before writing.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await writer.setData("/w", bytes("1"));
    expect((await watch).type).toBe("nodeDataChanged");
    await writer.create("/w/child");
    await writer.delete("/w/child");
    await consuming;
    expect(seen).toEqual(["nodeDataChanged /w", "nodeCreated /w/child", "nodeDeleted /w/child"]);
  });

  it("keeps a session and its ephemerals when its member dies, and removes them when it expires", async () => {
    const ensemble = await startEnsemble();
    const follower = ensemble.followers()[0];
    if (follower === undefined) throw new Error("no follower");
    // A client whose process we can "kill": its channels close and it can dial no more.
    const channels: ClientChannel[] = [];
    let alive = true;
    const base = ensemble.clients.dialer();
    const killable: ClientDialer = {
      dial: async (member, options) => {
        if (!alive) throw new ZabError("ConnectionLoss", "the client process is gone");
        const channel = await base.dial(member, options);
        channels.push(channel);
        return channel;
      },
    };
    const timeoutMs = 1_000;
    const client = await connect({
      dialer: killable,
      members: [follower.status.id, ...voters.filter((id) => id !== follower.status.id)],
      sessionTimeoutMs: timeoutMs,
    });
    await client.create("/lease", { mode: "ephemeral" });

    // Its member becomes unreachable: the session moves to another member and keeps its node.
    ensemble.clients.isolate(follower.status.id);
    await until(() => (client.state === "reconnected" ? true : undefined));
    expect((await client.exists("/lease")).stat?.ephemeralOwner).toBe(client.sessionId);
    ensemble.clients.heal(follower.status.id);

    await using observer = await session(ensemble, serverId(1));
    alive = false;
    for (const channel of channels) channel.close();
    const killedAt = Date.now();
    // Not before the timeout...
    await new Promise((resolve) => setTimeout(resolve, timeoutMs / 2));
    expect((await observer.exists("/lease")).stat).toBeDefined();
    // ...but soon after it, on every member.
    await until(async () => ((await observer.exists("/lease")).stat === undefined ? true : undefined), 5_000);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(timeoutMs * 0.9);
    await expect(client.getData("/lease")).rejects.toBeInstanceOf(ZabError);
    await client.close().catch(() => undefined);
  });
});
