/**
 * Scenario family: losing members of a 5-voter ensemble (DESIGN.md §4: a quorum is a strict
 * majority; 2f+1 members tolerate f failures with f+1 votes).
 *
 * Goal: with 2 of 5 members down the ensemble keeps committing (3 votes suffice, including after
 * the leader itself is one of the two); with 3 down nothing is committed at all, however long
 * clients keep writing to the survivors; when one member comes back (3 of 5 again) a leader is
 * established and commits, and every member converges once all are back.
 *
 * Method: crashes are applied to followers and to the leader; during the outage clients propose
 * to every live member every 10 virtual ms for 3 seconds (far beyond every election and sync
 * timeout), and the global committed count is compared before and after.
 */
import type { ServerId } from "@zab/core";
import { describe, expect, it } from "vitest";
import type { Simulation } from "../../src/sim/simulation.js";
import {
  commitWrites,
  expectConverged,
  expectOneLeaderPerEpoch,
  proposeMany,
  settle,
  startEnsemble,
} from "./helpers.js";

/** Clients keep writing to every live member for `ms`. */
function keepWriting(sim: Simulation, ms: number): Uint8Array[] {
  const accepted: Uint8Array[] = [];
  const end = sim.now + ms;
  while (sim.now < end) {
    for (const id of sim.liveIds) accepted.push(...proposeMany(sim, id, 1));
    sim.run(10);
  }
  return accepted;
}

describe("5-member ensemble losing members", () => {
  it("two followers down: the remaining three keep committing", () => {
    const { sim, leader } = startEnsemble({ seed: 9_001, voters: 5 });
    commitWrites(sim, 5);
    const down = sim.memberIds.filter((id) => id !== leader).slice(0, 2);
    for (const id of down) sim.crash(id);
    const writes = commitWrites(sim, 20);
    expect(sim.leader()).toBe(leader);
    expect(writes.every((p) => sim.checker.isCommitted(p))).toBe(true);
    for (const id of down) sim.restart(id);
    settle(sim);
    expectConverged(sim);
  });

  it("the leader and one follower down: the remaining three elect and keep committing", () => {
    const { sim, leader } = startEnsemble({ seed: 9_002, voters: 5 });
    commitWrites(sim, 5);
    const follower = sim.memberIds.find((id) => id !== leader);
    if (follower === undefined) throw new Error("a follower");
    sim.crash(leader);
    sim.crash(follower);
    const newLeader = settle(sim);
    expect([leader, follower]).not.toContain(newLeader);
    commitWrites(sim, 20);
    expect(sim.hasServingQuorum()).toBe(true);
  });

  it("three down: no commit for 3 s of client writes; one back: commits resume; all back: converge", () => {
    const { sim, leader } = startEnsemble({ seed: 9_003, voters: 5 });
    commitWrites(sim, 5);
    const followers = sim.memberIds.filter((id) => id !== leader);
    // Two down, still live.
    sim.crash(followers[0] as ServerId);
    sim.crash(followers[1] as ServerId);
    commitWrites(sim, 5);
    // The third loss, the leader itself.
    sim.crash(leader);
    const committedBefore = sim.checker.committedCount;
    const stalled = keepWriting(sim, 3_000);
    expect(sim.checker.committedCount, "nothing commits without a quorum").toBe(committedBefore);
    for (const payload of stalled) expect(sim.checker.isCommitted(payload)).toBe(false);
    expect(sim.leader()).toBeUndefined();
    expect(sim.hasServingQuorum()).toBe(false);
    for (const id of sim.liveIds) expect(sim.node(id)?.role).toBe("looking");

    sim.restart(followers[0] as ServerId);
    settle(sim);
    const resumed = commitWrites(sim, 10);
    expect(sim.checker.committedCount).toBeGreaterThanOrEqual(committedBefore + resumed.length);

    sim.restart(followers[1] as ServerId);
    sim.restart(leader);
    settle(sim);
    commitWrites(sim, 3);
    expectConverged(sim);
    expectOneLeaderPerEpoch(sim);
  });

  it("three followers down while the leader lives: it steps down and commits nothing until a quorum returns", () => {
    const { sim, leader } = startEnsemble({ seed: 9_004, voters: 5 });
    commitWrites(sim, 5);
    const followers = sim.memberIds.filter((id) => id !== leader);
    const down = followers.slice(0, 3);
    for (const id of down) sim.crash(id);
    const committedBefore = sim.checker.committedCount;
    // The first round of writes reaches the leader before it notices (one per live member).
    const firstRound = keepWriting(sim, 10);
    const stalled = keepWriting(sim, 3_000);
    expect(sim.checker.committedCount).toBe(committedBefore);
    expect(sim.node(leader)?.role).toBe("looking");
    for (const id of down.slice(0, 1)) sim.restart(id);
    settle(sim);
    commitWrites(sim, 10);
    for (const id of down.slice(1)) sim.restart(id);
    settle(sim);
    expectConverged(sim);
    // Writes the leader logged in the moment before it stepped down may survive (they are then
    // committed everywhere, like any other); nothing handed over after it stepped down does.
    for (const payload of stalled) expect(sim.checker.isCommitted(payload)).toBe(false);
    expect(firstRound.length).toBeGreaterThan(0);
    expectOneLeaderPerEpoch(sim);
  });
});
