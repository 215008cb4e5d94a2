// Goal: the runtime's instruments count what they claim — elections as entries into the election
// phase, election duration from starting or leaving broadcast to broadcast again (failed attempts
// in between extend one outage), group commits in seconds and transactions, peer traffic — and
// read role, phase, epochs and digest checks from the node at scrape time. Method: drive
// ZabServerMetrics with transitions and made-up times, and read the registry's samples.
import { describe, expect, it } from "vitest";
import { MetricsRegistry } from "../../../src/metrics/metrics-registry.js";
import { ZabServerMetrics, type ZabServerMetricsSource } from "../../../src/metrics/zab-server-metrics.js";
import { epoch, serverId } from "../../../src/protocol/ids.js";
import type { Phase, Role, Transition } from "../../../src/protocol/ready.js";

/** The value of one sample line, such as `zab_role{role="leading"}`. */
function sample(registry: MetricsRegistry, series: string): number {
  const line = registry
    .render()
    .split("\n")
    .find((candidate) => candidate.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no sample ${series}`);
  return Number(line.slice(series.length + 1));
}

function transition(role: Role, phase: Phase): Transition {
  return {
    role,
    phase,
    leader: role === "looking" ? undefined : serverId(1),
    epoch: undefined,
    reason: "test",
  };
}

function setup() {
  const registry = new MetricsRegistry();
  const node: { -readonly [K in keyof ZabServerMetricsSource]: ZabServerMetricsSource[K] } = {
    role: "looking",
    phase: "election",
    acceptedEpoch: epoch(0),
    currentEpoch: epoch(0),
    digestChecks: { checked: 0, mismatched: 0, skipped: 0 },
  };
  const metrics = new ZabServerMetrics(registry, node, 1_000);
  return { registry, node, metrics };
}

describe("ZabServerMetrics", () => {
  it("times an election from the member's start to broadcast", () => {
    const { registry, metrics } = setup();
    metrics.transition(transition("looking", "election"), 1_010);
    metrics.transition(transition("leading", "discovery"), 1_100);
    metrics.transition(transition("leading", "synchronization"), 1_150);
    metrics.transition(transition("leading", "broadcast"), 1_200);
    expect(sample(registry, "zab_elections_total")).toBe(1);
    expect(sample(registry, "zab_election_duration_seconds_count")).toBe(1);
    expect(sample(registry, "zab_election_duration_seconds_sum")).toBeCloseTo(0.2);
    expect(sample(registry, 'zab_election_duration_seconds_bucket{le="0.25"}')).toBe(1);
    expect(sample(registry, 'zab_election_duration_seconds_bucket{le="0.1"}')).toBe(0);
  });

  it("counts each election but times one outage across failed attempts", () => {
    const { registry, metrics } = setup();
    metrics.transition(transition("looking", "election"), 1_000);
    metrics.transition(transition("following", "broadcast"), 1_500);
    // Leader lost: election, a discovery that fails, a second election, then broadcast.
    metrics.transition(transition("looking", "election"), 10_000);
    metrics.transition(transition("following", "discovery"), 10_100);
    metrics.transition(transition("looking", "election"), 12_000);
    metrics.transition(transition("following", "discovery"), 12_100);
    metrics.transition(transition("following", "broadcast"), 13_000);
    expect(sample(registry, "zab_elections_total")).toBe(3);
    expect(sample(registry, "zab_election_duration_seconds_count")).toBe(2);
    expect(sample(registry, "zab_election_duration_seconds_sum")).toBeCloseTo(0.5 + 3);
  });

  it("observes group commits in seconds and transactions", () => {
    const { registry, metrics } = setup();
    metrics.synced(0.3, 1);
    metrics.synced(4, 10);
    expect(sample(registry, "zab_log_fsync_duration_seconds_count")).toBe(2);
    expect(sample(registry, "zab_log_fsync_duration_seconds_sum")).toBeCloseTo(0.0043);
    expect(sample(registry, 'zab_log_fsync_duration_seconds_bucket{le="0.0005"}')).toBe(1);
    expect(sample(registry, 'zab_log_fsync_duration_seconds_bucket{le="0.005"}')).toBe(2);
    expect(sample(registry, "zab_log_fsync_transactions_sum")).toBe(11);
    expect(sample(registry, 'zab_log_fsync_transactions_bucket{le="8"}')).toBe(1);
  });

  it("counts proposals, throttling, applies and peer traffic", () => {
    const { registry, metrics } = setup();
    metrics.proposed();
    metrics.proposed();
    metrics.throttled();
    metrics.applied(5);
    metrics.sent(100);
    metrics.sent(20);
    metrics.received(7);
    expect(sample(registry, "zab_proposals_total")).toBe(2);
    expect(sample(registry, "zab_proposals_throttled_total")).toBe(1);
    expect(sample(registry, "zab_transactions_applied_total")).toBe(5);
    expect(sample(registry, "zab_peer_sent_frames_total")).toBe(2);
    expect(sample(registry, "zab_peer_sent_bytes_total")).toBe(120);
    expect(sample(registry, "zab_peer_received_frames_total")).toBe(1);
    expect(sample(registry, "zab_peer_received_bytes_total")).toBe(7);
  });

  it("reads role, phase, epochs and digest checks from the node when scraped", () => {
    const { registry, node } = setup();
    expect(sample(registry, 'zab_role{role="looking"}')).toBe(1);
    node.role = "following";
    node.phase = "broadcast";
    node.acceptedEpoch = epoch(4);
    node.currentEpoch = epoch(3);
    node.digestChecks = { checked: 9, mismatched: 1, skipped: 2 };
    expect(sample(registry, 'zab_role{role="looking"}')).toBe(0);
    expect(sample(registry, 'zab_role{role="following"}')).toBe(1);
    expect(sample(registry, 'zab_phase{phase="broadcast"}')).toBe(1);
    expect(sample(registry, 'zab_phase{phase="election"}')).toBe(0);
    expect(sample(registry, "zab_accepted_epoch")).toBe(4);
    expect(sample(registry, "zab_current_epoch")).toBe(3);
    expect(sample(registry, "zab_digest_checks_total")).toBe(9);
    expect(sample(registry, "zab_digest_mismatches_total")).toBe(1);
    expect(sample(registry, "zab_digest_skipped_total")).toBe(2);
  });
});
