// Goal: the client commands reach an ensemble on NATS exactly as they reach one on TCP — from the
// config file `serve` reads ("transport": "nats"), or from flags (--transport nats --nats URL
// --cluster NAME --members IDS and the secret) — and NATS credentials pass through to the NATS
// client: against a server that requires a token, members and clients given the token work, and a
// client with a wrong or no token is refused with one error line and exit status 1.
//
// Method: a real nats-server on a free port (one open, one with `authorization { token }`), three
// `zab serve --transport nats` processes per server (LocalEnsemble), and each client command as a
// child process of its own, exactly as a shell would run it. Every process is killed by PID after
// the tests, pass or fail.
import { readFile } from "node:fs/promises";
import { type NatsServerProcess, startNatsServer } from "@zab/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalEnsemble } from "../src/local-ensemble/local-ensemble.js";
import { killAll, type Outcome, zab } from "./helpers/zab-process.js";

interface EnsembleConfig {
  readonly nats: { readonly servers: readonly string[]; readonly cluster: string };
  readonly security: { readonly secret: string };
}

function succeeded(outcome: Outcome): string {
  expect(outcome.code, outcome.stderr).toBe(0);
  return outcome.stdout;
}

/** The error line, after the "connecting to ..." notice a slow connect prints first. */
function lastLine(text: string): string {
  return text.trimEnd().split("\n").at(-1) ?? "";
}

interface StatusReport {
  readonly id: number;
  readonly address: string;
  readonly reachable: boolean;
  readonly role?: string;
  readonly appliedZxid?: string;
}

async function statusReports(args: readonly string[]): Promise<StatusReport[]> {
  const outcome = await zab(["status", "--json", ...args]);
  return (JSON.parse(succeeded(outcome)) as { members: StatusReport[] }).members;
}

/** The flags that reach a NATS ensemble without its config file. */
function natsFlags(url: string, config: EnsembleConfig): string[] {
  return [
    ...["--transport", "nats", "--nats", url, "--cluster", config.nats.cluster],
    ...["--members", "1,2,3", "--secret", config.security.secret],
  ];
}

describe("client commands over NATS", () => {
  let nats: NatsServerProcess;
  let ensemble: LocalEnsemble;
  let config: EnsembleConfig;
  /** The flags that name the ensemble without its config file. */
  let flags: string[];

  beforeAll(async () => {
    nats = await startNatsServer();
    ensemble = await LocalEnsemble.start({ size: 3, tickMs: 20, nats: { servers: nats.url } });
    await ensemble.waitForLeader();
    config = JSON.parse(await readFile(ensemble.configPath, "utf8")) as EnsembleConfig;
    flags = natsFlags(nats.url, config);
  }, 60_000);

  afterAll(async () => {
    await killAll();
    await ensemble?.stop();
    await nats?.[Symbol.asyncDispose]();
  });

  it("create, set, get, ls and rm work from the config file and from flags alike", async () => {
    const file = ["--config", ensemble.configPath];
    expect(succeeded(await zab(["create", "/over-nats", "first", ...file]))).toBe("/over-nats\n");
    succeeded(await zab(["set", "/over-nats", "second", ...file]));
    expect(succeeded(await zab(["get", "/over-nats", ...flags]))).toBe("second\n");
    succeeded(await zab(["set", "/over-nats", "third", ...flags]));
    expect(succeeded(await zab(["get", "/over-nats", ...file]))).toBe("third\n");
    expect(succeeded(await zab(["ls", "/", ...flags])).split("\n")).toContain("over-nats");
    succeeded(await zab(["rm", "/over-nats", ...file]));
    const gone = await zab(["get", "/over-nats", ...flags]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^error: NoNode: [^\n]+\n$/);
  });

  it("status shows one leader and two followers at one zxid, each by its NATS subject", async () => {
    await ensemble.waitUntilCaughtUp();
    for (const args of [["--config", ensemble.configPath], flags]) {
      const reports = await statusReports(args);
      expect(reports.map((report) => report.id)).toEqual([1, 2, 3]);
      expect(reports.every((report) => report.reachable)).toBe(true);
      expect(reports.map((report) => report.role).sort()).toEqual(["following", "following", "leading"]);
      expect(new Set(reports.map((report) => report.appliedZxid)).size).toBe(1);
      expect(reports.map((report) => report.address)).toEqual(
        [1, 2, 3].map((id) => `nats zab.${config.nats.cluster}.client.${id}`),
      );
    }
  });

  it("refuses the wrong cluster secret: no member answers", async () => {
    const wrong = flags.map((flag) => (flag === config.security.secret ? "not-the-secret" : flag));
    const outcome = await zab(["get", "/", ...wrong, "--timeout-ms", "3000"]);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toBe("");
    // Forged opens are dropped unanswered (a member tells a sender without the secret nothing).
    expect(lastLine(outcome.stderr)).toMatch(/^error: Timeout: zab get did not finish within 3000 ms/);
  });
});

describe("NATS credentials pass through", () => {
  const token = "zab-test-token-5f1c";
  let nats: NatsServerProcess;
  let ensemble: LocalEnsemble;
  let flags: string[];

  beforeAll(async () => {
    nats = await startNatsServer({ extraConfig: `authorization { token: "${token}" }` });
    ensemble = await LocalEnsemble.start({ size: 3, tickMs: 20, nats: { servers: nats.url, token } });
    await ensemble.waitForLeader();
    const config = JSON.parse(await readFile(ensemble.configPath, "utf8")) as EnsembleConfig;
    flags = natsFlags(nats.url, config);
  }, 60_000);

  afterAll(async () => {
    await killAll();
    await ensemble?.stop();
    await nats?.[Symbol.asyncDispose]();
  });

  it("members and clients given the token work, from the config file and from --nats-token", async () => {
    expect(succeeded(await zab(["create", "/tokened", "yes", "--config", ensemble.configPath]))).toBe(
      "/tokened\n",
    );
    expect(succeeded(await zab(["get", "/tokened", ...flags, "--nats-token", token]))).toBe("yes\n");
    const reports = await statusReports([...flags, "--nats-token", token]);
    expect(reports.every((report) => report.reachable)).toBe(true);
  });

  it("a client with a wrong token, or none, is refused by the NATS server", async () => {
    for (const extra of [["--nats-token", "wrong-token"], []]) {
      const outcome = await zab(["get", "/tokened", ...flags, ...extra, "--timeout-ms", "5000"]);
      expect(outcome.code, outcome.stderr).toBe(1);
      expect(outcome.stdout).toBe("");
      expect(lastLine(outcome.stderr)).toMatch(
        /^error: Timeout: .*failed: ConnectionLoss: .*cannot connect to NATS.*Authorization Violation$/,
      );
    }
  });
});
