// Goal: the NATS transport honours core's transport contracts as the shared conformance suites of
// @zab/testkit check them, over a real nats-server this file starts on a free port. Method: the
// server's max_payload is 64 KiB, so every frame above it travels in chunks; each endpoint
// reaches the server through its own TCP relay, which lets the harness cut an endpoint's NATS
// connection (a NATS reconnect: every channel of that endpoint breaks) and stop it reading (the
// server then holds its messages, up to max_pending). Impostors and garbage are plain NATS
// clients publishing on the member's subject without the secret.
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { ClientAcceptor, ClientChannel, ServerId } from "@zab/core";
import {
  type ClientTransportFixture,
  type ClientTransportHarness,
  clientTransportConformance,
  type NatsServerProcess,
  type PeerTransportFixture,
  type PeerTransportHarness,
  peerTransportConformance,
  startNatsServer,
} from "@zab/testkit";
import { afterAll, beforeAll, describe, it } from "vitest";
import { encodeEnvelope } from "../src/envelope.js";
import {
  listenClients,
  listenPeers,
  type NatsClientAcceptor,
  type NatsClientDialer,
  type NatsPeerTransport,
  natsClientDialer,
} from "../src/index.js";
import { TcpRelay } from "./helpers/tcp-relay.js";
import { until } from "./helpers/until.js";

/** What the server holds for a client that stopped reading before it cuts it off. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;
const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Reconnect fast: a cut connection is the fault, the wait for the client's retry is not. */
const CONNECTION = { reconnectTimeWait: 50, reconnectJitter: 10 } as const;

let nats: NatsServerProcess;
let raw: NatsConnection;
beforeAll(async () => {
  nats = await startNatsServer({ maxPayloadBytes: MAX_PAYLOAD_BYTES, maxPendingBytes: MAX_PENDING_BYTES });
  raw = await connect({ servers: nats.url });
});
afterAll(async () => {
  await raw?.close();
  await nats?.[Symbol.asyncDispose]();
});

let fixtures = 0;

interface NatsPeerFixture extends PeerTransportFixture {
  readonly cluster: string;
  readonly secret: string;
  readonly running: Map<ServerId, NatsPeerTransport>;
  readonly relays: Map<ServerId, TcpRelay>;
}

async function relayOf(relays: Map<ServerId, TcpRelay>, member: ServerId): Promise<TcpRelay> {
  let relay = relays.get(member);
  if (relay === undefined) {
    relay = await TcpRelay.start(nats.port);
    relays.set(member, relay);
  }
  return relay;
}

function refused(transport: NatsPeerTransport | undefined): number {
  const refusals = transport?.refusals;
  return refusals === undefined ? 0 : refusals.forged + refusals.malformed + refusals.misaddressed;
}

const peerHarness: PeerTransportHarness<NatsPeerFixture> = {
  mediumBytesMax: MAX_PENDING_BYTES,
  start: async ({ limits }) => {
    fixtures += 1;
    const cluster = `conformance-${fixtures}`;
    const secret = `secret-${fixtures}`;
    const running = new Map<ServerId, NatsPeerTransport>();
    const relays = new Map<ServerId, TcpRelay>();
    const opened: NatsPeerTransport[] = [];
    return {
      cluster,
      secret,
      running,
      relays,
      open: async (member) => {
        const relay = await relayOf(relays, member);
        const transport = await listenPeers({
          self: member,
          servers: relay.url,
          cluster,
          secret,
          connection: CONNECTION,
          heartbeatIntervalMs: 200,
          peerSilenceMaxMs: 2_000,
          ...limits,
        });
        opened.push(transport);
        running.set(member, transport);
        return transport;
      },
      [Symbol.asyncDispose]: async () => {
        for (const transport of opened) await transport.close();
        for (const relay of relays.values()) await relay[Symbol.asyncDispose]();
      },
    };
  },
  faults: {
    breakChannel: async (fixture, a) => {
      (await relayOf(fixture.relays, a)).cut();
    },
    pauseReading: async (fixture, member) => {
      const relay = await relayOf(fixture.relays, member);
      relay.pause("toClient");
      return async () => relay.resume("toClient");
    },
    impostor: async (fixture, { target, claimed, frame }) => {
      const transport = fixture.running.get(target);
      const before = refused(transport);
      const subject = `zab.${fixture.cluster}.peer.${target}`;
      const key = { secret: new TextEncoder().encode(`not-${fixture.secret}`), cluster: fixture.cluster };
      const envelope = {
        role: "peer",
        flags: 3,
        channelId: new Uint8Array(32).fill(7),
        from: String(claimed),
        to: String(target),
      } as const;
      // An open with a reply subject, and a data message with the frame, both under a wrong key.
      raw.publish(
        subject,
        encodeEnvelope(key, { ...envelope, kind: "open", seq: 0, body: new Uint8Array(0) }),
        {
          reply: `_INBOX.impostor.${fixtures}`,
        },
      );
      raw.publish(subject, encodeEnvelope(key, { ...envelope, kind: "data", seq: 1, body: frame }));
      await until(`member ${target} to refuse both messages`, () => refused(transport) >= before + 2);
    },
    garbage: async (fixture, target, bytes) => {
      const transport = fixture.running.get(target);
      const before = refused(transport);
      raw.publish(`zab.${fixture.cluster}.peer.${target}`, bytes);
      await until(`member ${target} to refuse the garbage`, () => refused(transport) >= before + 1);
    },
  },
};

describe("the NATS peer transport passes the conformance suite", () => {
  for (const check of peerTransportConformance(peerHarness)) it(check.name, check.run, 60_000);
});

interface NatsClientFixture extends ClientTransportFixture {
  /** The relay of each end's NATS connection, by channel end. */
  readonly relayOf: Map<ClientChannel, TcpRelay>;
}

const clientHarness: ClientTransportHarness<NatsClientFixture> = {
  mediumBytesMax: MAX_PENDING_BYTES,
  start: async ({ limits }) => {
    fixtures += 1;
    const settings = {
      cluster: `clients-${fixtures}`,
      secret: `secret-${fixtures}`,
      connection: CONNECTION,
      heartbeatIntervalMs: 200,
      peerSilenceMaxMs: 2_000,
      ...limits,
    };
    const relayOf = new Map<ClientChannel, TcpRelay>();
    const relays: TcpRelay[] = [];
    const acceptors: NatsClientAcceptor[] = [];
    const dialers: NatsClientDialer[] = [];
    return {
      relayOf,
      acceptor: async (member) => {
        const relay = await TcpRelay.start(nats.port);
        relays.push(relay);
        const acceptor = await listenClients({ ...settings, self: member, servers: relay.url });
        acceptors.push(acceptor);
        const wrapped: ClientAcceptor = {
          accept: (handler) =>
            acceptor.accept((channel) => {
              relayOf.set(channel, relay);
              handler(channel);
            }),
        };
        return wrapped;
      },
      dialer: async () => {
        const relay = await TcpRelay.start(nats.port);
        relays.push(relay);
        const dialer = natsClientDialer({ ...settings, servers: relay.url });
        dialers.push(dialer);
        return {
          dial: async (member, options) => {
            const channel = await dialer.dial(member, options);
            relayOf.set(channel, relay);
            return channel;
          },
        };
      },
      [Symbol.asyncDispose]: async () => {
        for (const dialer of dialers) await dialer.close();
        for (const acceptor of acceptors) await acceptor.close();
        for (const relay of relays) await relay[Symbol.asyncDispose]();
      },
    };
  },
  faults: {
    pauseReading: async ({ relayOf }, channel) => {
      const relay = relayOf.get(channel);
      if (relay === undefined) throw new Error("not an end of this fixture");
      relay.pause("toClient");
      return async () => relay.resume("toClient");
    },
  },
};

describe("the NATS client transport passes the conformance suite", () => {
  for (const check of clientTransportConformance(clientHarness)) it(check.name, check.run, 60_000);
});
