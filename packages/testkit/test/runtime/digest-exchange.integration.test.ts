// Goal: on the real server runtime, followers compare the leader's data tree digest with their own
// as writes flow and find them equal; and a follower whose state really diverged says so loudly —
// an error log naming the zxid, the leader and both digests in hex — and counts it in its status,
// while it keeps following. Method: members on the in-process network and memory storage, with a
// short digest interval. The first ensemble is three CoordinationServers (the data tree behind the
// Coordination API) written to by a real client. The second is three ZabServers running the
// simulator's digest machine, whose state one follower has overwritten (through its public
// restore) with a different digest at the zxid it holds, as a corrupted replica would; every
// member logs into its own capturing logger.
import {
  connect,
  type Logger,
  MemoryDataDir,
  openMemoryStorage,
  type ServerId,
  type StateMachine,
  serverId,
  ZabServer,
} from "@zab/core";
import { describe, expect, it } from "vitest";
import { type DigestApplied, DigestStateMachine } from "../../src/sim/digest-state-machine.js";
import { MemoryClientNetwork } from "../../src/transport/memory-client-network.js";
import { MemoryNetwork } from "../../src/transport/memory-network.js";
import { startMember, until } from "./helpers.js";

const voters = [serverId(1), serverId(2), serverId(3)];

interface LogLine {
  readonly level: string;
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

function capturingLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => {
    lines.push({ level, fields, message });
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Three members on one network, each with the state machine `machineOf` builds for it. */
async function ensemble<Result>(machineOf: (id: ServerId) => StateMachine<Result>) {
  const network = new MemoryNetwork({ delayMs: 1 });
  const logs = new Map<ServerId, LogLine[]>();
  const servers = new Map<ServerId, ZabServer<Result>>();
  for (const id of voters) {
    const lines: LogLine[] = [];
    logs.set(id, lines);
    servers.set(
      id,
      await ZabServer.start<Result>({
        id,
        voters,
        tickMs: 10,
        digestIntervalTicks: 2,
        storage: openMemoryStorage(new MemoryDataDir()),
        transport: network.transport(id),
        stateMachine: machineOf(id),
        logger: capturingLogger(lines),
      }),
    );
  }
  const leader = await until(() =>
    [...servers.values()].find((s) => s.status.role === "leading" && s.status.phase === "broadcast"),
  );
  await until(() => ([...servers.values()].every((s) => s.status.phase === "broadcast") ? true : undefined));
  const followers = [...servers.values()].filter((server) => server !== leader);
  return { servers, logs, leader, followers };
}

describe("the digest exchange on the real runtime", () => {
  it("members serving the Coordination API compare their trees' digests and find no mismatch", async () => {
    const network = new MemoryNetwork({ delayMs: 1 });
    const clients = new MemoryClientNetwork();
    const lines: LogLine[] = [];
    const members = await Promise.all(
      voters.map((id) =>
        startMember(id, { network, clients }, { digestIntervalTicks: 2, logger: capturingLogger(lines) }),
      ),
    );
    try {
      await until(() => (members.every((m) => m.status.phase === "broadcast") ? true : undefined));
      await using session = await connect({ dialer: clients.dialer(), members: voters });
      const followers = members.filter((member) => member.status.role !== "leading");
      expect(followers).toHaveLength(2);
      // Writes keep the leader's applied zxid moving, so that each digest it sends is a new one.
      let written = 0;
      await until(async () => {
        await session.create(`/n${written}`, { data: new Uint8Array([written & 0xff]) });
        written += 1;
        return followers.every((f) => f.status.digestChecks.checked >= 5) ? true : undefined;
      });
      for (const follower of followers) expect(follower.status.digestChecks.mismatched).toBe(0);
      const leader = members.find((member) => member.status.role === "leading");
      // The leader is the reference: it sends its digest and compares nothing.
      expect(leader?.status.digestChecks).toEqual({ checked: 0, mismatched: 0, skipped: 0 });
      expect(lines.filter((line) => line.level === "error")).toEqual([]);
    } finally {
      await Promise.all(members.map((member) => member.close()));
    }
  });

  it("a follower whose state diverged logs an error with both digests and counts it", async () => {
    const machines = new Map<ServerId, DigestStateMachine>();
    const { servers, logs, leader, followers } = await ensemble<DigestApplied>((id) => {
      const machine = new DigestStateMachine();
      machines.set(id, machine);
      return machine;
    });
    try {
      for (let i = 0; i < 10; i += 1) await leader.propose(new TextEncoder().encode(`before-${i}`));
      const [diverging, healthy] = followers;
      if (diverging === undefined || healthy === undefined) throw new Error("two followers");
      const target = leader.status.appliedZxid;
      await until(() => (diverging.status.appliedZxid === target ? true : undefined));
      // Overwrite the follower's state with a different digest at the zxid it holds.
      const machine = machines.get(diverging.status.id);
      if (machine === undefined) throw new Error("no machine");
      const corrupted = machine.snapshot();
      corrupted[7] = (corrupted[7] ?? 0) ^ 0xff;
      machine.restore(corrupted, machine.lastZxid);

      let written = 0;
      await until(async () => {
        await leader.propose(new TextEncoder().encode(`after-${written}`));
        written += 1;
        return diverging.status.digestChecks.mismatched > 0 ? true : undefined;
      });

      const errors = logs.get(diverging.status.id)?.filter((line) => line.level === "error") ?? [];
      expect(errors.length).toBeGreaterThanOrEqual(1);
      const [first] = errors;
      const fields = (first?.fields ?? {}) as Partial<
        Record<"zxid" | "leader" | "expected" | "actual", unknown>
      >;
      expect(fields.zxid).toMatch(/^0x[0-9a-f]{16}$/);
      expect(BigInt(String(fields.zxid))).toBeGreaterThan(target);
      expect(fields.leader).toBe(leader.status.id);
      expect(fields.expected).toMatch(/^0x[0-9a-f]{16}$/);
      expect(fields.actual).toMatch(/^0x[0-9a-f]{16}$/);
      expect(fields.expected).not.toBe(fields.actual);
      expect(first?.message).toBe(
        `state diverged from leader ${leader.status.id} at ${String(fields.zxid)}: ` +
          `its digest is ${String(fields.expected)}, ours is ${String(fields.actual)}`,
      );
      // One error per mismatch counted, and the member keeps following.
      expect(errors).toHaveLength(diverging.status.digestChecks.mismatched);
      expect(diverging.status.role).toBe("following");
      expect(healthy.status.digestChecks.mismatched).toBe(0);
      expect(healthy.status.digestChecks.checked).toBeGreaterThan(0);
    } finally {
      await Promise.all([...servers.values()].map((server) => server.close()));
    }
  });
});
