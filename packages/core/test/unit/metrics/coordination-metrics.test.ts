// Goal: the session layer's instruments count client requests per operation (every operation has
// its series from the start), watch events sent, and the frames and bytes crossing a counted channel both ways, while
// the channel behaves exactly as the one it wraps; sessions, connections and watches are read at
// scrape time. Method: a local channel pair, one end counted, and the registry's samples.
import { describe, expect, it } from "vitest";
import { localChannelPair } from "../../../src/client/local-channel.js";
import { CoordinationMetrics } from "../../../src/metrics/coordination-metrics.js";
import { MetricsRegistry } from "../../../src/metrics/metrics-registry.js";

function sample(registry: MetricsRegistry, series: string): number {
  const line = registry
    .render()
    .split("\n")
    .find((candidate) => candidate.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no sample ${series}`);
  return Number(line.slice(series.length + 1));
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 100 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(condition()).toBe(true);
};

describe("CoordinationMetrics", () => {
  it("has a zero series for every operation and counts requests by operation", () => {
    const registry = new MetricsRegistry();
    const metrics = new CoordinationMetrics(registry, {
      sessions: () => 0,
      connections: () => 0,
      watches: () => 0,
    });
    metrics.request("getData");
    metrics.request("getData");
    metrics.request("multi");
    expect(sample(registry, 'zab_client_requests_total{op="getData"}')).toBe(2);
    expect(sample(registry, 'zab_client_requests_total{op="multi"}')).toBe(1);
    const ops = registry.render().match(/^zab_client_requests_total\{/gm) ?? [];
    expect(ops).toHaveLength(12);
    expect(sample(registry, 'zab_client_requests_total{op="removeWatches"}')).toBe(0);
  });

  it("counts watch events sent", () => {
    const registry = new MetricsRegistry();
    const metrics = new CoordinationMetrics(registry, {
      sessions: () => 0,
      connections: () => 0,
      watches: () => 0,
    });
    expect(sample(registry, "zab_watch_events_total")).toBe(0);
    metrics.watchEvent();
    metrics.watchEvent();
    expect(sample(registry, "zab_watch_events_total")).toBe(2);
  });

  it("reads sessions, connections and watches when scraped", () => {
    const registry = new MetricsRegistry();
    let sessions = 1;
    new CoordinationMetrics(registry, { sessions: () => sessions, connections: () => 2, watches: () => 3 });
    expect(sample(registry, "zab_sessions")).toBe(1);
    sessions = 4;
    expect(sample(registry, "zab_sessions")).toBe(4);
    expect(sample(registry, "zab_client_connections")).toBe(2);
    expect(sample(registry, "zab_watches")).toBe(3);
  });

  it("counts frames and bytes both ways on a counted channel, which otherwise behaves as the original", async () => {
    const registry = new MetricsRegistry();
    const metrics = new CoordinationMetrics(registry, {
      sessions: () => 0,
      connections: () => 0,
      watches: () => 0,
    });
    const [client, member] = localChannelPair();
    const counted = metrics.counted(member);
    const atMember: number[] = [];
    const atClient: number[] = [];
    let memberClosed = false;
    counted.listen({
      frame: (frame) => atMember.push(frame.byteLength),
      closed: () => {
        memberClosed = true;
      },
    });
    client.listen({ frame: (frame) => atClient.push(frame.byteLength), closed: () => {} });
    client.send(new Uint8Array(10));
    client.send(new Uint8Array(5));
    counted.send(new Uint8Array(3));
    await until(() => atMember.length === 2 && atClient.length === 1);
    expect(atMember).toEqual([10, 5]);
    expect(atClient).toEqual([3]);
    expect(sample(registry, "zab_client_received_frames_total")).toBe(2);
    expect(sample(registry, "zab_client_received_bytes_total")).toBe(15);
    expect(sample(registry, "zab_client_sent_frames_total")).toBe(1);
    expect(sample(registry, "zab_client_sent_bytes_total")).toBe(3);
    counted.close();
    await until(() => memberClosed);
  });
});
