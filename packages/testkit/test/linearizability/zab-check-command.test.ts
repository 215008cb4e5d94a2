// Goal: the zab-check command prints one verdict line per history file and reports the overall
// outcome in its exit status, with a distinct status and a clear message when it is misused or a
// file cannot be read. Method: run the command from source as a child process, exactly as the
// package's check-history script does (node with the @zab/source condition and tsx), on files
// of the shared data set whose verdicts expected.json gives, and on bad invocations.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repositoryRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const command = "packages/testkit/src/bin/zab-check.ts";
// Relative to the repository root, as a developer would type them there.
const data = "../shared/data/linearizability";
/** A child that has not exited by then is stuck; the check itself takes milliseconds. */
const childTimeoutMs = 20_000;

interface Outcome {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function zabCheck(...args: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=@zab/source", "--import", "tsx", command, ...args], {
      cwd: repositoryRoot,
      timeout: childTimeoutMs,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("zab-check history", () => {
  it("prints a verdict per file and exits 1 when one is not linearizable", async () => {
    const outcome = await zabCheck(
      "history",
      "--format",
      "etcd",
      `${data}/etcd/etcd_002.log`,
      `${data}/etcd/etcd_000.log`,
    );
    expect(outcome.stdout).toBe(
      `${data}/etcd/etcd_002.log: linearizable\n${data}/etcd/etcd_000.log: not linearizable\n`,
    );
    expect(outcome.stderr).toBe("");
    expect(outcome.status).toBe(1);
  });

  it("exits 0 when every file is linearizable", async () => {
    const outcome = await zabCheck("history", "--format", "kv", `${data}/kv/c10-ok.txt`);
    expect(outcome.stdout).toBe(`${data}/kv/c10-ok.txt: linearizable\n`);
    expect(outcome.status).toBe(0);
  });

  it("exits 2 with a message on a usage error", async () => {
    const outcome = await zabCheck("history", `${data}/kv/c10-ok.txt`);
    expect(outcome.stdout).toBe("");
    expect(outcome.stderr).toContain("--format must be etcd or kv");
    expect(outcome.stderr).toContain("usage: zab-check history");
    expect(outcome.status).toBe(2);
  });

  it("exits 2 with a message when a file cannot be read or holds no operation of the format", async () => {
    const outcome = await zabCheck(
      "history",
      "--format",
      "etcd",
      `${data}/etcd/no-such-file.log`,
      `${data}/kv/c01-ok.txt`,
      `${data}/etcd/etcd_002.log`,
    );
    expect(outcome.stdout).toBe(`${data}/etcd/etcd_002.log: linearizable\n`);
    expect(outcome.stderr).toContain(`cannot read ${data}/etcd/no-such-file.log`);
    expect(outcome.stderr).toContain(`${data}/kv/c01-ok.txt: no etcd operations found`);
    expect(outcome.status).toBe(2);
  });
});
