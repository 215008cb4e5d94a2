// Goal: the real server runtime over memory storage survives a power loss of its leader: the
// leader's disk loses whatever was not synced, yet every write a client saw acknowledged is held
// by the new leader, and the old member restarts from what its disk kept and catches up.
// Method: three ZabServers on the in-process network, each on a MemoryDataDir; commit writes;
// crash the leader's disk (unsynced writes lost) and stop its process; check the survivors, then
// restart the member on the same disk and compare states.
import { MemoryDataDir, openMemoryStorage, type ServerId, serverId, ZabServer } from "@zab/core";
import { describe, expect, it } from "vitest";
import { type DigestApplied, DigestStateMachine } from "../../src/sim/digest-state-machine.js";
import { MemoryNetwork } from "../../src/transport/memory-network.js";
import { until } from "./helpers.js";

const voters = [serverId(1), serverId(2), serverId(3)];

describe("the runtime on memory storage", () => {
  it("loses nothing acknowledged when the leader's disk loses its unsynced writes", async () => {
    const network = new MemoryNetwork();
    const disks = new Map(voters.map((id) => [id, new MemoryDataDir()] as const));
    const machines = new Map<ServerId, DigestStateMachine>();
    const servers = new Map<ServerId, ZabServer<DigestApplied>>();
    const start = async (id: ServerId) => {
      const disk = disks.get(id);
      if (disk === undefined) throw new Error("no disk");
      const machine = new DigestStateMachine();
      machines.set(id, machine);
      const server = await ZabServer.start<DigestApplied>({
        id,
        voters,
        tickMs: 10,
        storage: openMemoryStorage(disk),
        transport: network.transport(id),
        stateMachine: machine,
      });
      servers.set(id, server);
    };
    const leader = () =>
      [...servers.values()].find((s) => s.status.role === "leading" && s.status.phase === "broadcast");
    try {
      for (const id of voters) await start(id);
      const first = await until(leader);
      // Only the leader takes proposals; a follower says so instead of half-forwarding them.
      const follower = [...servers.values()].find((server) => server !== first);
      await expect(follower?.propose(new Uint8Array([1]))).rejects.toMatchObject({ code: "Unavailable" });
      await expect(first.propose(new Uint8Array([2]), { signal: AbortSignal.abort() })).rejects.toMatchObject(
        {
          code: "Aborted",
        },
      );
      let lastAcknowledged = 0n;
      for (let i = 0; i < 40; i += 1) {
        lastAcknowledged = (await first.propose(new TextEncoder().encode(`w${i}`))).zxid;
      }
      // Fire more writes without waiting, then cut the power of the leader's machine.
      const inFlight = Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => first.propose(new TextEncoder().encode(`x${i}`))),
      );
      const oldId = first.status.id;
      disks.get(oldId)?.crash();
      await first.close();
      servers.delete(oldId);
      const outcomes = await inFlight;
      for (const outcome of outcomes)
        if (outcome.status === "fulfilled") lastAcknowledged = outcome.value.zxid;

      const second = await until(leader);
      expect(second.status.id).not.toBe(oldId);
      expect(second.status.committedZxid).toBeGreaterThanOrEqual(lastAcknowledged);

      await start(oldId);
      await second.propose(new TextEncoder().encode("after"));
      const target = second.status.committedZxid;
      await until(() =>
        [...servers.values()].every((s) => s.status.appliedZxid === target) ? true : undefined,
      );
      expect(new Set([...machines.values()].map((machine) => machine.digest())).size).toBe(1);
    } finally {
      await Promise.all([...servers.values()].map((server) => server.close()));
    }
  });
});
