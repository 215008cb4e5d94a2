// Goal: a member serving the Coordination API renders, in the same registry as its runtime, the
// session layer's metrics: the sessions the ensemble holds, the connections and watches it serves,
// its clients' requests by operation, and the bytes they exchanged. Method: three
// CoordinationServers on the in-process networks; one client connected to a follower sets a
// watch and writes; that follower's scrape is read sample by sample.
import { type CoordinationServer, connect } from "@zab/core";
import { describe, expect, it } from "vitest";
import { MemoryClientNetwork } from "../../src/transport/memory-client-network.js";
import { MemoryNetwork } from "../../src/transport/memory-network.js";
import { startMember, until, voters } from "./helpers.js";

function value(member: CoordinationServer, series: string): number {
  const line = member.metrics
    .render()
    .split("\n")
    .find((candidate) => candidate.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no sample ${series}`);
  return Number(line.slice(series.length + 1));
}

describe("session layer metrics of a running member", () => {
  it("show sessions, connections, watches, requests by operation and client bytes", async () => {
    const network = new MemoryNetwork({ delayMs: 1 });
    const clients = new MemoryClientNetwork();
    const members = await Promise.all(voters.map((id) => startMember(id, { network, clients })));
    try {
      await until(() => (members.every((m) => m.status.phase === "broadcast") ? true : undefined));
      const follower = members.find((m) => m.status.role === "following");
      if (follower === undefined) throw new Error("no follower");
      await using session = await connect({
        dialer: clients.dialer(),
        members: [follower.status.id],
        sessionTimeoutMs: 10_000,
      });
      await session.create("/a", { data: new TextEncoder().encode("x") });
      await session.create("/b");
      await session.getData("/a", { watch: true });
      await session.getChildren("/");

      expect(value(follower, "zab_sessions")).toBe(1);
      expect(value(follower, "zab_client_connections")).toBe(1);
      expect(value(follower, "zab_watches")).toBe(1);
      expect(value(follower, "zab_watch_events_total")).toBe(0);
      await session.setData("/a", new Uint8Array([1]));
      expect(value(follower, "zab_watch_events_total")).toBe(1);
      expect(value(follower, 'zab_client_requests_total{op="create"}')).toBe(2);
      expect(value(follower, 'zab_client_requests_total{op="getData"}')).toBe(1);
      expect(value(follower, 'zab_client_requests_total{op="getChildren"}')).toBe(1);
      expect(value(follower, 'zab_client_requests_total{op="delete"}')).toBe(0);
      expect(value(follower, 'zab_client_requests_total{op="setData"}')).toBe(1);
      expect(value(follower, "zab_client_received_frames_total")).toBeGreaterThanOrEqual(5);
      expect(value(follower, "zab_client_received_bytes_total")).toBeGreaterThan(0);
      expect(value(follower, "zab_client_sent_bytes_total")).toBeGreaterThan(0);
      // The runtime's metrics share the registry; the leader proposed the session and the writes.
      expect(value(follower, 'zab_role{role="following"}')).toBe(1);
      const leader = members.find((m) => m.status.role === "leading");
      expect(leader === undefined ? 0 : value(leader, "zab_proposals_total")).toBeGreaterThanOrEqual(3);
      expect(leader === undefined ? -1 : value(leader, "zab_client_connections")).toBe(0);
    } finally {
      await Promise.all(members.map((member) => member.close()));
    }
  });
});
