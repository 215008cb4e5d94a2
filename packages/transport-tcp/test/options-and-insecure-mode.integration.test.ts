// Goal: an endpoint never runs unauthenticated by accident: exactly one of secret, TLS or
// `insecure: true` is required, bad limits and addresses are refused at creation, and insecure
// mode works but says so, once per endpoint. Resources are disposable, idempotently, and binding
// honours an AbortSignal. Method: create endpoints with every bad combination; run two insecure
// members and a client on loopback with a capturing logger.
import { serverId, ZabError } from "@zab/core";
import { describe, expect, it } from "vitest";
import { listenClients, listenPeers, tcpClientDialer, tcpDefaults } from "../src/index.js";
import { CaptureLogger } from "./helpers/capture-logger.js";
import { numbered, PeerRecorder, sequenceOf } from "./helpers/peer-recorder.js";

const one = serverId(1);
const two = serverId(2);
const base = { self: one, host: "127.0.0.1", port: 0 } as const;

async function invalid(promise: Promise<unknown>): Promise<string> {
  const failure = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(ZabError.isInstance(failure, "Invalid"), String(failure)).toBe(true);
  return String(failure);
}

describe("endpoint options", () => {
  it("require exactly one of secret, tls and insecure: true", async () => {
    expect(await invalid(listenPeers({ ...base }))).toMatch(/exactly one of/);
    expect(await invalid(listenPeers({ ...base, insecure: false }))).toMatch(/exactly one of/);
    expect(await invalid(listenPeers({ ...base, secret: "s", insecure: true }))).toMatch(/exactly one of/);
    expect(await invalid(listenClients({ ...base }))).toMatch(/exactly one of/);
    expect(() => tcpClientDialer({ members: {} })).toThrow(/exactly one of/);
    expect(await invalid(listenPeers({ ...base, secret: "" }))).toMatch(/must not be empty/);
    expect(
      await invalid(listenPeers({ ...base, tls: { cert: "nonsense", key: "nonsense", ca: "nonsense" } })),
    ).toMatch(/does not load/);
  });

  it("refuse bad limits and addresses", async () => {
    const secret = "s";
    expect(await invalid(listenPeers({ ...base, secret, frameBytesMax: 0 }))).toMatch(/frameBytesMax/);
    expect(await invalid(listenPeers({ ...base, secret, handshakeTimeoutMs: 1.5 }))).toMatch(
      /handshakeTimeoutMs/,
    );
    expect(
      await invalid(listenPeers({ ...base, secret, frameBytesMax: 1_024, bufferedBytesMax: 1_027 })),
    ).toMatch(/must hold one frame/);
    expect(
      await invalid(listenPeers({ ...base, secret, reconnectDelayMinMs: 100, reconnectDelayMaxMs: 50 })),
    ).toMatch(/reconnectDelayMaxMs/);
    expect(
      await invalid(listenPeers({ ...base, secret, members: { 2: { host: "127.0.0.1", port: 0 } } })),
    ).toMatch(/port from 1 to 65535/);
    expect(
      await invalid(listenPeers({ ...base, secret, members: { 0: { host: "127.0.0.1", port: 1 } } })),
    ).toMatch(/server id/);
    expect(() => tcpClientDialer({ members: { 1: { host: "", port: 1 } }, secret })).toThrow(/needs a host/);
  });

  it("have documented defaults", () => {
    expect(tcpDefaults.frameBytesMax).toBe(4 * 1024 * 1024);
    expect(tcpDefaults.bufferedBytesMax).toBeGreaterThanOrEqual(tcpDefaults.frameBytesMax + 4);
  });

  it("give up binding when the signal fired", async () => {
    const controller = new AbortController();
    controller.abort(new Error("not now"));
    await expect(listenPeers({ ...base, secret: "s", signal: controller.signal })).rejects.toThrow("not now");
  });

  it("are disposed idempotently; a closed transport drops what it is given", async () => {
    const a = await listenPeers({ ...base, secret: "s" });
    expect(a.address.port).toBeGreaterThan(0);
    await a.close();
    await a[Symbol.asyncDispose]();
    a.send(two, numbered(1));
    a.disconnect(two);
    const clients = await listenClients({ ...base, secret: "s" });
    await clients.close();
    await clients.close();
  });
});

describe("insecure mode", () => {
  it("works without authentication and warns once per endpoint", async () => {
    const loggerA = new CaptureLogger();
    const loggerB = new CaptureLogger();
    await using a = await listenPeers({ ...base, insecure: true, logger: loggerA });
    await using b = await listenPeers({
      self: two,
      host: "127.0.0.1",
      port: 0,
      insecure: true,
      logger: loggerB,
    });
    a.setMembers({ 2: b.address });
    b.setMembers({ 1: a.address });
    const recorderB = new PeerRecorder(b);
    new PeerRecorder(a);
    for (let i = 0; i < 10; i += 1) a.send(two, numbered(i));
    const frames = await recorderB.waitFrames(one, 10);
    expect(frames.map(sequenceOf)).toEqual([...Array(10).keys()]);
    for (const logger of [loggerA, loggerB]) {
      const warnings = logger.warnings("without authentication or encryption");
      expect(warnings).toHaveLength(1);
    }
    expect(loggerA.warnings("without authentication")[0]?.fields).toEqual({
      endpoint: "peer listener of member 1",
    });

    const clientLogger = new CaptureLogger();
    const dialer = tcpClientDialer({ members: {}, insecure: true, logger: clientLogger });
    expect(clientLogger.warnings("without authentication or encryption")).toHaveLength(1);
    await dialer.close();
  });
});
