// Goal: the demo the README's first command runs tells the truth and ends cleanly: it narrates a
// leader killed with SIGKILL while writes continue, a new leader, every acknowledged write found,
// the old leader back and caught up, and the watch complete; it leaves no member running.
// Method: runDemo in this process (its members are real `zab serve` child processes).
import { describe, expect, it } from "vitest";
import { runDemo } from "../src/demo/demo.js";

describe("zab demo", () => {
  it("narrates a leader crash with no acknowledged write lost, and stops everything", async () => {
    const lines: string[] = [];
    await runDemo({ print: (line) => lines.push(line) });
    const text = lines.join("\n");
    expect(text).toMatch(/SIGKILL to the leader, member \d \(pid (\d+)\)/);
    expect(text).toMatch(/member \d leads epoch 2, \d+ ms after the kill/);
    expect(text).toMatch(/all there: \d+ entries, none acknowledged and lost/);
    expect(text).toMatch(/is back as a follower and has caught up/);
    expect(text).toMatch(/the watch delivered all \d+ changes/);
    expect(lines.at(-1)).toContain("done: no acknowledged write was lost");
    // Every member process it started is gone.
    const pids = [...text.matchAll(/pid (\d+)/g)].map((match) => Number(match[1]));
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
