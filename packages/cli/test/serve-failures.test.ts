// Goal: `zab serve` fails fast and clearly, and stops cleanly. A taken port or a data directory
// another process holds makes it exit non-zero with one `error: <code>: <message>` line that
// names the port or the directory and the holder, without a stack trace and with nothing left
// bound or locked; a bad config does the same with exit status 2. SIGTERM makes a running member
// exit 0 promptly and release its data directory, and `--log-format json` makes every log line a
// JSON object. `zab status` fails (exit 1) only when no member answers.
//
// Method: `zab serve` child processes on 127.0.0.1 with free ports and temporary data
// directories; a port is taken by a listener in the test process itself. A lone member of a
// three-member ensemble starts, listens and stays in election, which is all these cases need.
// Every child is killed by PID after each test, pass or fail.

import { access, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memberPorts, tempDir, writeConfig } from "./helpers/ensemble-fixture.js";
import { killAll, ZabProcess, zab } from "./helpers/zab-process.js";

/** A stopped member must exit well within this (it takes milliseconds). */
const PROMPT_EXIT_MS = 5_000;

let dir: Awaited<ReturnType<typeof tempDir>>;
let config: string;

beforeEach(async () => {
  dir = await tempDir();
  config = await writeConfig(dir.path, await memberPorts(3));
});

afterEach(async () => {
  await killAll();
  await dir.remove();
});

function serve(...args: string[]): ZabProcess {
  return new ZabProcess(["serve", "--config", config, "--id", "1", ...args]);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function exitsWithin(
  child: ZabProcess,
  timeoutMs: number,
): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`zab did not exit within ${timeoutMs} ms:\n${child.stderr}`)),
      timeoutMs,
    ),
  );
  const { code } = await Promise.race([child.exited(), timeout]);
  return { code, ms: Date.now() - started };
}

describe("zab serve refuses to start", () => {
  it("on a taken port, naming it, and leaves the data directory unlocked", async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen({ host: "127.0.0.1", port: 0 }, resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const [free, ...others] = await memberPorts(3);
      const takenConfig = await writeConfig(
        dir.path,
        [{ peerPort: port, clientPort: free?.clientPort ?? 0 }, ...others],
        {},
        "taken.json",
      );
      const dataDir = join(dir.path, "data");
      const outcome = await zab(["serve", "--config", takenConfig, "--id", "1", "--data-dir", dataDir]);
      expect(outcome.code).toBe(1);
      expect(outcome.stdout).toBe("");
      expect(outcome.stderr).toBe(
        `error: EADDRINUSE: cannot listen for peers on 127.0.0.1:${port}: the address is already in use (is another member running?)\n`,
      );
      expect(await exists(join(dataDir, "lock"))).toBe(false);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("on a data directory another member holds, naming the holder", async () => {
    const dataDir = join(dir.path, "shared-data");
    const first = serve("--data-dir", dataDir);
    await first.waitForLine("stdout", /ready/);
    // Same directory, other ports: only the lock stands in the way.
    const otherConfig = await writeConfig(dir.path, await memberPorts(3), {}, "other.json");
    const second = await zab(["serve", "--config", otherConfig, "--id", "1", "--data-dir", dataDir]);
    expect(second.code).toBe(1);
    expect(second.stdout).toBe("");
    expect(second.stderr).toMatch(
      new RegExp(
        `^error: Locked: data directory \\S*shared-data is locked by process ${first.pid}, which is running; [^\\n]+\\n$`,
      ),
    );
    expect(first.exit).toBeUndefined();
  });

  it("on a bad config, with exit status 2 and one line", async () => {
    const bad = join(dir.path, "bad.json");
    await writeFile(bad, JSON.stringify({ id: 1, transport: "carrier-pigeon" }));
    const outcome = await zab(["serve", "--config", bad]);
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toBe("");
    expect(outcome.stderr).toBe(
      `error: Invalid: ${bad}: transport must be one of "tcp", "nats", got "carrier-pigeon"\n`,
    );
  });
});

describe("zab serve stops", () => {
  it("on SIGTERM, promptly, with exit status 0, releasing its data directory", async () => {
    const dataDir = join(dir.path, "data");
    const member = serve("--data-dir", dataDir);
    await member.waitForLine("stdout", /ready/);
    expect(await exists(join(dataDir, "lock"))).toBe(true);
    member.signal("SIGTERM");
    const { code, ms } = await exitsWithin(member, PROMPT_EXIT_MS);
    expect(code, member.stderr).toBe(0);
    expect(ms).toBeLessThan(PROMPT_EXIT_MS);
    expect(await exists(join(dataDir, "lock"))).toBe(false);
    expect(member.stderr).toMatch(/ INFO {2}stopped member=1\n$/);
    // The directory is free: another member starts on it at once.
    const again = serve("--data-dir", dataDir);
    await again.waitForLine("stdout", /ready/);
  });

  it("on SIGINT too", async () => {
    const member = serve("--data-dir", join(dir.path, "data"));
    await member.waitForLine("stdout", /ready/);
    member.signal("SIGINT");
    expect((await exitsWithin(member, PROMPT_EXIT_MS)).code).toBe(0);
  });
});

describe("zab serve --log-format json", () => {
  it("writes every log line as a JSON object with time, level, message and the member", async () => {
    const member = serve(
      "--data-dir",
      join(dir.path, "data"),
      "--log-format",
      "json",
      "--log-level",
      "debug",
    );
    await member.waitForLine("stdout", /ready/);
    await member.waitForLine("stderr", /"msg":"started"/);
    member.signal("SIGTERM");
    expect((await exitsWithin(member, PROMPT_EXIT_MS)).code).toBe(0);
    const lines = member.stderr.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      const entry = JSON.parse(line) as { time: unknown; level: unknown; msg: unknown; member: unknown };
      expect(Number.isNaN(Date.parse(String(entry.time)))).toBe(false);
      expect(["debug", "info", "warn", "error"]).toContain(entry.level);
      expect(typeof entry.msg).toBe("string");
      expect(entry.member).toBe(1);
    }
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain("stopped");
  });
});

describe("zab status", () => {
  it("exits 1 when no member answers, after showing every member as unreachable", async () => {
    const outcome = await zab(["status", "--config", config, "--timeout-ms", "2000"]);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout.match(/unreachable/g)).toHaveLength(3);
    expect(outcome.stderr).toBe("error: ConnectionLoss: no member answered\n");
  });
});
