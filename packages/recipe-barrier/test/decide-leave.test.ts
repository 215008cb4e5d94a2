// Goal: the pure decision behind a double barrier's leave is ZooKeeper's — the lowest waits for
// the highest and leaves last, everyone else deletes its node and waits for the lowest — and it
// tells a node we deleted from one our session lost. Method: table cases, plus a run of the
// decision by every participant in turn that must end with all of them gone, whatever the order.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideLeave } from "../src/decide-leave.js";

const p = (index: number): string => `n${String(index).padStart(3, "0")}`;

describe("decideLeave", () => {
  it("is done when nobody is left", () => {
    expect(decideLeave({ participants: [], ours: p(1), oursDeleted: true })).toEqual({ kind: "left" });
    expect(decideLeave({ participants: [], ours: p(1), oursDeleted: false })).toEqual({ kind: "left" });
  });

  it("deletes and is done when alone", () => {
    expect(decideLeave({ participants: [p(4)], ours: p(4), oursDeleted: false })).toEqual({
      kind: "delete",
      last: true,
    });
  });

  it("makes the lowest wait for the highest", () => {
    expect(decideLeave({ participants: [p(1), p(2), p(3)], ours: p(1), oursDeleted: false })).toEqual({
      kind: "waitFor",
      name: p(3),
    });
  });

  it("makes the others delete their node, then wait for the lowest", () => {
    const participants = [p(1), p(2), p(3)];
    expect(decideLeave({ participants, ours: p(2), oursDeleted: false })).toEqual({
      kind: "delete",
      last: false,
    });
    expect(decideLeave({ participants: [p(1), p(3)], ours: p(2), oursDeleted: true })).toEqual({
      kind: "waitFor",
      name: p(1),
    });
  });

  it("reports a node that vanished without our deleting it", () => {
    expect(decideLeave({ participants: [p(1), p(3)], ours: p(2), oursDeleted: false })).toEqual({
      kind: "lost",
    });
  });

  it("lets every participant leave, in any order of turns, and nobody before the last has started", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.nat(), { maxLength: 400 }), (count, turns) => {
        // Participants start leaving one by one (a prefix of them is leaving); each turn, one
        // leaving participant decides and acts; watches are modelled as "decide again later".
        let present = Array.from({ length: count }, (_, index) => p(index + 1));
        const deleted = new Set<string>();
        const left = new Set<string>();
        let started = 0;
        for (const turn of [...turns, ...Array.from({ length: count * count * 4 }, (_, index) => index)]) {
          if (started < count && turn % 3 === 0) started += 1;
          const active = Array.from({ length: started }, (_, index) => p(index + 1)).filter(
            (name) => !left.has(name),
          );
          if (active.length === 0) {
            if (started === count) break;
            continue;
          }
          const ours = active[turn % active.length] as string;
          const decision = decideLeave({ participants: present, ours, oursDeleted: deleted.has(ours) });
          if (decision.kind === "lost") return false;
          if (decision.kind === "left" || (decision.kind === "delete" && decision.last)) {
            present = present.filter((participant) => participant !== ours);
            // Nobody may be done while a participant has not started leaving.
            if (started < count) return false;
            left.add(ours);
          } else if (decision.kind === "delete") {
            present = present.filter((participant) => participant !== ours);
            deleted.add(ours);
          }
        }
        return started === count && left.size === count && present.length === 0;
      }),
    );
  });
});
