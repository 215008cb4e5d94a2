// Goal: the demo the README's first command runs tells the truth and ends cleanly, over loopback
// TCP and over NATS: it narrates a leader killed with SIGKILL while writes continue, a new leader,
// every acknowledged write found, the old leader back and caught up, the watch complete, and 50
// workers through a double barrier; it leaves no member running, and over NATS without --nats it
// starts its own nats-server on a free port and stops that too.
// Method: runDemo in this process (its members are real `zab serve` child processes; over NATS
// the server is the real nats-server binary the demo finds and starts).
import { describe, expect, it } from "vitest";
import { type DemoOptions, runDemo } from "../src/demo/demo.js";

async function demoLines(options: Omit<DemoOptions, "print">): Promise<string[]> {
  const lines: string[] = [];
  await runDemo({ ...options, print: (line) => lines.push(line) });
  return lines;
}

function expectTheWholeStory(lines: readonly string[]): void {
  const text = lines.join("\n");
  expect(text).toMatch(/SIGKILL to the leader, member \d \(pid (\d+)\)/);
  expect(text).toMatch(/member \d leads epoch 2, \d+ ms after the kill/);
  expect(text).toMatch(/all there: \d+ entries, none acknowledged and lost/);
  expect(text).toMatch(/is back as a follower and has caught up/);
  expect(text).toMatch(/the watch delivered all \d+ changes/);
  expect(text).toMatch(/all 50 passed enter together within \d+ ms and left together within \d+ ms/);
  expect(lines.at(-1)).toContain("done: no acknowledged write was lost");
  // Every process it started (members, and its own nats-server) is gone.
  const pids = [...text.matchAll(/pid (\d+)/g)].map((match) => Number(match[1]));
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
}

describe("zab demo", () => {
  it("narrates a leader crash with no acknowledged write lost, and stops everything", async () => {
    const lines = await demoLines({});
    expect(lines[0]).toContain("over loopback TCP");
    expectTheWholeStory(lines);
  });

  it("does the same over NATS, on a nats-server of its own that it stops at the end", async () => {
    const lines = await demoLines({ nats: {} });
    expect(lines[0]).toMatch(/started \S*nats-server on nats:\/\/127\.0\.0\.1:\d+ \(pid \d+\) for this demo/);
    expect(lines[1]).toMatch(/over NATS \(nats:\/\/127\.0\.0\.1:\d+\)/);
    expectTheWholeStory(lines);
  });
});
