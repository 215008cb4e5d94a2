// Goal: with certificates, members and clients authenticate each other by mutual TLS, and each
// member's identity is the one its certificate names: a valid certificate claiming another id,
// a certificate from another CA, a connection with no certificate, and a member answering with
// another member's certificate are all refused and logged, and deliver nothing; a member whose
// own certificate names someone else does not even start. Method: a throwaway CA made with the
// openssl command line; members and clients over real TLS on loopback; a hand-driven handshake
// over TLS to claim ids the certificate does not carry.
import type { X509Certificate } from "node:crypto";
import { connect as tlsConnect } from "node:tls";
import { type ServerId, serverId, ZabError } from "@zab/core";
import { afterAll, describe, expect, it } from "vitest";
import { listenClients, listenPeers, tcpClientDialer } from "../src/index.js";
import { CaptureLogger } from "./helpers/capture-logger.js";
import { createPki } from "./helpers/certificates.js";
import { startPeers } from "./helpers/peer-network.js";
import { numbered, sequenceOf } from "./helpers/peer-recorder.js";
import { closedPromise, rawHandshake } from "./helpers/raw-peer.js";
import { until } from "./helpers/until.js";

const pki = createPki();
afterAll(() => pki.dispose());

const one = serverId(1);
const two = serverId(2);
const three = serverId(3);
const tlsOf = (id: number) => ({ ...pki.member(id), ca: pki.ca });

describe("mutual TLS between members", () => {
  it("carries frames both ways between members holding their own certificates", async () => {
    await using network = await startPeers([1, 2, 3], { overrides: (id) => ({ tls: tlsOf(id) }) });
    for (const from of network.ids) {
      for (const to of network.ids) if (from !== to) network.transport(from).send(to, numbered(from));
    }
    for (const to of network.ids) {
      for (const from of network.ids) {
        if (from === to) continue;
        const [frame] = await network.recorder(to).waitFrames(from, 1);
        expect(frame && sequenceOf(frame)).toBe(from);
      }
    }
  });

  it("refuses a valid certificate claiming another member's id, and logs it", async () => {
    const logger = new CaptureLogger();
    await using network = await startPeers([1, 3], {
      overrides: (id) => ({ tls: tlsOf(id), ...(id === 1 ? { logger } : {}) }),
    });
    network
      .transport(one)
      .setMembers({ 2: { host: "127.0.0.1", port: 1 }, 3: network.transport(three).address });
    // Member 3's own, valid certificate, claiming to be member 2.
    const raw = await rawHandshake({
      address: network.transport(one).address,
      role: "peer",
      dialerId: 2,
      acceptorId: 1,
      tls: tlsOf(3),
    });
    expect(raw.outcome).toBe("refused");
    await closedPromise(raw.socket);
    const [warning] = logger.warnings("refused a connection");
    expect(warning?.fields.reason).toBe("it claims member 2 but its certificate belongs to member 3");
    expect(network.recorder(one).framesFrom(two)).toEqual([]);
    // Its own id with its own certificate is fine.
    const honest = await rawHandshake({
      address: network.transport(one).address,
      role: "peer",
      dialerId: 3,
      acceptorId: 1,
      tls: tlsOf(3),
    });
    expect(honest.outcome).toBe("accepted");
    honest.socket.destroy();
  });

  it("refuses a certificate from another CA, and a connection without one", async () => {
    const logger = new CaptureLogger();
    await using network = await startPeers([1], { overrides: () => ({ tls: tlsOf(1), logger }) });
    network.transport(one).setMembers({ 2: { host: "127.0.0.1", port: 1 } });
    const { port } = network.transport(one).address;
    const untrusted = tlsConnect({
      host: "127.0.0.1",
      port,
      ...pki.untrusted(2),
      ca: pki.ca,
      checkServerIdentity: () => undefined,
    });
    await closedPromise(untrusted);
    const anonymous = tlsConnect({
      host: "127.0.0.1",
      port,
      ca: pki.ca,
      checkServerIdentity: () => undefined,
    });
    await closedPromise(anonymous);
    await until(() => (logger.warnings("the TLS handshake failed").length >= 2 ? true : undefined));
    expect(network.recorder(one).events).toEqual([]);
  });

  it("does not talk to an endpoint holding another member's certificate", async () => {
    const logger = new CaptureLogger();
    await using network = await startPeers([1, 3], {
      overrides: (id) => ({ tls: tlsOf(id), ...(id === 1 ? { logger } : {}) }),
    });
    // Member 1 believes member 2 lives where member 3 does.
    network
      .transport(one)
      .setMembers({ 2: network.transport(three).address, 3: network.transport(three).address });
    network.transport(one).send(two, numbered(1));
    await until(() => logger.warnings("could not authenticate to member 2")[0]);
    expect(logger.warnings("could not authenticate to member 2")[0]?.fields.reason).toBe(
      "the endpoint holds the certificate of member 3, not of member 2",
    );
    await network.recorder(one).waitClosed(two);
    expect(network.recorder(three).events).toEqual([]);
  });

  it("does not start a member whose certificate names another member", async () => {
    const failure = await listenPeers({ self: two, host: "127.0.0.1", port: 0, tls: tlsOf(3) }).catch(
      (error: unknown) => error,
    );
    expect(ZabError.isInstance(failure, "Invalid")).toBe(true);
    expect(String(failure)).toMatch(/names member 3/);
  });

  it("uses a custom mapping from certificate to member when given one", async () => {
    // Certificates named by host; the application maps them to ids itself.
    const hosts: Record<string, number> = { "alpha.example": 1, "beta.example": 2 };
    const memberIdOf = (certificate: X509Certificate): ServerId | undefined => {
      const id = hosts[(certificate.subjectAltName ?? "").replace("DNS:", "")];
      return id === undefined ? undefined : serverId(id);
    };
    const certs = new Map([
      [1, pki.named("alpha", ["alpha.example"])],
      [2, pki.named("beta", ["beta.example"])],
    ]);
    await using network = await startPeers([1, 2], {
      overrides: (id) => ({ tls: { ...(certs.get(id) ?? pki.member(id)), ca: pki.ca, memberIdOf } }),
    });
    network.transport(one).send(two, numbered(5));
    const [frame] = await network.recorder(two).waitFrames(one, 1);
    expect(frame && sequenceOf(frame)).toBe(5);
  });
});

describe("mutual TLS between clients and members", () => {
  it("lets a client with a CA-signed certificate in, and checks it reached the member it dialed", async () => {
    const logger = new CaptureLogger();
    await using clients = await listenClients({ self: one, host: "127.0.0.1", port: 0, tls: tlsOf(1) });
    const accepted: string[] = [];
    clients.accept((channel) => {
      channel.listen({ frame: (frame) => channel.send(frame), closed: () => accepted.push("closed") });
    });
    const client = { ...pki.named("zab-client-app", ["app.example"]), ca: pki.ca };
    await using dialer = tcpClientDialer({
      members: { 1: clients.address, 2: clients.address },
      tls: client,
      logger,
    });
    const channel = await dialer.dial(one);
    const echoed: Uint8Array[] = [];
    channel.listen({ frame: (frame) => echoed.push(frame), closed: () => {} });
    channel.send(Uint8Array.from([1, 2, 3]));
    await until(() => echoed[0]);
    expect(echoed[0]).toEqual(Uint8Array.from([1, 2, 3]));
    channel.close();

    // Member 1's certificate answering for member 2: refused by the client.
    const failure = await dialer.dial(two).catch((error: unknown) => error);
    expect(ZabError.isInstance(failure, "ConnectionLoss")).toBe(true);
    expect(logger.warnings("could not authenticate to member 2")[0]?.fields.reason).toBe(
      "the endpoint holds the certificate of member 1, not of member 2",
    );
  });

  it("refuses a client whose certificate another CA signed", async () => {
    const logger = new CaptureLogger();
    await using clients = await listenClients({
      self: one,
      host: "127.0.0.1",
      port: 0,
      tls: tlsOf(1),
      logger,
    });
    let handed = 0;
    clients.accept(() => {
      handed += 1;
    });
    await using dialer = tcpClientDialer({
      members: { 1: clients.address },
      tls: { ...pki.untrusted(9), ca: pki.ca },
    });
    const failure = await dialer.dial(one).catch((error: unknown) => error);
    expect(ZabError.isInstance(failure, "ConnectionLoss")).toBe(true);
    await until(() => logger.warnings("the TLS handshake failed")[0]);
    expect(handed).toBe(0);
  });
});
