// Goal: the Coordination API is linearizable for linearizable reads, writes and compare-and-set
// on real members while members crash and restart, clients lose their member, and the peer
// network partitions — checked by the linearizability checker, Jepsen-style.
// Method: three CoordinationServers on the in-process networks with memory storage, in real time;
// five clients, each connected first to a different member, run the register workload (the same
// one the simulator runs in virtual time: see RegisterWorkload). Faults run throughout; each
// register's history must be linearizable and no session may read back in time.
import {
  type CoordinationServer,
  connect,
  MemoryDataDir,
  type ServerId,
  serverId,
  systemClock,
} from "@zab/core";
import { describe, expect, it } from "vitest";
import { checkLinearizability } from "../../src/linearizability/check-linearizability.js";
import { registerModel } from "../../src/linearizability/register-model.js";
import { SeededRandom } from "../../src/sim/random.js";
import { MemoryClientNetwork } from "../../src/transport/memory-client-network.js";
import { MemoryNetwork } from "../../src/transport/memory-network.js";
import { RegisterWorkload } from "../../src/workload/register-workload.js";
import { startMember, until, voters } from "./helpers.js";

const CLIENTS = 5;
const RUN_MS = 2_500;

async function runWorkload(seed: number): Promise<RegisterWorkload> {
  const random = new SeededRandom(seed);
  const network = new MemoryNetwork({ delayMs: 1 });
  const clients = new MemoryClientNetwork();
  const disks = new Map(voters.map((id) => [id, new MemoryDataDir()] as const));
  const members = new Map<ServerId, CoordinationServer>();
  const start = async (id: ServerId) => {
    const disk = disks.get(id);
    if (disk === undefined) throw new Error("no disk");
    members.set(id, await startMember(id, { network, clients }, { disk, sessionTimeoutMinMs: 500 }));
  };
  for (const id of voters) await start(id);
  await until(() => ([...members.values()].every((m) => m.status.phase === "broadcast") ? true : undefined));

  const workload = new RegisterWorkload({
    registers: ["/r0", "/r1"],
    clients: CLIENTS,
    durationMs: RUN_MS,
    clock: systemClock,
    random: random.fork(),
    connect: (client) => {
      const first = voters[Math.max(0, client) % voters.length] ?? serverId(1);
      return connect({
        dialer: clients.dialer(),
        members: [first, ...voters.filter((id) => id !== first)],
        sessionTimeoutMs: 5_000,
        requestTimeoutMs: 1_000,
      });
    },
  });
  const deadline = Date.now() + RUN_MS;
  try {
    const faults = (async () => {
      while (Date.now() < deadline - 400) {
        await new Promise((resolve) => setTimeout(resolve, random.int(250, 600)));
        const victim = random.pick(voters);
        const fault = random.int(0, 2);
        if (fault === 0) {
          // Crash and restart a member on the same disk.
          await members.get(victim)?.close();
          members.delete(victim);
          await new Promise((resolve) => setTimeout(resolve, random.int(50, 200)));
          await start(victim);
        } else if (fault === 1) {
          // Its clients lose it for a while and move elsewhere.
          clients.isolate(victim);
          await new Promise((resolve) => setTimeout(resolve, random.int(50, 200)));
          clients.heal(victim);
        } else {
          // Cut it off from the other members for a while.
          network.partition([[victim]]);
          await new Promise((resolve) => setTimeout(resolve, random.int(50, 300)));
          network.heal();
        }
      }
    })();
    await Promise.all([workload.run(), faults]);
  } finally {
    await Promise.all([...members.values()].map((member) => member.close()));
  }
  return workload;
}

describe("linearizable registers on real members under faults", () => {
  it.each([1, 2])(
    "seed %i: every register's history of reads, writes and CAS is linearizable",
    async (seed) => {
      const workload = await runWorkload(seed);
      expect(workload.sessionViolations).toEqual([]);
      for (const [path, builder] of workload.histories) {
        const history = builder.build();
        // The run must have done real work on every register, or it proves little.
        expect(history.length, `operations on ${path}`).toBeGreaterThan(20);
        const result = checkLinearizability(registerModel, history, { timeoutMs: 20_000 });
        expect(result.verdict, `history of ${path}`).toBe("linearizable");
      }
    },
    60_000,
  );
});
