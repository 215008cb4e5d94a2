// Goal: the TCP transport honours core's transport contracts as the shared conformance suites of
// @zab/testkit check them, with every fault the suites know injected from outside over real
// sockets: channels cut, a member that stops reading, impostors, a member's certificate used to
// claim another id, garbage on the wire, dials that hang. Method: the peer suite runs twice, with
// a shared secret and with mutual TLS; the client suite runs with a shared secret. Every path
// between two endpoints goes through a TCP proxy on loopback (the address books point at the
// proxies), which lets the harness cut and stall connections and lets a restarted member listen
// on a fresh port. Impostors and garbage are hand-made sockets speaking the handshake by hand.
import type { ClientAcceptor, ClientChannel, ClientDialer, ServerId } from "@zab/core";
import {
  type ClientTransportFixture,
  type ClientTransportHarness,
  clientTransportConformance,
  type PeerTransportFixture,
  type PeerTransportHarness,
  peerTransportConformance,
} from "@zab/testkit";
import { afterAll, describe, it } from "vitest";
import {
  listenClients,
  listenPeers,
  type TcpClientAcceptor,
  type TcpPeerTransport,
  type TcpSecurityOptions,
  tcpClientDialer,
} from "../src/index.js";
import { createPki } from "./helpers/certificates.js";
import { closedPromise, rawConnect, rawHandshake, writeFrame } from "./helpers/raw-peer.js";
import { TcpProxy } from "./helpers/tcp-proxy.js";

/**
 * What the medium between two endpoints can hold beyond their own buffers: two loopback hops
 * (endpoint to proxy, proxy to endpoint), each a send buffer (up to 4 MiB here) and an
 * autotuned receive buffer (up to 32 MiB).
 */
const MEDIUM_BYTES_MAX = 80 * 1024 * 1024;

const pki = createPki();
afterAll(() => pki.dispose());

type Mode = "secret" | "tls";

function securityOf(mode: Mode, id: number, secret: string): TcpSecurityOptions {
  return mode === "secret" ? { secret } : { tls: { ...pki.member(id), ca: pki.ca } };
}

interface TcpPeerFixture extends PeerTransportFixture {
  readonly mode: Mode;
  readonly secret: string;
  /** The real listening address of each running member. */
  readonly running: Map<ServerId, TcpPeerTransport>;
  /** proxies.get(`${from}>${to}`): the path `from` dials `to` by. */
  readonly proxies: Map<string, TcpProxy>;
}

let fixtures = 0;

function peerHarness(mode: Mode): PeerTransportHarness<TcpPeerFixture> {
  const proxiesTo = (fixture: TcpPeerFixture, member: ServerId) =>
    [...fixture.proxies].filter(([key]) => key.endsWith(`>${member}`)).map(([, proxy]) => proxy);
  const proxiesFrom = (fixture: TcpPeerFixture, member: ServerId) =>
    [...fixture.proxies].filter(([key]) => key.startsWith(`${member}>`)).map(([, proxy]) => proxy);
  const between = (fixture: TcpPeerFixture, a: ServerId, b: ServerId) =>
    [fixture.proxies.get(`${a}>${b}`), fixture.proxies.get(`${b}>${a}`)].filter(
      (proxy): proxy is TcpProxy => proxy !== undefined,
    );
  return {
    mediumBytesMax: MEDIUM_BYTES_MAX,
    start: async ({ members, limits }) => {
      fixtures += 1;
      const secret = `conformance-${fixtures}`;
      const proxies = new Map<string, TcpProxy>();
      for (const from of members) {
        for (const to of members) if (from !== to) proxies.set(`${from}>${to}`, await TcpProxy.start());
      }
      const running = new Map<ServerId, TcpPeerTransport>();
      const opened: TcpPeerTransport[] = [];
      const fixture: TcpPeerFixture = {
        mode,
        secret,
        running,
        proxies,
        open: async (member) => {
          const transport = await listenPeers({
            self: member,
            host: "127.0.0.1",
            port: 0,
            ...securityOf(mode, member, secret),
            ...limits,
            reconnectDelayMaxMs: 1_000,
            members: new Map(
              members
                .filter((other) => other !== member)
                .map((other) => [other, proxies.get(`${member}>${other}`)?.address ?? { host: "", port: 0 }]),
            ),
          });
          opened.push(transport);
          running.set(member, transport);
          for (const proxy of proxiesTo(fixture, member)) proxy.target = transport.address;
          return transport;
        },
        [Symbol.asyncDispose]: async () => {
          for (const transport of opened) await transport.close();
          for (const proxy of proxies.values()) await proxy[Symbol.asyncDispose]();
        },
      };
      return fixture;
    },
    faults: {
      breakChannel: async (fixture, a, b) => {
        for (const proxy of between(fixture, a, b)) proxy.cut();
      },
      pauseReading: async (fixture, member) => {
        // Bytes flowing towards the member stop: on paths it dials, back to it; on paths others
        // dial to it, forward.
        for (const proxy of proxiesFrom(fixture, member)) proxy.pause("toClient");
        for (const proxy of proxiesTo(fixture, member)) proxy.pause("toTarget");
        return async () => {
          for (const proxy of proxiesFrom(fixture, member)) proxy.resume("toClient");
          for (const proxy of proxiesTo(fixture, member)) proxy.resume("toTarget");
        };
      },
      impostor: async (fixture, { target, claimed, frame }) => {
        const address = fixture.running.get(target)?.address;
        if (address === undefined) throw new Error(`member ${target} is not running`);
        // No credential: a wrong secret, or a certificate another CA signed.
        const attempt = await rawHandshake({
          address,
          role: "peer",
          dialerId: claimed,
          acceptorId: target,
          ...(fixture.mode === "secret" ? { secret: `not-${fixture.secret}` } : {}),
          ...(fixture.mode === "tls" ? { tls: { ...pki.untrusted(claimed), ca: pki.ca } } : {}),
        }).catch(() => undefined);
        if (attempt === undefined) return; // refused during the TLS handshake
        // Whatever the answer, try the frame: it must go nowhere.
        writeFrame(attempt.socket, frame);
        await closedPromise(attempt.socket);
      },
      borrowedCredential: async (fixture, { target, claimed, holder, frame }) => {
        if (fixture.mode !== "tls") throw new Error("only certificates bind a credential to one member");
        const address = fixture.running.get(target)?.address;
        if (address === undefined) throw new Error(`member ${target} is not running`);
        const attempt = await rawHandshake({
          address,
          role: "peer",
          dialerId: claimed,
          acceptorId: target,
          tls: { ...pki.member(holder), ca: pki.ca },
        });
        writeFrame(attempt.socket, frame);
        await closedPromise(attempt.socket);
      },
      garbage: async (fixture, target, bytes) => {
        const address = fixture.running.get(target)?.address;
        if (address === undefined) throw new Error(`member ${target} is not running`);
        const socket = await rawConnect(address);
        const closed = closedPromise(socket);
        socket.write(bytes);
        await closed;
      },
    },
  };
}

describe("the TCP peer transport with a shared secret passes the conformance suite", () => {
  const harness = peerHarness("secret");
  // Only certificates bind a credential to one member id: with a shared secret every holder is
  // trusted alike, so the borrowed-credential check belongs to the TLS run.
  const { borrowedCredential: _, ...faults } = harness.faults ?? {};
  for (const check of peerTransportConformance({ ...harness, faults })) it(check.name, check.run, 60_000);
});

describe("the TCP peer transport with mutual TLS passes the conformance suite", () => {
  for (const check of peerTransportConformance(peerHarness("tls"))) it(check.name, check.run, 60_000);
});

interface TcpClientFixture extends ClientTransportFixture {
  /** The proxy in front of each member's client port; dialers know only these. */
  readonly proxies: Map<ServerId, TcpProxy>;
  /** Which member (and which side) each channel end belongs to. */
  readonly ends: Map<ClientChannel, { readonly member: ServerId; readonly side: "client" | "member" }>;
}

const clientHarness: ClientTransportHarness<TcpClientFixture> = {
  mediumBytesMax: MEDIUM_BYTES_MAX,
  start: async ({ members, limits }) => {
    fixtures += 1;
    const secret = `conformance-${fixtures}`;
    const proxies = new Map<ServerId, TcpProxy>();
    for (const member of members) proxies.set(member, await TcpProxy.start());
    const ends = new Map<ClientChannel, { member: ServerId; side: "client" | "member" }>();
    const acceptors: TcpClientAcceptor[] = [];
    const dialers: (ClientDialer & AsyncDisposable)[] = [];
    return {
      proxies,
      ends,
      acceptor: async (member) => {
        const acceptor = await listenClients({ self: member, host: "127.0.0.1", port: 0, secret, ...limits });
        acceptors.push(acceptor);
        const proxy = proxies.get(member);
        if (proxy !== undefined) proxy.target = acceptor.address;
        const wrapped: ClientAcceptor = {
          accept: (handler) =>
            acceptor.accept((channel) => {
              ends.set(channel, { member, side: "member" });
              handler(channel);
            }),
        };
        return wrapped;
      },
      dialer: async () => {
        const dialer = tcpClientDialer({
          members: new Map([...proxies].map(([member, proxy]) => [member, proxy.address])),
          secret,
          ...limits,
        });
        dialers.push(dialer);
        return {
          dial: async (member, options) => {
            const channel = await dialer.dial(member, options);
            ends.set(channel, { member, side: "client" });
            return channel;
          },
        };
      },
      [Symbol.asyncDispose]: async () => {
        for (const dialer of dialers) await dialer[Symbol.asyncDispose]();
        for (const acceptor of acceptors) await acceptor.close();
        for (const proxy of proxies.values()) await proxy[Symbol.asyncDispose]();
      },
    };
  },
  faults: {
    stallDials: async ({ proxies }, member) => {
      const proxy = proxies.get(member);
      if (proxy === undefined) throw new Error(`no member ${member}`);
      proxy.stalled = true;
    },
    pauseReading: async ({ proxies, ends }, channel) => {
      const end = ends.get(channel);
      const proxy = end === undefined ? undefined : proxies.get(end.member);
      if (end === undefined || proxy === undefined) throw new Error("not an end of this fixture");
      const direction = end.side === "member" ? "toTarget" : "toClient";
      proxy.pause(direction);
      return async () => proxy.resume(direction);
    },
  },
};

describe("the TCP client transport passes the conformance suite", () => {
  for (const check of clientTransportConformance(clientHarness)) it(check.name, check.run, 60_000);
});
