// Goal: the real server runtime, with real file storage (fdatasync and all) and the in-process
// memory transport, elects a leader, commits, and survives the loss of its leader with nothing
// committed lost. Method: three ZabServers in one process, each with its own temp data
// directory; write through the leader; stop the leader abruptly; check the survivors elect a new
// leader that holds every acknowledged write, keep writing, then restart the old leader from its
// directory and check it catches up to the same state.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openFileStorage, type ServerId, serverId, ZabServer } from "@zab/core";
import { afterEach, describe, expect, it } from "vitest";
import { type DigestApplied, DigestStateMachine } from "../../src/sim/digest-state-machine.js";
import { MemoryNetwork } from "../../src/transport/memory-network.js";
import { until } from "./helpers.js";

const voters = [serverId(1), serverId(2), serverId(3)];
const directories: string[] = [];

afterEach(async () => {
  await Promise.all(directories.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const machines = new Map<ServerId, DigestStateMachine>();

async function startMember(
  network: MemoryNetwork,
  id: ServerId,
  dir: string,
): Promise<ZabServer<DigestApplied>> {
  const machine = new DigestStateMachine();
  machines.set(id, machine);
  return ZabServer.start<DigestApplied>({
    id,
    voters,
    tickMs: 10,
    storage: await openFileStorage({ dir }),
    transport: network.transport(id),
    stateMachine: machine,
  });
}

function leaderOf(
  servers: ReadonlyMap<ServerId, ZabServer<DigestApplied>>,
): ZabServer<DigestApplied> | undefined {
  for (const server of servers.values()) {
    const { role, phase } = server.status;
    if (role === "leading" && phase === "broadcast") return server;
  }
  return undefined;
}

describe("a three-member ensemble on the real runtime", () => {
  it("elects, commits, and fails over to a new leader without losing a committed write", async () => {
    const network = new MemoryNetwork({ delayMs: 1 });
    const dirs = new Map<ServerId, string>();
    const servers = new Map<ServerId, ZabServer<DigestApplied>>();
    for (const id of voters) {
      const dir = await mkdtemp(join(tmpdir(), `zab-runtime-${id}-`));
      directories.push(dir);
      dirs.set(id, dir);
      servers.set(id, await startMember(network, id, dir));
    }
    try {
      const first = await until(() => leaderOf(servers));
      const acknowledged: bigint[] = [];
      for (let i = 0; i < 50; i += 1) {
        const { zxid } = await first.propose(new TextEncoder().encode(`before-${i}`));
        acknowledged.push(zxid);
      }

      // The leader goes away; the other two must elect a new one holding every write above.
      const oldId = first.status.id;
      await first.close();
      servers.delete(oldId);
      const second = await until(() => leaderOf(servers));
      expect(second.status.id).not.toBe(oldId);
      expect(second.status.epoch).toBeGreaterThan(first.status.epoch ?? 0);
      const lastAcknowledged = acknowledged.at(-1) ?? 0n;
      expect(second.status.committedZxid).toBeGreaterThanOrEqual(lastAcknowledged);
      for (let i = 0; i < 20; i += 1) await second.propose(new TextEncoder().encode(`after-${i}`));

      // The old leader restarts from its own directory and catches up to the same state.
      const oldDir = dirs.get(oldId);
      if (oldDir === undefined) throw new Error("no directory");
      const restarted = await startMember(network, oldId, oldDir);
      servers.set(oldId, restarted);
      const target = second.status.committedZxid;
      await until(() =>
        [...servers.values()].every((server) => server.status.appliedZxid >= target) ? true : undefined,
      );
      const states = [...servers.values()].map((server) => server.status.appliedZxid);
      expect(new Set(states).size).toBe(1);
      // Same zxid, same state: the restarted member replayed and synced exactly the same history.
      const digests = [...servers.keys()].map((id) => machines.get(id)?.digest());
      expect(new Set(digests).size).toBe(1);
    } finally {
      await Promise.all([...servers.values()].map((server) => server.close()));
    }
  });
});
