// Goal: a bad command line or config file is refused before anything starts, with exit status 2
// and exactly one line on stderr, `error: Invalid: ...`, that names the field or flag at fault —
// no stack trace, nothing on stdout. Covers the config file (syntax, unknown and mistyped fields,
// member entries, security, an unknown transport, missing and inconsistent
// settings) and the flags (`--member`, `--members`, authentication, numbers, positionals).
//
// Method: run the command line in-process through runZab, with writers that collect the output
// and a signal that never fires; config files are written to a temporary directory. Nothing here
// gets as far as opening a data directory or a port.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runZab } from "../src/index.js";
import { tempDir } from "./helpers/ensemble-fixture.js";

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(args: readonly string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const status = await runZab(args, {
    stdout: { write: (chunk) => (stdout += String(chunk)) },
    stderr: { write: (chunk) => (stderr += String(chunk)) },
    signal: new AbortController().signal,
  });
  return { status, stdout, stderr };
}

const valid = {
  id: 1,
  transport: "tcp",
  members: {
    "1": { host: "127.0.0.1", peerPort: 2888, clientPort: 2181 },
    "2": { host: "127.0.0.1", peerPort: 2889, clientPort: 2182 },
    "3": { host: "127.0.0.1", peerPort: 2890, clientPort: 2183, role: "observer" },
  },
  dataDir: "data/1",
  security: { secret: "s" },
};

let dir: Awaited<ReturnType<typeof tempDir>>;
let count = 0;

beforeAll(async () => {
  dir = await tempDir();
});

afterAll(async () => {
  await dir.remove();
});

/** Writes a config file (an object is written as JSON, a string as it is) and returns its path. */
async function configFile(content: unknown): Promise<string> {
  count += 1;
  const path = join(dir.path, `config-${count}.json`);
  await writeFile(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

function expectOneLineRefusal(outcome: Run, ...fragments: string[]): void {
  expect(outcome.status, outcome.stderr).toBe(2);
  expect(outcome.stdout).toBe("");
  expect(outcome.stderr).toMatch(/^error: Invalid: [^\n]+\n$/);
  for (const fragment of fragments) expect(outcome.stderr).toContain(fragment);
}

describe("zab serve refuses a bad config file", () => {
  it.each<[string, unknown, string[]]>([
    ["text that is not JSON", "{ id: 1 ", ["is not valid JSON"]],
    ["a document that is not an object", "[1, 2]", ["the config must be a JSON object, got an array"]],
    ["an unknown field", { ...valid, tickMS: 20 }, ['unknown field "tickMS"', "known: id, transport"]],
    ["an id out of range", { ...valid, id: 0 }, ["id must be an integer from 1 to 2147483647, got 0"]],
    [
      "an id that is not a number",
      { ...valid, id: "1" },
      ['id must be an integer from 1 to 2147483647, got "1"'],
    ],
    [
      "an unknown transport",
      { ...valid, transport: "carrier-pigeon" },
      ['transport must be one of "tcp", "nats"'],
    ],
    [
      "a member key that is not an id",
      { ...valid, members: { one: valid.members["1"] } },
      ['members: "one" is not a member id'],
    ],
    [
      "a member port out of range",
      {
        ...valid,
        members: { ...valid.members, "2": { host: "127.0.0.1", peerPort: 70_000, clientPort: 2182 } },
      },
      ["members.2.peerPort must be an integer from 1 to 65535, got 70000"],
    ],
    [
      "a member without a host",
      { ...valid, members: { ...valid.members, "2": { peerPort: 2889, clientPort: 2182 } } },
      ["members.2.host must be a non-empty string, got nothing"],
    ],
    [
      "a member role that does not exist",
      { ...valid, members: { ...valid.members, "3": { ...valid.members["3"], role: "witness" } } },
      ['members.3.role must be one of "voter", "observer", got "witness"'],
    ],
    [
      "a misspelled member field",
      { ...valid, members: { ...valid.members, "2": { ...valid.members["2"], clientport: 1 } } },
      ['unknown field "clientport" in members.2'],
    ],
    ["no members at all", { ...valid, members: {} }, ["members must name at least one member"]],
    [
      "two ways to authenticate",
      { ...valid, security: { secret: "s", insecure: true } },
      ['got "secret", "insecure"'],
    ],
    ["no way to authenticate", { ...valid, security: {} }, ["security must have exactly one of", "got none"]],
    [
      "insecure set to false",
      { ...valid, security: { insecure: false } },
      ["security.insecure must be true, got false"],
    ],
    [
      "a TLS file missing",
      { ...valid, security: { tls: { cert: "c.pem", key: "k.pem" } } },
      ["security.tls.ca must be a non-empty string"],
    ],
    ["a negative tick", { ...valid, tickMs: -5 }, ["tickMs must be an integer from 1 to"]],
    [
      "a log format that does not exist",
      { ...valid, logFormat: "xml" },
      ['logFormat must be one of "text", "json", got "xml"'],
    ],
    [
      "session timeout bounds the wrong way round",
      { ...valid, sessionTimeoutMinMs: 10_000, sessionTimeoutMaxMs: 5_000 },
      ["sessionTimeoutMinMs (10000) is above sessionTimeoutMaxMs (5000)"],
    ],
    ["an id that is not a member", { ...valid, id: 4 }, ["member 4 is not among the members (1, 2, 3)"]],
    [
      "observers only",
      { ...valid, id: 3, members: { "3": valid.members["3"] } },
      ["the members include no voter"],
    ],
    [
      "two members on one port",
      {
        ...valid,
        members: { ...valid.members, "2": { host: "127.0.0.1", peerPort: 2888, clientPort: 2182 } },
      },
      ["member 1's peer port and member 2's peer port are both 127.0.0.1:2888"],
    ],
  ])("%s", async (_, content, fragments) => {
    const path = await configFile(content);
    expectOneLineRefusal(await run(["serve", "--config", path]), ...fragments);
  });

  it("names the file in every message about it", async () => {
    const path = await configFile({ ...valid, tickMs: "fast" });
    expectOneLineRefusal(await run(["serve", "--config", path]), `${path}: tickMs must be`);
  });

  it("says which file it cannot read", async () => {
    const missing = join(dir.path, "no-such-config.json");
    expectOneLineRefusal(await run(["serve", "--config", missing]), `cannot read the config file ${missing}`);
  });

  it("says which setting is missing and how to give it", async () => {
    const { id: _id, ...withoutId } = valid;
    const path = await configFile(withoutId);
    expectOneLineRefusal(
      await run(["serve", "--config", path]),
      'which member this process runs is not set: give "id"',
      "--id",
    );
    const { dataDir: _dataDir, ...withoutDataDir } = valid;
    const other = await configFile(withoutDataDir);
    expectOneLineRefusal(
      await run(["serve", "--config", other]),
      'give "dataDir" in the config file, or --data-dir',
    );
  });

  it("says which secret file it cannot read", async () => {
    const path = await configFile({ ...valid, security: { secretFile: "missing-secret" } });
    expectOneLineRefusal(
      await run(["serve", "--config", path]),
      `cannot read the secret file ${join(dir.path, "missing-secret")}`,
    );
  });
});

describe("zab serve refuses bad flags", () => {
  it.each<[string, string[], string[]]>([
    ["an unknown flag", ["--tick", "5"], ["Unknown option '--tick'"]],
    [
      "a malformed --member",
      ["--id", "1", "--member", "1=localhost:2888"],
      ['--member "1=localhost:2888" must be ID=HOST:PEER_PORT:CLIENT_PORT[:observer]'],
    ],
    [
      "a member given twice",
      ["--member", "1=h:1:2", "--member", "1=h:3:4"],
      ["--member: member 1 is given twice"],
    ],
    [
      "an --id that is not a number",
      ["--id", "one"],
      ['--id must be an integer from 1 to 2147483647, got "one"'],
    ],
    [
      "two ways to authenticate",
      ["--secret", "s", "--insecure"],
      ["give one way to authenticate, not --secret and --insecure"],
    ],
    ["half of the TLS flags", ["--tls-cert", "c.pem"], ["--tls-cert, --tls-key and --tls-ca go together"]],
    [
      "a log format that does not exist",
      ["--log-format", "xml"],
      ['--log-format must be one of "text", "json", got "xml"'],
    ],
    ["a positional argument", ["extra"], ["unexpected argument: extra"]],
    ["nothing at all", [], ["which member this process runs is not set"]],
  ])("%s", async (_, flags, fragments) => {
    expectOneLineRefusal(await run(["serve", ...flags]), ...fragments);
  });

  it("lets flags override the config file", async () => {
    const path = await configFile(valid);
    // --id 4 overrides the file's id 1, and 4 is no member: the override took effect.
    expectOneLineRefusal(
      await run(["serve", "--config", path, "--id", "4"]),
      "member 4 is not among the members",
    );
  });
});

describe("client commands refuse a bad command line", () => {
  it.each<[string, string[], string[]]>([
    ["no ensemble", ["get", "/a"], ["which ensemble? give --config FILE, or --members"]],
    [
      "--members without a way to authenticate",
      ["get", "/a", "--members", "127.0.0.1:2181"],
      ["how to authenticate?"],
    ],
    [
      "both --config and --members",
      ["ls", "/", "--config", "zab.json", "--members", "h:1"],
      ["--config and --members both name the ensemble"],
    ],
    [
      "a --members entry without a port",
      ["ls", "/", "--members", "127.0.0.1", "--insecure"],
      ['--members entry "127.0.0.1" must be HOST:PORT'],
    ],
    [
      "a --members id given twice",
      ["ls", "/", "--members", "1=h:1,1=h:2", "--insecure"],
      ["member 1 is given twice"],
    ],
    ["a missing PATH", ["get", "--insecure", "--members", "h:1"], ["missing PATH"]],
    ["set without DATA", ["set", "/a", "--insecure", "--members", "h:1"], ["missing DATA"]],
    [
      "a --version that is not an int32",
      ["rm", "/a", "--version", "x", "--insecure", "--members", "h:1"],
      ["--version must be an integer from -1 to 2147483647"],
    ],
    [
      "a --timeout-ms of 0",
      ["ls", "/", "--timeout-ms", "0", "--insecure", "--members", "h:1"],
      ["--timeout-ms must be an integer from 1"],
    ],
    ["an unknown command", ["launch"], ['unknown command "launch"']],
  ])("%s", async (_, args, fragments) => {
    expectOneLineRefusal(await run(args), ...fragments);
  });
});

describe("help", () => {
  it("lists the commands, and shows each command's usage", async () => {
    const list = await run(["help"]);
    expect(list.status).toBe(0);
    for (const command of ["serve", "status", "ls", "get", "set", "create", "rm", "watch"]) {
      expect(list.stdout).toContain(`  ${command} `);
    }
    const usage = await run(["watch", "--help"]);
    expect(usage.status).toBe(0);
    expect(usage.stdout).toMatch(/^usage: zab watch PATH/);
  });
});

const validNats = {
  id: 1,
  transport: "nats",
  nats: { servers: ["nats://127.0.0.1:4222"], cluster: "demo" },
  members: { "1": {}, "2": {}, "3": {} },
  dataDir: "data/1",
  security: { secret: "s" },
};

describe("NATS credentials and TLS are checked before anything starts", () => {
  it.each<[string, unknown, string[]]>([
    [
      "two kinds of credentials",
      { ...validNats, nats: { ...validNats.nats, token: "t", creds: "a.creds" } },
      ["give one kind of NATS credentials, not nats.creds and nats.token"],
    ],
    [
      "a user without a password",
      { ...validNats, nats: { ...validNats.nats, user: "u" } },
      ["nats.user and nats.pass go together: give both"],
    ],
    [
      "a client certificate without its key",
      { ...validNats, nats: { ...validNats.nats, tls: { cert: "c.pem" } } },
      ["nats.tls.cert and nats.tls.key go together: give both"],
    ],
    [
      "an empty tls object",
      { ...validNats, nats: { ...validNats.nats, tls: {} } },
      ["nats.tls must name at least one of ca, cert and key"],
    ],
    [
      "a token that is not a string",
      { ...validNats, nats: { ...validNats.nats, token: 42 } },
      ["nats.token must be a non-empty string, got 42"],
    ],
    [
      "a misspelled NATS field",
      { ...validNats, nats: { ...validNats.nats, tokn: "t" } },
      ['unknown field "tokn" in nats'],
    ],
    [
      "a misspelled NATS TLS field",
      { ...validNats, nats: { ...validNats.nats, tls: { cafile: "ca.pem" } } },
      ['unknown field "cafile" in nats.tls'],
    ],
    [
      "NATS settings with the TCP transport",
      { ...valid, nats: { token: "t" } },
      ["NATS settings (credentials) are given but the transport is tcp"],
    ],
  ])("%s", async (_, content, fragments) => {
    const path = await configFile(content);
    expectOneLineRefusal(await run(["serve", "--config", path]), ...fragments);
  });

  it("says which NATS credential or TLS file it cannot read, naming the path resolved against the config", async () => {
    for (const [nats, what, file] of [
      [{ creds: "missing.creds" }, "NATS creds", "missing.creds"],
      [{ nkeySeed: "missing.nk" }, "NATS NKey seed", "missing.nk"],
      [{ tls: { ca: "missing-ca.pem" } }, "NATS TLS CA", "missing-ca.pem"],
    ] as const) {
      const path = await configFile({ ...validNats, nats: { ...validNats.nats, ...nats } });
      expectOneLineRefusal(
        await run(["serve", "--config", path]),
        `cannot read the ${what} file ${join(dir.path, file)}`,
      );
    }
  });

  it.each<[string, string[], string[]]>([
    [
      "two kinds of credentials",
      ["--nats-token", "t", "--nats-user", "u", "--nats-pass", "p"],
      ["give one kind of NATS credentials, not --nats-token and --nats-user/--nats-pass"],
    ],
    ["a password without a user", ["--nats-pass", "p"], ["--nats-user and --nats-pass go together"]],
    ["an empty token", ["--nats-token", ""], ["--nats-token must not be empty"]],
    [
      "a client key without its certificate",
      ["--nats-tls-key", "k.pem"],
      ["--nats-tls-cert and --nats-tls-key go together"],
    ],
    ["an unknown transport", ["--transport", "udp"], ['--transport must be one of "tcp", "nats"']],
  ])("serve refuses %s", async (_, flags, fragments) => {
    const path = await configFile(validNats);
    expectOneLineRefusal(await run(["serve", "--config", path, ...flags]), ...fragments);
  });

  it("serve refuses NATS flags with the TCP transport", async () => {
    const path = await configFile(valid);
    expectOneLineRefusal(
      await run(["serve", "--config", path, "--nats-token", "t"]),
      "are given but the transport is tcp",
    );
  });

  const natsFlags = ["--transport", "nats", "--nats", "nats://127.0.0.1:4222", "--cluster", "demo"];
  it.each<[string, string[], string[]]>([
    [
      "NATS without --members",
      ["get", "/a", ...natsFlags, "--secret", "s"],
      ["which members? over NATS give --members ID,ID,..."],
    ],
    [
      "NATS --members with an address",
      ["get", "/a", ...natsFlags, "--members", "h:1", "--secret", "s"],
      ['--members entry "h:1" is not a member id'],
    ],
    [
      "NATS without servers",
      ["get", "/a", "--transport", "nats", "--cluster", "c", "--members", "1", "--secret", "s"],
      ["the NATS servers are not set"],
    ],
    [
      "NATS without a secret",
      ["get", "/a", ...natsFlags, "--members", "1", "--insecure"],
      ["the NATS transport authenticates every message with the cluster secret"],
    ],
    [
      "NATS flags over TCP",
      ["get", "/a", "--members", "h:1", "--insecure", "--nats-token", "t"],
      ["are given but the transport is tcp"],
    ],
    [
      "two kinds of NATS credentials",
      ["ls", "/", ...natsFlags, "--members", "1", "--secret", "s", "--nats-token", "t", "--nats-creds", "c"],
      ["give one kind of NATS credentials, not --nats-creds and --nats-token"],
    ],
    [
      "a NATS creds file that is not there",
      ["status", ...natsFlags, "--members", "1", "--secret", "s", "--nats-creds", "/no/such/file.creds"],
      ["cannot read the NATS creds file /no/such/file.creds"],
    ],
  ])("client commands refuse %s", async (_, args, fragments) => {
    expectOneLineRefusal(await run(args), ...fragments);
  });

  it("client commands read a NATS config file's credentials, and flags override them", async () => {
    const path = await configFile({ ...validNats, nats: { ...validNats.nats, creds: "missing.creds" } });
    expectOneLineRefusal(
      await run(["get", "/a", "--config", path]),
      `cannot read the NATS creds file ${join(dir.path, "missing.creds")}`,
    );
    // --nats-nkey-seed replaces the file's creds: now the seed file is the one not found.
    expectOneLineRefusal(
      await run(["get", "/a", "--config", path, "--nats-nkey-seed", "/no/such/seed.nk"]),
      "cannot read the NATS NKey seed file /no/such/seed.nk",
    );
  });
});
