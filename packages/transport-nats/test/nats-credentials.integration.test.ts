// Goal: NATS credentials given as natsCredentials() reach the NATS server: a member with the
// right user and password (or token) connects and exchanges frames; a wrong password, or none, is
// refused with a typed ConnectionLoss naming the server's reason; and bad combinations are refused
// before any connection with a typed Invalid error.
// Method: a real nats-server on a free port with `authorization { users }` (and one with a
// token); two peer transports exchanging a frame over it.
import { type PeerTransportListener, serverId, ZabError } from "@zab/core";
import { type NatsServerProcess, startNatsServer } from "@zab/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenPeers, natsCredentials } from "../src/index.js";
import { until } from "./helpers/until.js";

const settings = { cluster: "credentials", secret: "the cluster secret" };

function recorder(): PeerTransportListener & { readonly frames: string[] } {
  const frames: string[] = [];
  return {
    frames,
    frame: (from, frame) => frames.push(`${from}:${new TextDecoder().decode(frame)}`),
    closed: () => undefined,
  };
}

describe("natsCredentials", () => {
  it.each<[string, Parameters<typeof natsCredentials>[0], string]>([
    [
      "two kinds",
      { token: "t", user: "u", pass: "p" },
      "give one kind of NATS credentials, not token and user/pass",
    ],
    ["a user without a password", { user: "u" }, "a NATS user and its password go together"],
    ["an empty token", { token: "" }, "the NATS token is empty"],
    ["empty creds", { creds: new Uint8Array(0) }, "the NATS creds are empty"],
    ["an empty NKey seed", { nkeySeed: "  \n" }, "the NATS NKey seed is empty"],
  ])("refuses %s as Invalid", (_, credentials, message) => {
    let thrown: unknown;
    try {
      natsCredentials(credentials);
    } catch (error) {
      thrown = error;
    }
    expect(ZabError.isInstance(thrown, "Invalid")).toBe(true);
    expect((thrown as Error).message).toContain(message);
  });

  it("gives a token and a user as they are, creds and NKey seeds as an authenticator, nothing for none", () => {
    expect(natsCredentials({ token: "t" })).toEqual({ token: "t" });
    expect(natsCredentials({ user: "u", pass: "p" })).toEqual({ user: "u", pass: "p" });
    expect(natsCredentials({})).toEqual({});
    expect(
      typeof natsCredentials({ nkeySeed: "SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4" })
        .authenticator,
    ).toBe("function");
  });
});

describe("against a server that requires a user and password", () => {
  let nats: NatsServerProcess;
  beforeAll(async () => {
    nats = await startNatsServer({
      extraConfig: 'authorization { users: [ { user: "zab", password: "right-password" } ] }',
    });
  });
  afterAll(async () => {
    await nats?.[Symbol.asyncDispose]();
  });

  it("members with the right password connect and exchange frames", async () => {
    const connection = natsCredentials({ user: "zab", pass: "right-password" });
    await using one = await listenPeers({ ...settings, self: serverId(1), servers: nats.url, connection });
    await using two = await listenPeers({ ...settings, self: serverId(2), servers: nats.url, connection });
    const heard = recorder();
    one.listen(recorder());
    two.listen(heard);
    one.send(serverId(2), new TextEncoder().encode("authenticated"));
    await until("member 2 to hear the frame", () => heard.frames.length === 1);
    expect(heard.frames).toEqual(["1:authenticated"]);
  });

  it.each<[string, ReturnType<typeof natsCredentials>]>([
    ["a wrong password", natsCredentials({ user: "zab", pass: "wrong-password" })],
    ["no credentials", {}],
  ])("refuses %s with ConnectionLoss naming the server's reason", async (_, connection) => {
    const attempt = listenPeers({
      ...settings,
      self: serverId(1),
      servers: nats.url,
      connection: { ...connection, maxReconnectAttempts: 0 },
    });
    await expect(attempt).rejects.toSatisfy(
      (error) =>
        ZabError.isInstance(error, "ConnectionLoss") && /Authorization Violation/i.test(error.message),
    );
  });
});
