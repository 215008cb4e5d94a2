// Goal: the metrics a running member renders reflect what the ensemble really did: the leader
// counts its proposals, applies and group commits, one election timed to broadcast, and its
// role; followers count the peer traffic they received and the transactions they applied and
// compare digests with the leader. Method: three ZabServers on the in-process network and memory
// storage, sharing nothing but the network; write through the leader, then scrape each member's
// registry and read samples from the text, every line checked against the exposition grammar.
import { MemoryDataDir, openMemoryStorage, type ServerId, serverId, ZabServer } from "@zab/core";
import { describe, expect, it } from "vitest";
import { type DigestApplied, DigestStateMachine } from "../../src/sim/digest-state-machine.js";
import { MemoryNetwork } from "../../src/transport/memory-network.js";
import { until } from "./helpers.js";

const voters: readonly ServerId[] = [serverId(1), serverId(2), serverId(3)];
const WRITES = 40;

/** A comment line, or a sample: a name, optional labels, a value. */
const LINE =
  /^(?:# (?:HELP|TYPE) \S+ .*|[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})? (?:[+-]Inf|NaN|-?[0-9.e+-]+))$/;

/** Reads every sample of a scrape into a map from series (name and labels) to value. */
function scrape(server: ZabServer<DigestApplied>): Map<string, number> {
  const text = server.metrics.render();
  const samples = new Map<string, number>();
  for (const line of text.trimEnd().split("\n")) {
    expect(line).toMatch(LINE);
    if (line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

function value(samples: Map<string, number>, series: string): number {
  const found = samples.get(series);
  if (found === undefined) throw new Error(`no sample ${series}`);
  return found;
}

describe("metrics of a running ensemble", () => {
  it("show the leader's proposals, applies, group commits and election, and the followers' traffic", async () => {
    const network = new MemoryNetwork({ delayMs: 1 });
    const servers = await Promise.all(
      voters.map((id) =>
        ZabServer.start<DigestApplied>({
          id,
          voters,
          tickMs: 10,
          digestIntervalTicks: 2,
          storage: openMemoryStorage(new MemoryDataDir()),
          transport: network.transport(id),
          stateMachine: new DigestStateMachine(),
        }),
      ),
    );
    try {
      const leader = await until(() =>
        servers.find((s) => s.status.role === "leading" && s.status.phase === "broadcast"),
      );
      await until(() => (servers.every((s) => s.status.phase === "broadcast") ? true : undefined));
      for (let i = 0; i < WRITES; i += 1) await leader.propose(new TextEncoder().encode(`write-${i}`));
      const target = leader.status.committedZxid;
      await until(() => (servers.every((s) => s.status.appliedZxid >= target) ? true : undefined));
      const followers = servers.filter((server) => server !== leader);
      // Let a digest or two go out after the last write, for the followers to compare.
      await until(() =>
        followers.every((f) => value(scrape(f), "zab_digest_checks_total") > 0) ? true : undefined,
      );

      const atLeader = scrape(leader);
      expect(value(atLeader, "zab_proposals_total")).toBe(WRITES);
      expect(value(atLeader, "zab_transactions_applied_total")).toBe(WRITES);
      const fsyncs = value(atLeader, "zab_log_fsync_duration_seconds_count");
      expect(fsyncs).toBeGreaterThan(0);
      expect(value(atLeader, 'zab_log_fsync_duration_seconds_bucket{le="+Inf"}')).toBe(fsyncs);
      expect(value(atLeader, "zab_log_fsync_transactions_sum")).toBe(WRITES);
      expect(value(atLeader, "zab_elections_total")).toBe(1);
      expect(value(atLeader, "zab_election_duration_seconds_count")).toBe(1);
      expect(value(atLeader, "zab_election_duration_seconds_sum")).toBeGreaterThan(0);
      expect(value(atLeader, 'zab_role{role="leading"}')).toBe(1);
      expect(value(atLeader, 'zab_role{role="looking"}')).toBe(0);
      expect(value(atLeader, 'zab_phase{phase="broadcast"}')).toBe(1);
      expect(value(atLeader, "zab_current_epoch")).toBe(leader.status.epoch);
      expect(value(atLeader, "zab_peer_sent_bytes_total")).toBeGreaterThan(0);

      for (const follower of followers) {
        const atFollower = scrape(follower);
        expect(value(atFollower, "zab_peer_received_bytes_total")).toBeGreaterThan(0);
        expect(value(atFollower, "zab_peer_received_frames_total")).toBeGreaterThan(WRITES);
        expect(value(atFollower, "zab_proposals_total")).toBe(0);
        expect(value(atFollower, "zab_transactions_applied_total")).toBe(WRITES);
        expect(value(atFollower, 'zab_role{role="following"}')).toBe(1);
        expect(value(atFollower, "zab_election_duration_seconds_count")).toBe(1);
        expect(value(atFollower, "zab_digest_mismatches_total")).toBe(0);
      }
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });
});
