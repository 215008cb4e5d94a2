// Goal: the pure decision every recipe re-runs after each wakeup gives the right holder set and
// watches only what it must. Method: examples for each rule, then properties over random queues
// (fast-check): a mutex has exactly one holder, the first; a read-write queue never lets a writer
// hold together with anyone; every waiter waits on a participant ahead of it, never on itself or
// one behind; and readers are never blocked by readers (no writer starvation by later readers is
// the same fact: a reader behind a writer waits).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decideLock,
  type LockRule,
  type ParticipantKind,
  type ParticipantName,
  parseParticipantName,
  participantsOf,
} from "../src/index.js";

const guid = (n: number) => n.toString(16).padStart(32, "0");
const participant = (n: number, kind: ParticipantKind): ParticipantName => {
  const name = `_c_${guid(n)}-${kind}-${String(n).padStart(10, "0")}`;
  const parsed = parseParticipantName(name);
  if (parsed === undefined) throw new Error(`bad test name ${name}`);
  return parsed;
};
const MUTEX: LockRule = { kind: "exclusive", leasesMax: 1 };
const READ: LockRule = { kind: "shared", blockedBy: ["write"] };

describe("participant names", () => {
  it("parses protected names and ignores everything else", () => {
    expect(parseParticipantName(`_c_${guid(7)}-lock-0000000042`)).toEqual({
      name: `_c_${guid(7)}-lock-0000000042`,
      guid: guid(7),
      kind: "lock",
      sequence: 42,
    });
    expect(parseParticipantName(`_g_${guid(7)}`)).toBeUndefined();
    expect(parseParticipantName(`_c_${guid(7)}-other-0000000042`)).toBeUndefined();
    expect(parseParticipantName(`_c_${guid(7)}-lock-42`)).toBeUndefined();
    expect(parseParticipantName("lock-0000000042")).toBeUndefined();
  });

  it("orders participants by sequence, not by name", () => {
    const late = `_c_${guid(1)}-lock-0000000010`;
    const early = `_c_${guid(2)}-lock-0000000009`;
    expect(participantsOf([late, `_g_${guid(3)}`, early]).map((p) => p.name)).toEqual([early, late]);
  });
});

describe("decideLock", () => {
  it("grants a mutex to the first in line; each waiter watches the one just ahead", () => {
    const queue = [participant(1, "lock"), participant(2, "lock"), participant(3, "lock")];
    expect(decideLock({ participants: queue, ours: queue[0]?.name ?? "", rule: MUTEX })).toEqual({
      kind: "acquired",
    });
    expect(decideLock({ participants: queue, ours: queue[2]?.name ?? "", rule: MUTEX })).toEqual({
      kind: "waitForPredecessor",
      predecessor: queue[1]?.name,
    });
  });

  it("reports a node that is not in line as missing", () => {
    expect(decideLock({ participants: [participant(1, "lock")], ours: "gone", rule: MUTEX })).toEqual({
      kind: "missing",
    });
  });

  it("lets readers share, and makes a reader behind a writer wait for that writer", () => {
    const queue = [
      participant(1, "read"),
      participant(2, "read"),
      participant(3, "write"),
      participant(4, "read"),
    ];
    const decide = (index: number, rule: LockRule) =>
      decideLock({ participants: queue, ours: queue[index]?.name ?? "", rule });
    expect(decide(1, READ)).toEqual({ kind: "acquired" });
    expect(decide(2, MUTEX)).toEqual({ kind: "waitForPredecessor", predecessor: queue[1]?.name });
    expect(decide(3, READ)).toEqual({ kind: "waitForPredecessor", predecessor: queue[2]?.name });
  });

  it("grants a semaphore to the first `leasesMax`, and makes the rest watch the children", () => {
    const queue = [1, 2, 3, 4].map((n) => participant(n, "lease"));
    const rule: LockRule = { kind: "exclusive", leasesMax: 3 };
    expect(decideLock({ participants: queue, ours: queue[2]?.name ?? "", rule })).toEqual({
      kind: "acquired",
    });
    expect(decideLock({ participants: queue, ours: queue[3]?.name ?? "", rule })).toEqual({
      kind: "waitForChildren",
    });
  });

  it("rejects a rule without leases, as a programmer error", () => {
    const own = participant(1, "lease");
    expect(() =>
      decideLock({ participants: [own], ours: own.name, rule: { kind: "exclusive", leasesMax: 0 } }),
    ).toThrow(/leasesMax/);
  });

  it("never lets a writer hold with anyone, and waiters only watch participants ahead", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<ParticipantKind>("read", "write"), { maxLength: 12 }), (kinds) => {
        const queue = kinds.map((kind, index) => participant(index + 1, kind));
        const holders: ParticipantName[] = [];
        for (const [index, own] of queue.entries()) {
          const decision = decideLock({
            participants: queue,
            ours: own.name,
            rule: own.kind === "write" ? MUTEX : READ,
          });
          if (decision.kind === "acquired") holders.push(own);
          if (decision.kind === "waitForPredecessor") {
            const watched = queue.findIndex((other) => other.name === decision.predecessor);
            expect(watched).toBeGreaterThanOrEqual(0);
            expect(watched).toBeLessThan(index);
          }
          expect(decision.kind).not.toBe("missing");
        }
        if (queue.length > 0) expect(holders[0]).toBe(queue[0]);
        if (holders.some((holder) => holder.kind === "write")) expect(holders).toHaveLength(1);
        // Every reader before the first writer holds: readers never block readers.
        const firstWriter = queue.findIndex((p) => p.kind === "write");
        const leadingReaders = firstWriter < 0 ? queue.length : firstWriter;
        if (leadingReaders > 0) expect(holders).toHaveLength(leadingReaders);
      }),
    );
  });
});
