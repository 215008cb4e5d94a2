// Goal: the memory transports honour core's transport contracts exactly as the real transports
// must, so that tests run on them prove something about the real runtime. Method: run the
// shared conformance suites of @zab/testkit against MemoryNetwork (peers) and
// MemoryClientNetwork (clients), with the one fault the memory network can inject from outside:
// breaking a channel. It has no wire and no credentials, so the impostor, garbage and paused
// reader checks are left out.
import type { PeerTransport, ServerId } from "@zab/core";
import { describe, it } from "vitest";
import { clientTransportConformance } from "../../src/conformance/client-transport-conformance.js";
import type { ClientTransportHarness } from "../../src/conformance/client-transport-harness.js";
import { peerTransportConformance } from "../../src/conformance/peer-transport-conformance.js";
import type {
  PeerTransportFixture,
  PeerTransportHarness,
} from "../../src/conformance/peer-transport-harness.js";
import { MemoryClientNetwork } from "../../src/transport/memory-client-network.js";
import { MemoryNetwork } from "../../src/transport/memory-network.js";

interface MemoryPeerFixture extends PeerTransportFixture {
  readonly network: MemoryNetwork;
}

const peerHarness: PeerTransportHarness<MemoryPeerFixture> = {
  start: async ({ limits }) => {
    const network = new MemoryNetwork(limits);
    const opened: PeerTransport[] = [];
    return {
      network,
      open: async (member: ServerId) => {
        const transport = network.transport(member);
        opened.push(transport);
        return transport;
      },
      [Symbol.asyncDispose]: async () => {
        for (const transport of opened) await transport[Symbol.asyncDispose]();
      },
    };
  },
  faults: {
    breakChannel: async ({ network }, a, b) => network.breakChannel(a, b),
  },
};

describe("MemoryNetwork passes the peer transport conformance suite", () => {
  for (const check of peerTransportConformance(peerHarness)) it(check.name, check.run);
});

const clientHarness: ClientTransportHarness = {
  start: async ({ limits }) => {
    const clients = new MemoryClientNetwork(limits);
    return {
      acceptor: async (member: ServerId) => clients.acceptor(member),
      dialer: async () => clients.dialer(),
      // The channels are objects in this process; the check closed or abandoned them already.
      [Symbol.asyncDispose]: async () => {},
    };
  },
};

describe("MemoryClientNetwork passes the client transport conformance suite", () => {
  for (const check of clientTransportConformance(clientHarness)) it(check.name, check.run);
});
