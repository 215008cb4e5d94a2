// Goal: the Coordination API is linearizable for linearizable reads, writes and compare-and-set
// on real members while members crash and restart, clients lose their member, and the peer
// network partitions — checked by the linearizability checker, Jepsen-style.
// Method: three CoordinationServers on the in-process networks with memory storage; five
// clients, each connected first to a different member, run a seeded mix of operations on two
// registers (znodes). Every write uses a value never written before, so a compare-and-set is a
// setData conditioned on the version read just before (a changed version then means a changed
// value). A call that fails with ConnectionLoss or Timeout is indeterminate: it may or may not
// have happened. Faults run throughout; each register's history must be linearizable.
import {
  type Coordination,
  type CoordinationServer,
  connect,
  MemoryDataDir,
  type ServerId,
  serverId,
  ZabError,
} from "@zab/core";
import { describe, expect, it } from "vitest";
import { checkLinearizability } from "../../src/linearizability/check-linearizability.js";
import { HistoryBuilder } from "../../src/linearizability/history-builder.js";
import {
  type RegisterInput,
  type RegisterOutput,
  registerModel,
} from "../../src/linearizability/register-model.js";
import { SeededRandom } from "../../src/sim/random.js";
import { MemoryClientNetwork } from "../../src/transport/memory-client-network.js";
import { MemoryNetwork } from "../../src/transport/memory-network.js";
import { startMember, until, voters } from "./helpers.js";

const registers = ["/r0", "/r1"];
const CLIENTS = 5;
const RUN_MS = 2_500;

const encode = (value: number) => new TextEncoder().encode(String(value));
const decode = (data: Uint8Array): number | null =>
  data.byteLength === 0 ? null : Number(new TextDecoder().decode(data));

/** Whether an error leaves the operation's outcome unknown. */
function indeterminate(error: unknown): boolean {
  return ZabError.isInstance(error, "ConnectionLoss") || ZabError.isInstance(error, "Timeout");
}

async function runWorkload(
  seed: number,
): Promise<Map<string, HistoryBuilder<RegisterInput, RegisterOutput>>> {
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

  const histories = new Map(
    registers.map((path) => [path, new HistoryBuilder<RegisterInput, RegisterOutput>()] as const),
  );
  const sessions: Coordination[] = [];
  let nextValue = 1;
  const deadline = Date.now() + RUN_MS;
  try {
    const setup = await connect({ dialer: clients.dialer(), members: voters, sessionTimeoutMs: 5_000 });
    for (const path of registers) await setup.create(path);
    await setup.close();

    const worker = async (index: number) => {
      const first = voters[index % voters.length] ?? serverId(1);
      const session = await connect({
        dialer: clients.dialer(),
        members: [first, ...voters.filter((id) => id !== first)],
        sessionTimeoutMs: 5_000,
        requestTimeoutMs: 1_000,
      });
      sessions.push(session);
      // Each client is one Jepsen process per register; an indeterminate op retires it.
      const process = new Map(registers.map((path) => [path, index] as const));
      while (Date.now() < deadline) {
        const path = random.pick(registers);
        const history = histories.get(path);
        const id = process.get(path);
        if (history === undefined || id === undefined) throw new Error("unknown register");
        const choice = random.nextFloat();
        const isRead = choice < 0.4;
        try {
          if (isRead) {
            history.invoke(id, { kind: "read" });
            const { data } = await session.getData(path, { linearizable: true });
            history.complete(id, { kind: "read", value: decode(data) });
          } else if (choice < 0.7) {
            const value = nextValue++;
            history.invoke(id, { kind: "write", value });
            await session.setData(path, encode(value));
            history.complete(id, { kind: "write" });
          } else {
            // Compare-and-set from the value just read to a brand-new one.
            const current = await session.getData(path);
            const from = decode(current.data);
            if (from === null) continue;
            const to = nextValue++;
            history.invoke(id, { kind: "cas", from, to });
            try {
              await session.setData(path, encode(to), { version: current.stat.version });
              history.complete(id, { kind: "cas", ok: true });
            } catch (error) {
              if (!ZabError.isInstance(error, "BadVersion")) throw error;
              history.complete(id, { kind: "cas", ok: false });
            }
          }
        } catch (error) {
          if (!indeterminate(error)) throw error;
          if (isRead) {
            // A read that failed changed nothing: it returned, with an unknown value.
            history.complete(id, undefined);
          } else {
            // A write that failed may still commit later: it stays open, and the process retires.
            history.markIndeterminate(id);
            process.set(path, id + CLIENTS * 1000);
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };

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
    await Promise.all([...Array.from({ length: CLIENTS }, (_, index) => worker(index)), faults]);
  } finally {
    await Promise.all(sessions.map((session) => session.close().catch(() => undefined)));
    await Promise.all([...members.values()].map((member) => member.close()));
  }
  return histories;
}

describe("linearizable registers on real members under faults", () => {
  it.each([1, 2])(
    "seed %i: every register's history of reads, writes and CAS is linearizable",
    async (seed) => {
      const histories = await runWorkload(seed);
      for (const [path, builder] of histories) {
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
