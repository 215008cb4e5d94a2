// Goal: `zab serve` runs a real three-member ensemble over TCP, and the client commands drive it
// the way a script would: each member prints its one ready line; create, get, set, ls and rm work
// (with --config, and with --members and a secret); status shows one leader and two followers
// with equal zxids, as JSON and as an aligned table, and reports a member that is down as
// unreachable without failing; watch prints every event until SIGINT and exits 0; an ephemeral
// node made by `create --ephemeral` lives until that command gets SIGTERM.
//
// Method: three `zab serve` child processes on 127.0.0.1 with free ports and temporary data
// directories, then each client command as a child process of its own, exactly as a shell would
// run them. Every child is killed by PID after the tests, pass or fail.

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MemberPorts, memberPorts, SECRET, tempDir, writeConfig } from "./helpers/ensemble-fixture.js";
import { killAll, type Outcome, ZabProcess, zab } from "./helpers/zab-process.js";

let dir: Awaited<ReturnType<typeof tempDir>>;
let ports: MemberPorts[];
let config: string;
const members: ZabProcess[] = [];
/** Children a single test started; killed after each test. */
const helpers: ZabProcess[] = [];

beforeAll(async () => {
  dir = await tempDir();
  ports = await memberPorts(3);
  config = await writeConfig(dir.path, ports);
  for (const id of [1, 2, 3]) {
    members.push(
      new ZabProcess([
        "serve",
        "--config",
        config,
        "--id",
        String(id),
        "--data-dir",
        `${dir.path}/data-${id}`,
      ]),
    );
  }
  await Promise.all(members.map((member) => member.waitForLine("stdout", /ready/)));
  await untilStatus((reports) => reports.filter((report) => report.phase === "broadcast").length === 3);
});

afterEach(async () => {
  await Promise.all(helpers.splice(0).map((child) => child.kill()));
});

afterAll(async () => {
  await killAll();
  await dir?.remove();
});

/** A client command against the test ensemble, named by its config file. */
function client(...args: string[]): Promise<Outcome> {
  return zab([...args, "--config", config]);
}

/** Expects a command to have succeeded and returns its stdout. */
function succeeded(outcome: Outcome): string {
  expect(outcome.code, outcome.stderr).toBe(0);
  return outcome.stdout;
}

interface StatusReport {
  readonly id: number;
  readonly reachable: boolean;
  readonly role?: string;
  readonly phase?: string;
  readonly leader?: number | null;
  readonly lastLoggedZxid?: string;
  readonly committedZxid?: string;
  readonly appliedZxid?: string;
  readonly lag?: number | null;
  readonly sessions?: number;
  readonly connections?: number;
  readonly watches?: number;
  readonly error?: { readonly code: string };
}

async function statusReports(): Promise<StatusReport[]> {
  const outcome = await client("status", "--json");
  return (JSON.parse(outcome.stdout) as { members: StatusReport[] }).members;
}

/** Polls `zab status --json` until `done` holds (a member takes a moment to apply a commit). */
async function untilStatus(
  done: (reports: StatusReport[]) => boolean,
  timeoutMs = 20_000,
): Promise<StatusReport[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reports = await statusReports();
    if (done(reports)) return reports;
    if (Date.now() > deadline) throw new Error(`status never settled: ${JSON.stringify(reports, null, 2)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("zab serve", () => {
  it("prints exactly one ready line per member, naming its ports and data directory", () => {
    for (const [index, member] of members.entries()) {
      const id = index + 1;
      const { peerPort, clientPort } = ports[index] as MemberPorts;
      expect(member.stdout).toBe(
        `zab member ${id} ready: peers 127.0.0.1:${peerPort}, clients 127.0.0.1:${clientPort}, data ${dir.path}/data-${id}\n`,
      );
    }
  });
});

describe("the znode commands", () => {
  it("create, get, set, ls and rm a node", async () => {
    expect(succeeded(await client("create", "/app", "v1"))).toBe("/app\n");
    expect(succeeded(await client("create", "/app/job-", "x", "--sequential"))).toBe("/app/job-0000000000\n");
    expect(succeeded(await client("get", "/app"))).toBe("v1\n");
    expect(succeeded(await client("set", "/app", "v2", "--version", "0"))).toBe("");
    const stat = succeeded(await client("get", "/app", "--stat"));
    expect(stat).toMatch(/^v2\nczxid = 0x[0-9a-f]{16}\n/);
    expect(stat).toContain("version = 1\n");
    expect(stat).toContain("numChildren = 1\n");
    expect(succeeded(await client("ls", "/app"))).toBe("job-0000000000\n");
    expect(JSON.parse(succeeded(await client("ls", "/", "--json")))).toContain("app");
    expect(succeeded(await client("rm", "/app/job-0000000000"))).toBe("");
    expect(succeeded(await client("rm", "/app", "--version", "1"))).toBe("");
    expect(succeeded(await client("ls", "/"))).not.toContain("app");
  });

  it("report the ensemble's error codes on one line and exit 1", async () => {
    succeeded(await client("create", "/cas", "a"));
    const conflict = await client("set", "/cas", "b", "--version", "7");
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/^error: BadVersion: [^\n]+\n$/);
    const missing = await client("get", "/nowhere");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: NoNode: [^\n]+\n$/);
    const exists = await client("create", "/cas");
    expect(exists.stderr).toMatch(/^error: NodeExists: /);
  });

  it("reach the ensemble through --members and a secret too", async () => {
    const list = ports.map(({ clientPort }) => `127.0.0.1:${clientPort}`).join(",");
    succeeded(await zab(["create", "/by-members", "m", "--members", list, "--secret", SECRET]));
    expect(succeeded(await zab(["get", "/by-members", "--members", list, "--secret", SECRET]))).toBe("m\n");
  });

  it("print JSON that carries the data and the stat", async () => {
    succeeded(await client("create", "/json", "hello"));
    const document = JSON.parse(succeeded(await client("get", "/json", "--json")));
    expect(document).toMatchObject({ path: "/json", data: "hello", dataBase64: "aGVsbG8=" });
    expect(document.stat).toMatchObject({ version: 0, dataLength: 5, ephemeralOwner: "0x0" });
  });
});

describe("zab watch", () => {
  it("prints each event of the subtree as a line until SIGINT, then exits 0", async () => {
    succeeded(await client("create", "/watched"));
    const watch = new ZabProcess(["watch", "/watched", "--config", config]);
    helpers.push(watch);
    await watch.waitForLine("stderr", /^watching \/watched/);
    succeeded(await client("create", "/watched/a", "1"));
    succeeded(await client("set", "/watched/a", "2"));
    succeeded(await client("rm", "/watched/a"));
    await watch.waitForLine("stdout", /^nodeDeleted \/watched\/a /);
    watch.signal("SIGINT");
    expect(await watch.exited()).toStrictEqual({ code: 0, signal: null });
    const events = watch.stdout.trimEnd().split("\n");
    expect(events.map((line) => line.split(" ").slice(0, 2).join(" "))).toStrictEqual([
      "nodeCreated /watched/a",
      "nodeDataChanged /watched/a",
      "nodeDeleted /watched/a",
    ]);
    for (const line of events) expect(line).toMatch(/ 0x[0-9a-f]{16}$/);
  });
});

describe("zab create --ephemeral", () => {
  it("holds the node while it runs and lets it go on SIGTERM", async () => {
    const holder = new ZabProcess(["create", "/presence", "here", "--ephemeral", "--config", config]);
    helpers.push(holder);
    await holder.waitForLine("stderr", /^holding the ephemeral node \/presence/);
    expect(holder.stdout).toBe("/presence\n");
    expect(succeeded(await client("get", "/presence"))).toBe("here\n");
    holder.signal("SIGTERM");
    expect(await holder.exited()).toStrictEqual({ code: 0, signal: null });
    // Closing the session deleted the node; a linearizable read sees that at once.
    expect(succeeded(await client("ls", "/"))).not.toContain("presence");
  });
});

describe("zab status", () => {
  it("shows one leader and two followers with equal zxids, as JSON", async () => {
    succeeded(await client("create", "/status-probe"));
    const reports = await untilStatus((candidate) => {
      const zxids = new Set(
        candidate.flatMap((report) => [report.lastLoggedZxid, report.committedZxid, report.appliedZxid]),
      );
      return zxids.size === 1 && candidate.every((report) => report.phase === "broadcast");
    });
    const roles = reports.map((report) => report.role).sort();
    expect(roles).toStrictEqual(["following", "following", "leading"]);
    const leader = reports.find((report) => report.role === "leading");
    for (const report of reports) {
      expect(report).toMatchObject({ reachable: true, leader: leader?.id });
      expect(report.lag).toBe(report.role === "leading" ? null : 0);
    }
  });

  it("prints an aligned table", async () => {
    const table = succeeded(await client("status"));
    const lines = table.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^ID\s+ADDRESS\s+ROLE\s+PHASE\s+LEADER\s+EPOCH\s+LAST LOGGED\s+COMMITTED\s+APPLIED\s+LAG\s+SESSIONS\s+CONNECTIONS\s+WATCHES$/,
    );
    // Aligned: every row's ROLE column starts where the header's does.
    const roleColumn = lines[0]?.indexOf("ROLE");
    for (const line of lines.slice(1))
      expect(line.slice(roleColumn).split(/\s+/)[0]).toMatch(/^(leading|following)$/);
  });

  it("counts a watching client's session, connection and watch on the member serving it", async () => {
    const watch = new ZabProcess(["watch", "/", "--config", config]);
    helpers.push(watch);
    await watch.waitForLine("stderr", /^watching \//);
    // Each member applies the session's creation on its own schedule: wait until all have.
    const reports = await untilStatus((candidate) => candidate.every((report) => report.sessions === 1));
    expect(reports.map((report) => report.connections).sort()).toStrictEqual([0, 0, 1]);
    expect(reports.map((report) => report.watches).sort()).toStrictEqual([0, 0, 1]);
    expect(reports.find((report) => report.watches === 1)?.connections).toBe(1);
  });

  it("shows a member that is down as unreachable, and still exits 0", async () => {
    const third = members[2] as ZabProcess;
    third.signal("SIGTERM");
    await third.exited();
    const outcome = await client("status", "--json");
    expect(outcome.code, outcome.stderr).toBe(0);
    const reports = (JSON.parse(outcome.stdout) as { members: StatusReport[] }).members;
    expect(reports.find((report) => report.id === 3)).toMatchObject({
      reachable: false,
      error: { code: "ConnectionLoss" },
    });
    expect(reports.filter((report) => report.reachable)).toHaveLength(2);
    const table = await client("status");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^3\s+127\.0\.0\.1:\d+\s+unreachable/m);
    expect(table.stdout).toMatch(/^member 3 \(127\.0\.0\.1:\d+\): ConnectionLoss: /m);
  });
});
