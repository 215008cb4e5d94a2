// Goal: the real runtime works over the TCP transport end to end: three Coordination API members
// elect a leader over authenticated TCP peer channels, and a remote client session over the TCP
// client transport writes through the leader and reads its writes back, also from another member;
// when the leader goes away, the others elect a new one over TCP and the session carries on.
// Method: three CoordinationServers on loopback (memory storage, fast ticks, a shared secret), each
// with a peer listener and a client port on port 0, wired together once every port is known.
import {
  type Coordination,
  CoordinationServer,
  connect,
  MemoryDataDir,
  openMemoryStorage,
  type ServerId,
  serverId,
  ZabError,
} from "@zab/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  listenClients,
  listenPeers,
  type MemberAddress,
  type TcpClientAcceptor,
  type TcpPeerTransport,
  tcpClientDialer,
} from "../src/index.js";
import { until } from "./helpers/until.js";

const voters: readonly ServerId[] = [serverId(1), serverId(2), serverId(3)];
const secret = "ensemble-secret";
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const bytes = (value: string) => new TextEncoder().encode(value);

interface Ensemble {
  readonly members: Map<ServerId, CoordinationServer>;
  readonly clientAddresses: Map<ServerId, MemberAddress>;
  leader(): CoordinationServer | undefined;
  close(): Promise<void>;
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function startEnsemble(): Promise<Ensemble> {
  const peers = new Map<ServerId, TcpPeerTransport>();
  const clients = new Map<ServerId, TcpClientAcceptor>();
  for (const id of voters) {
    peers.set(
      id,
      await listenPeers({ self: id, host: "127.0.0.1", port: 0, secret, reconnectDelayMaxMs: 500 }),
    );
    clients.set(id, await listenClients({ self: id, host: "127.0.0.1", port: 0, secret }));
  }
  // Ports were picked by the OS; now every member learns where the others are.
  const peerAddresses = new Map([...peers].map(([id, transport]) => [id, transport.address]));
  for (const transport of peers.values()) transport.setMembers(peerAddresses);
  const members = new Map<ServerId, CoordinationServer>();
  for (const id of voters) {
    const transport = peers.get(id);
    const acceptor = clients.get(id);
    if (transport === undefined || acceptor === undefined) throw new Error("every member has its ports");
    members.set(
      id,
      await CoordinationServer.start({
        id,
        voters,
        tickMs: 10,
        sessionTimeoutMinMs: 500,
        storage: openMemoryStorage(new MemoryDataDir()),
        transport,
        clients: acceptor,
      }),
    );
  }
  const ensemble: Ensemble = {
    members,
    clientAddresses: new Map([...clients].map(([id, acceptor]) => [id, acceptor.address])),
    leader: () =>
      [...members.values()].find(
        (member) => member.status.role === "leading" && member.status.phase === "broadcast",
      ),
    close: async () => {
      // A member owns its peer transport and closes it; the client ports are the test's.
      await Promise.all([...members.values()].map((member) => member.close()));
      await Promise.all([...clients.values()].map((acceptor) => acceptor.close()));
    },
  };
  open.push(() => ensemble.close());
  return ensemble;
}

describe("an ensemble over TCP", () => {
  it("elects a leader, and a remote client writes and reads through it", async () => {
    const ensemble = await startEnsemble();
    await until(() =>
      [...ensemble.members.values()].every((member) => member.status.phase === "broadcast")
        ? true
        : undefined,
    );
    const leader = ensemble.leader();
    expect(leader).toBeDefined();
    expect(
      [...ensemble.members.values()].filter((member) => member.status.role === "following"),
    ).toHaveLength(2);

    const dialer = tcpClientDialer({ members: ensemble.clientAddresses, secret });
    open.push(() => dialer.close());
    // A follower serves this session: its writes travel to the leader over the peer channels.
    const follower = voters.find((id) => ensemble.members.get(id) !== leader) ?? voters[0];
    if (follower === undefined) throw new Error("three voters");
    const session: Coordination = await connect({ dialer, members: [follower], sessionTimeoutMs: 5_000 });
    open.push(() => session.close());
    await session.create("/config", { data: bytes("v1") });
    await session.setData("/config", bytes("v2"));
    const { data, stat } = await session.getData("/config");
    expect(text(data)).toBe("v2");
    expect(stat.version).toBe(1);

    // Another member, reached over its own client port, has the write too (after a sync).
    const other = voters.find((id) => id !== follower && ensemble.members.get(id) !== leader);
    if (other === undefined) throw new Error("three voters");
    const second = await connect({ dialer, members: [other], sessionTimeoutMs: 5_000 });
    open.push(() => second.close());
    await second.sync("/config");
    expect(text((await second.getData("/config")).data)).toBe("v2");
  });

  it("elects a new leader over TCP when the leader goes away, and the session carries on", async () => {
    const ensemble = await startEnsemble();
    const first = await until(() => ensemble.leader());
    const dialer = tcpClientDialer({ members: ensemble.clientAddresses, secret });
    open.push(() => dialer.close());
    const survivors = voters.filter((id) => ensemble.members.get(id) !== first);
    const session = await connect({ dialer, members: survivors, sessionTimeoutMs: 10_000 });
    open.push(() => session.close());
    await session.create("/before", { data: bytes("kept") });

    const oldId = first.status.id;
    await first.close();
    ensemble.members.delete(oldId);
    const second = await until(() => ensemble.leader(), 20_000);
    expect(second.status.id).not.toBe(oldId);

    await until(async () => {
      try {
        await session.create("/after", { data: bytes("new") });
        return true;
      } catch (error) {
        // An earlier try may have been applied with its reply lost.
        if (ZabError.isInstance(error, "NodeExists")) return true;
        // ConnectionLoss while the session moves or the new leader settles; try again.
        return undefined;
      }
    }, 20_000);
    expect(text((await session.getData("/before")).data)).toBe("kept");
    expect(text((await session.getData("/after")).data)).toBe("new");
  });
});
