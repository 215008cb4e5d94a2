// Goal: each conformance check can fail, and fails for the reason it names: a suite that passes
// every transport proves nothing. Method: mutants of the memory transports, each breaking one
// promise of the contract (a duplicated, reordered or silently lost frame, synchronous delivery,
// delivery after disposal, a closure reported while the old channel keeps delivering, a missing
// limit, a dial rejected with the wrong code); run the check about that promise against the
// mutant and expect it to reject with a message naming the violation.
import {
  type ClientChannel,
  type ClientDialer,
  type PeerTransport,
  type PeerTransportListener,
  type ServerId,
  ZabError,
} from "@zab/core";
import { describe, expect, it } from "vitest";
import { clientTransportConformance } from "../../src/conformance/client-transport-conformance.js";
import type {
  ClientTransportFixture,
  ClientTransportHarness,
} from "../../src/conformance/client-transport-harness.js";
import type { ConformanceCheck } from "../../src/conformance/conformance-check.js";
import { peerTransportConformance } from "../../src/conformance/peer-transport-conformance.js";
import type {
  PeerTransportFixture,
  PeerTransportHarness,
} from "../../src/conformance/peer-transport-harness.js";
import type { TransportLimits } from "../../src/conformance/transport-limits.js";
import { MemoryClientNetwork } from "../../src/transport/memory-client-network.js";
import { MemoryNetwork } from "../../src/transport/memory-network.js";

/** Short deadlines: a mutant that never does what is awaited should fail fast. */
const timeoutMs = 1_000;

/** The listener a wrapped transport was given, reachable from outside. */
interface Wrapped {
  listener: PeerTransportListener | undefined;
}

interface MutantFixture extends PeerTransportFixture {
  readonly network: MemoryNetwork;
  readonly wrapped: Map<ServerId, Wrapped>;
}

/** A memory harness whose transports `mutate` wraps; `limits` may be overridden to drop one. */
function mutantPeers(
  mutate: (inner: PeerTransport, wrapped: Wrapped) => Partial<PeerTransport>,
  options: { readonly limits?: (asked: TransportLimits) => TransportLimits; readonly faults?: boolean } = {},
): PeerTransportHarness<MutantFixture> {
  return {
    timeoutMs,
    start: async ({ limits }) => {
      const network = new MemoryNetwork(options.limits?.(limits) ?? limits);
      const wrapped = new Map<ServerId, Wrapped>();
      const opened: PeerTransport[] = [];
      return {
        network,
        wrapped,
        open: async (member) => {
          const inner = network.transport(member);
          const entry: Wrapped = { listener: undefined };
          const transport: PeerTransport = {
            specificationVersion: 1,
            listen: (listener) => {
              entry.listener = listener;
              inner.listen(listener);
            },
            send: (to, frame) => inner.send(to, frame),
            disconnect: (peer) => inner.disconnect(peer),
            [Symbol.asyncDispose]: () => inner[Symbol.asyncDispose](),
            ...mutate(inner, entry),
          };
          wrapped.set(member, entry);
          opened.push(inner);
          return transport;
        },
        [Symbol.asyncDispose]: async () => {
          for (const transport of opened) await transport[Symbol.asyncDispose]();
        },
      };
    },
    ...(options.faults === true
      ? {
          faults: {
            // Reports the break to both listeners and breaks nothing: the old channel goes on
            // delivering, which is what the break checks must catch.
            breakChannel: async ({ wrapped }: MutantFixture, a: ServerId, b: ServerId) => {
              wrapped.get(a)?.listener?.closed(b);
              wrapped.get(b)?.listener?.closed(a);
            },
          },
        }
      : {}),
  };
}

/** A transport that delivers inside `send`, as a naive in-process one would. */
function synchronousPeers(): PeerTransportHarness {
  return {
    timeoutMs,
    start: async () => {
      const listeners = new Map<ServerId, PeerTransportListener>();
      return {
        open: async (member) => ({
          specificationVersion: 1,
          listen: (listener) => void listeners.set(member, listener),
          send: (to, frame) => listeners.get(to)?.frame(member, frame),
          disconnect: (peer) => {
            listeners.get(member)?.closed(peer);
            listeners.get(peer)?.closed(member);
          },
          [Symbol.asyncDispose]: async () => void listeners.delete(member),
        }),
        [Symbol.asyncDispose]: async () => {},
      };
    },
  };
}

function named(checks: readonly ConformanceCheck[], prefix: string): ConformanceCheck {
  const check = checks.find((candidate) => candidate.name.startsWith(prefix));
  if (check === undefined) throw new Error(`no check named "${prefix}..."`);
  return check;
}

/** Counts sends per transport, for mutants that misbehave on every nth frame. */
function everyNth(n: number): () => boolean {
  let count = 0;
  return () => {
    count += 1;
    return count % n === 0;
  };
}

describe("the peer conformance suite catches", () => {
  it("a duplicated frame", async () => {
    const checks = peerTransportConformance(
      mutantPeers((inner) => {
        const nth = everyNth(100);
        return {
          send: (to, frame) => {
            inner.send(to, frame);
            if (nth()) inner.send(to, frame);
          },
        };
      }),
    );
    await expect(named(checks, "delivers 10,000 frames").run()).rejects.toThrow(/reordered or duplicated/);
  });

  it("a reordered frame", async () => {
    const checks = peerTransportConformance(
      mutantPeers((inner) => {
        const nth = everyNth(50);
        let held: { to: ServerId; frame: Uint8Array } | undefined;
        return {
          send: (to, frame) => {
            if (held !== undefined) {
              inner.send(to, frame);
              inner.send(held.to, held.frame);
              held = undefined;
            } else if (nth()) held = { to, frame };
            else inner.send(to, frame);
          },
        };
      }),
    );
    await expect(named(checks, "delivers 10,000 frames").run()).rejects.toThrow(/reordered or duplicated/);
  });

  it("a frame lost while the channel stays open", async () => {
    const checks = peerTransportConformance(
      mutantPeers((inner) => {
        const nth = everyNth(1000);
        return {
          send: (to, frame) => {
            if (!nth()) inner.send(to, frame);
          },
        };
      }),
    );
    await expect(named(checks, "delivers 10,000 frames").run()).rejects.toThrow(
      /lost without the channel breaking/,
    );
  });

  it("delivery inside send", async () => {
    const checks = peerTransportConformance(synchronousPeers());
    await expect(named(checks, "never calls a listener re-entrantly").run()).rejects.toThrow(
      /from inside member \d's send/,
    );
  });

  it("delivery after disposal", async () => {
    const checks = peerTransportConformance(mutantPeers(() => ({ [Symbol.asyncDispose]: async () => {} })));
    await expect(named(checks, "stops delivering once disposed").run()).rejects.toThrow(
      /after its transport's disposal resolved/,
    );
  });

  it("frames of a broken channel delivered after closed", async () => {
    const checks = peerTransportConformance(mutantPeers(() => ({}), { faults: true }));
    await expect(named(checks, "tells both ends of a channel broken from outside").run()).rejects.toThrow(
      /sent on the broken channel, after hearing closed/,
    );
  });

  it("a frame over frameBytesMax delivered", async () => {
    const checks = peerTransportConformance(
      mutantPeers(() => ({}), { limits: (asked) => ({ ...asked, frameBytesMax: 16 * 1024 * 1024 }) }),
    );
    await expect(named(checks, "delivers a frame of exactly frameBytesMax").run()).rejects.toThrow(
      /must never be delivered/,
    );
  });

  it("a burst buffered beyond bufferedBytesMax", async () => {
    const checks = peerTransportConformance(
      mutantPeers(() => ({}), { limits: (asked) => ({ ...asked, bufferedBytesMax: 1024 * 1024 * 1024 }) }),
    );
    await expect(named(checks, "breaks the channel rather than buffer a burst").run()).rejects.toThrow(
      /to hear its channel to 2 closed/,
    );
  });
});

/** A memory client harness whose dialers `mutate` wraps and whose limits may be overridden. */
function mutantClients(
  mutate: (inner: ClientDialer) => ClientDialer,
  limits?: (asked: TransportLimits) => TransportLimits,
): ClientTransportHarness {
  return {
    timeoutMs,
    start: async (options) => {
      const clients = new MemoryClientNetwork(limits?.(options.limits) ?? options.limits);
      return {
        acceptor: async (member) => clients.acceptor(member),
        dialer: async () => mutate(clients.dialer()),
        [Symbol.asyncDispose]: async () => {},
      };
    },
  };
}

describe("the client conformance suite catches", () => {
  it("an aborted dial rejected with the signal's reason instead of Aborted", async () => {
    const checks = clientTransportConformance(
      mutantClients((inner) => ({
        dial: async (member, options) => {
          options?.signal?.throwIfAborted();
          return inner.dial(member, options);
        },
      })),
    );
    await expect(named(checks, "rejects a dial whose signal has fired").run()).rejects.toThrow(
      /must reject with Aborted/,
    );
  });

  it("a frame over frameBytesMax delivered", async () => {
    const checks = clientTransportConformance(
      mutantClients(
        (inner) => inner,
        (asked) => ({ ...asked, frameBytesMax: 16 * 1024 * 1024 }),
      ),
    );
    await expect(named(checks, "delivers a frame of exactly frameBytesMax").run()).rejects.toThrow(
      /oversize frame that must never be delivered/,
    );
  });

  it("a burst buffered beyond bufferedBytesMax", async () => {
    const checks = clientTransportConformance(
      mutantClients(
        (inner) => inner,
        (asked) => ({ ...asked, bufferedBytesMax: 1024 * 1024 * 1024 }),
      ),
    );
    await expect(named(checks, "closes the channel rather than buffer a burst").run()).rejects.toThrow(
      /to hear closed/,
    );
  });
});

// The memory transports cannot pause a reader or stall a dial, so the checks that need those
// faults run here, against memory transports given them by a wrapper: once bounded or honest
// (the check passes), once not (the check fails).

/** A member's inbound frames held back while it is paused, as a paused process's socket would. */
interface Gate {
  paused: boolean;
  held: (() => void)[];
  bytes: number;
}

interface PausableFixture extends PeerTransportFixture {
  readonly gates: Map<ServerId, Gate>;
}

/** Memory peers that can stop reading; `bounded` breaks a channel whose backlog is too large. */
function pausablePeers(bounded: boolean): PeerTransportHarness<PausableFixture> {
  return {
    timeoutMs,
    // No kernel buffers in between: only the transport's own bound stands in the way.
    mediumBytesMax: 0,
    start: async ({ limits }) => {
      const network = new MemoryNetwork(limits);
      const gates = new Map<ServerId, Gate>();
      const opened: PeerTransport[] = [];
      return {
        gates,
        open: async (member) => {
          const inner = network.transport(member);
          opened.push(inner);
          const gate: Gate = { paused: false, held: [], bytes: 0 };
          gates.set(member, gate);
          return {
            specificationVersion: 1,
            listen: (listener) =>
              inner.listen({
                frame: (from, frame) => {
                  if (!gate.paused) return listener.frame(from, frame);
                  if (bounded && gate.bytes + frame.byteLength > limits.bufferedBytesMax) {
                    gate.held = [];
                    gate.bytes = 0;
                    network.breakChannel(member, from);
                    return;
                  }
                  gate.bytes += frame.byteLength;
                  gate.held.push(() => listener.frame(from, frame));
                },
                closed: (peer) => {
                  if (gate.paused) gate.held.push(() => listener.closed(peer));
                  else listener.closed(peer);
                },
              }),
            send: (to, frame) => inner.send(to, frame),
            disconnect: (peer) => inner.disconnect(peer),
            [Symbol.asyncDispose]: () => inner[Symbol.asyncDispose](),
          };
        },
        [Symbol.asyncDispose]: async () => {
          for (const transport of opened) await transport[Symbol.asyncDispose]();
        },
      };
    },
    faults: {
      pauseReading: async ({ gates }, member) => {
        const gate = gates.get(member);
        if (gate === undefined) throw new Error(`member ${member} is not open`);
        gate.paused = true;
        return async () => {
          gate.paused = false;
          gate.bytes = 0;
          // A later turn, as a resumed process reads: never inside the check's own call.
          await new Promise((resolve) => setImmediate(resolve));
          for (const deliver of gate.held.splice(0)) deliver();
        };
      },
    },
  };
}

interface FaultyClientFixture extends ClientTransportFixture {
  readonly gates: Map<ClientChannel, Gate>;
  readonly stalled: Set<ServerId>;
}

/**
 * Memory clients with pausable member ends and stallable members; `honest` bounds a paused end's
 * backlog and rejects an aborted stalled dial, otherwise neither.
 */
function faultyClients(honest: boolean): ClientTransportHarness<FaultyClientFixture> {
  return {
    timeoutMs,
    mediumBytesMax: 0,
    start: async ({ limits }) => {
      const clients = new MemoryClientNetwork(limits);
      const gates = new Map<ClientChannel, Gate>();
      const stalled = new Set<ServerId>();
      return {
        gates,
        stalled,
        acceptor: async (member) => ({
          accept: (handler) =>
            clients.acceptor(member).accept((inner) => {
              const gate: Gate = { paused: false, held: [], bytes: 0 };
              const channel: ClientChannel = {
                listen: (listener) =>
                  inner.listen({
                    frame: (frame) => {
                      if (!gate.paused) return listener.frame(frame);
                      if (honest && gate.bytes + frame.byteLength > limits.bufferedBytesMax) {
                        gate.held = [];
                        inner.close();
                        return;
                      }
                      gate.bytes += frame.byteLength;
                      gate.held.push(() => listener.frame(frame));
                    },
                    closed: () => {
                      if (gate.paused) gate.held.push(() => listener.closed());
                      else listener.closed();
                    },
                  }),
                send: (frame) => inner.send(frame),
                close: () => inner.close(),
              };
              gates.set(channel, gate);
              handler(channel);
            }),
        }),
        dialer: async () => {
          const inner = clients.dialer();
          return {
            dial: (member, options) => {
              if (!stalled.has(member)) return inner.dial(member, options);
              return new Promise((_, reject) => {
                if (!honest) return;
                options?.signal?.addEventListener("abort", () =>
                  reject(new ZabError("Aborted", `the dial to member ${member} was aborted`)),
                );
              });
            },
          };
        },
        [Symbol.asyncDispose]: async () => {},
      };
    },
    faults: {
      stallDials: async ({ stalled }, member) => void stalled.add(member),
      pauseReading: async ({ gates }, channel) => {
        const gate = gates.get(channel);
        if (gate === undefined) throw new Error("not a member end of this fixture");
        gate.paused = true;
        return async () => {
          gate.paused = false;
          gate.bytes = 0;
          await new Promise((resolve) => setImmediate(resolve));
          for (const deliver of gate.held.splice(0)) deliver();
        };
      },
    },
  };
}

describe("the checks that need faults the memory transports lack", () => {
  it("pass a peer transport that breaks the channel to a paused reader, and catch one that does not", async () => {
    const name = "breaks the channel to a member that stopped reading";
    await named(peerTransportConformance(pausablePeers(true)), name).run();
    await expect(named(peerTransportConformance(pausablePeers(false)), name).run()).rejects.toThrow(
      /to hear its channel to 2 closed after sending/,
    );
  });

  it("pass a client transport that closes the channel to a paused reader, and catch one that does not", async () => {
    const name = "closes the channel to an end that stopped reading";
    await named(clientTransportConformance(faultyClients(true)), name).run();
    await expect(named(clientTransportConformance(faultyClients(false)), name).run()).rejects.toThrow(
      /the client end to hear closed after sending/,
    );
  });

  it("pass a dialer that gives up a stalled dial when aborted, and catch one that does not", async () => {
    const name = "rejects a dial in progress with Aborted";
    await named(clientTransportConformance(faultyClients(true)), name).run();
    await expect(named(clientTransportConformance(faultyClients(false)), name).run()).rejects.toThrow(
      /a stalled dial whose signal fired to settle/,
    );
  });
});
