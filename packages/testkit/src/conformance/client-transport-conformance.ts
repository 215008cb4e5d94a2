/**
 * The conformance suite every client transport passes: the promises of core's
 * {@link ClientChannel}, {@link ClientDialer} and {@link ClientAcceptor} contracts, each turned
 * into a check that drives real members and clients through a harness.
 *
 * Every check starts fresh members and clients, sends numbered test frames whose bodies the
 * receiving end verifies, and records what each end's listener hears; the rules that always hold
 * for one end of one channel are checked on every event (see `channel-probe.ts`). Waits poll with
 * a deadline and never assert speed.
 *
 * @module
 */
import type { ClientAcceptor, ClientChannel, ClientDialer, ServerId } from "@zab/core";
import { serverId, ZabError } from "@zab/core";
import { ChannelProbe } from "./channel-probe.js";
import type { CheckContext } from "./check-context.js";
import type { ClientTransportFixture, ClientTransportHarness } from "./client-transport-harness.js";
import { type ConformanceCheck, defineCheck, runOnFixture } from "./conformance-check.js";
import { variedFrameBytes } from "./test-frame.js";
import type { TransportLimits } from "./transport-limits.js";

const LIMITS_ROOMY: TransportLimits = { frameBytesMax: 256 * 1024, bufferedBytesMax: 16 * 1024 * 1024 };
const LIMITS_TIGHT: TransportLimits = { frameBytesMax: 256 * 1024, bufferedBytesMax: 1024 * 1024 };
const LIMITS_SMALL_FRAMES: TransportLimits = { frameBytesMax: 64 * 1024, bufferedBytesMax: 16 * 1024 * 1024 };
const SMALL_FRAME_BYTES = 64;
const OVERFLOW_FRAME_BYTES = 64 * 1024;
const TIMEOUT_MS_DEFAULT = 10_000;
const MEDIUM_BYTES_MAX_DEFAULT = 32 * 1024 * 1024;

/** Members 1 and 2 serve clients when a check opens their acceptors; 3 never does; 4 may stall. */
const MEMBERS = [serverId(1), serverId(2), serverId(3), serverId(4)] as const;
const [FIRST, SECOND, UNSERVED, STALLED] = MEMBERS;

/** The two ends of one channel. */
interface Pair {
  readonly client: ChannelProbe;
  readonly member: ChannelProbe;
}

/**
 * The conformance checks for a client transport: a {@link ClientDialer} and the
 * {@link ClientAcceptor} it reaches.
 *
 * @remarks
 * Always included: dial and accept with FIFO delivery both ways (a frame the member sends from
 * its accept handler included); several clients' channels kept apart; an orderly `close()` from
 * either end, heard once by both, idempotent; sends on a closed channel dropped; a dial to a
 * member nobody serves rejected with `"ConnectionLoss"`, an aborted one with `"Aborted"`; the
 * frame size limit both ways; a burst beyond the buffer limit both ways; no re-entrant listener
 * calls. Included when the harness offers the fault they need: a dial aborted while in progress
 * (`stallDials`); an end that stops reading (`pauseReading`).
 *
 * Beyond what each check is about, every frame heard is checked against the rules that always
 * hold for one end of one channel: intact, from the other end of that channel, in order with none
 * missing or repeated, never after `closed`, never oversize; `closed` at most once; never heard
 * re-entrantly or from inside a transport call.
 *
 * Frames sent before `close()` are required to arrive (an orderly close, as TCP's): core's member
 * answers a client's `closeSession` and closes at once, and the client must get the answer.
 * @param harness - How to start the transport and inject faults into it.
 * @returns The checks, each to run as one test.
 * @example
 * ```ts
 * import { describe, it } from "vitest";
 * import { clientTransportConformance } from "@zab/testkit";
 *
 * describe("the TCP client transport", () => {
 *   for (const check of clientTransportConformance(tcpClientHarness)) it(check.name, check.run);
 * });
 * ```
 * @since 0.1.0
 */
export function clientTransportConformance<Fixture extends ClientTransportFixture>(
  harness: ClientTransportHarness<Fixture>,
): readonly ConformanceCheck[] {
  const timeoutMs = harness.timeoutMs ?? TIMEOUT_MS_DEFAULT;
  const mediumBytesMax = harness.mediumBytesMax ?? MEDIUM_BYTES_MAX_DEFAULT;
  const faults = harness.faults ?? {};
  const check = (
    name: string,
    limits: TransportLimits,
    body: (run: ClientRun<Fixture>) => Promise<void>,
  ): ConformanceCheck =>
    defineCheck(name, timeoutMs, (context) => {
      let run: ClientRun<Fixture> | undefined;
      return runOnFixture(
        context,
        () => harness.start({ members: MEMBERS, limits }),
        (fixture) => {
          run = new ClientRun(context, fixture);
          return body(run);
        },
        () => run?.retire(),
      );
    });

  const checks: ConformanceCheck[] = [
    check(
      "dials a member that accepts, and carries 3,000 frames each way in order and intact, starting with one the member sent on accepting",
      LIMITS_ROOMY,
      async (run) => {
        // The member greets from inside its accept handler, before the client even has its end:
        // the frame must wait for the client's listener, not be lost.
        await run.serve(FIRST, (end) => void end.send(SMALL_FRAME_BYTES));
        const { client, member } = await run.connect(await run.dialer(), FIRST);
        for (let index = 1; index <= 3_000; index += 1) {
          client.send(variedFrameBytes(index, LIMITS_ROOMY.frameBytesMax));
          member.send(variedFrameBytes(index + 1, LIMITS_ROOMY.frameBytesMax));
        }
        await receivedAll(run, member, client);
        await receivedAll(run, client, member);
      },
    ),

    check("keeps the channels of several clients to two members apart", LIMITS_ROOMY, async (run) => {
      await run.serve(FIRST);
      await run.serve(SECOND);
      const dialers = [await run.dialer(), await run.dialer(), await run.dialer(), await run.dialer()];
      const pairs = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          run.connect(dialers[index % 4] as ClientDialer, index % 2 === 0 ? FIRST : SECOND),
        ),
      );
      for (let index = 0; index < 300; index += 1) {
        for (const pair of pairs) {
          pair.client.send(variedFrameBytes(index, 4096));
          pair.member.send(variedFrameBytes(index + 7, 4096));
        }
      }
      for (const pair of pairs) {
        await receivedAll(run, pair.member, pair.client);
        await receivedAll(run, pair.client, pair.member);
      }
      for (const served of [FIRST, SECOND]) {
        const accepted = run.accepted(served).length;
        if (accepted !== 4) {
          run.context.violation(`member ${served} was handed ${accepted} channels for 4 dials`);
        }
      }
    }),

    check(
      "closes in order on the client's close(): what the client sent still arrives, then both ends hear closed once",
      LIMITS_ROOMY,
      async (run) => {
        await run.serve(FIRST);
        const pair = await run.connect(await run.dialer(), FIRST);
        for (let index = 0; index < 200; index += 1) pair.client.send(variedFrameBytes(index, 4096));
        pair.client.close();
        pair.client.close();
        await receivedAll(run, pair.member, pair.client);
        await closedAtBoth(run, pair, "the client called close()");
        await roundTrip(run, await run.connect(await run.dialer(), FIRST));
      },
    ),

    check(
      "closes in order on the member's close(): what the member sent still arrives, then both ends hear closed once",
      LIMITS_ROOMY,
      async (run) => {
        await run.serve(FIRST);
        const pair = await run.connect(await run.dialer(), FIRST);
        for (let index = 0; index < 200; index += 1) pair.member.send(variedFrameBytes(index, 4096));
        pair.member.close();
        pair.member.close();
        await receivedAll(run, pair.client, pair.member);
        await closedAtBoth(run, pair, "the member called close()");
        await roundTrip(run, await run.connect(await run.dialer(), FIRST));
      },
    ),

    check("drops frames sent on a closed channel, without throwing", LIMITS_ROOMY, async (run) => {
      await run.serve(FIRST);
      const dialer = await run.dialer();
      const pair = await run.connect(dialer, FIRST);
      await roundTrip(run, pair);
      pair.client.close();
      await closedAtBoth(run, pair, "the client called close()");
      // Their probes note any frame heard after closed; a fresh channel's round trip gives such a
      // frame the time to show up.
      for (let index = 0; index < 10; index += 1) {
        pair.client.send(SMALL_FRAME_BYTES);
        pair.member.send(SMALL_FRAME_BYTES);
      }
      await roundTrip(run, await run.connect(dialer, FIRST));
    }),

    check("rejects a dial to a member nobody serves with ConnectionLoss", LIMITS_ROOMY, async (run) => {
      await run.serve(FIRST);
      const dialer = await run.dialer();
      const error = await rejection(
        run,
        dialer.dial(UNSERVED),
        `a dial to member ${UNSERVED}, which nobody serves`,
      );
      if (!ZabError.isInstance(error, "ConnectionLoss")) {
        throw new Error(
          `a dial to a member nobody serves must reject with ConnectionLoss, got ${describeError(error)}`,
        );
      }
      await roundTrip(run, await run.connect(dialer, FIRST));
    }),

    check("rejects a dial whose signal has fired with Aborted", LIMITS_ROOMY, async (run) => {
      await run.serve(FIRST);
      const dialer = await run.dialer();
      const controller = new AbortController();
      controller.abort();
      const error = await rejection(
        run,
        dialer.dial(FIRST, { signal: controller.signal }),
        "a dial with an aborted signal",
      );
      if (!ZabError.isInstance(error, "Aborted")) {
        throw new Error(
          `a dial with an aborted signal must reject with Aborted, got ${describeError(error)}`,
        );
      }
      await roundTrip(run, await run.connect(dialer, FIRST));
    }),

    check(
      "delivers a frame of exactly frameBytesMax either way, and closes the channel on a larger one without delivering it",
      LIMITS_SMALL_FRAMES,
      async (run) => {
        const { frameBytesMax } = LIMITS_SMALL_FRAMES;
        await run.serve(FIRST);
        const dialer = await run.dialer();
        const fromClient = await run.connect(dialer, FIRST);
        fromClient.client.send(frameBytesMax);
        fromClient.member.send(frameBytesMax);
        await receivedAll(run, fromClient.member, fromClient.client);
        await receivedAll(run, fromClient.client, fromClient.member);
        fromClient.client.send(frameBytesMax + 1, "forbidden");
        await closedAtBoth(run, fromClient, "the client sent a frame of frameBytesMax + 1 bytes");

        const fromMember = await run.connect(dialer, FIRST);
        await roundTrip(run, fromMember);
        fromMember.member.send(frameBytesMax + 1, "forbidden");
        await closedAtBoth(run, fromMember, "the member sent a frame of frameBytesMax + 1 bytes");
        await roundTrip(run, await run.connect(dialer, FIRST));
      },
    ),

    check(
      "closes the channel rather than buffer a burst far beyond bufferedBytesMax, either way",
      LIMITS_TIGHT,
      async (run) => {
        await run.serve(FIRST);
        const dialer = await run.dialer();
        const burstBytes = 4 * LIMITS_TIGHT.bufferedBytesMax + mediumBytesMax;
        const burstFrames = Math.ceil(burstBytes / OVERFLOW_FRAME_BYTES);
        const because = `${mebibytes(burstBytes)} were sent at once with bufferedBytesMax ${mebibytes(LIMITS_TIGHT.bufferedBytesMax)}`;
        for (const side of ["client", "member"] as const) {
          const pair = await run.connect(dialer, FIRST);
          await roundTrip(run, pair);
          for (let index = 0; index < burstFrames; index += 1) pair[side].send(OVERFLOW_FRAME_BYTES);
          await closedAtBoth(run, pair, `the ${side} end was the sender: ${because}`);
        }
        await roundTrip(run, await run.connect(dialer, FIRST));
      },
    ),

    check(
      "never calls a channel's listener re-entrantly, nor from inside send or close",
      LIMITS_ROOMY,
      async (run) => {
        await run.serve(FIRST);
        const pair = await run.connect(await run.dialer(), FIRST);
        const { client, member } = pair;
        await receivedAll(run, member, client);
        // Ping-pong, each frame answered from inside the listener that heard it.
        const rounds = 500;
        member.reactions = { frame: () => void member.send(SMALL_FRAME_BYTES) };
        client.reactions = {
          // The first frame sent was connect's; with this one, `rounds` frames get answers.
          frame: () => {
            if (client.sent <= rounds) client.send(SMALL_FRAME_BYTES);
          },
        };
        client.send(SMALL_FRAME_BYTES);
        await run.context.until(
          () => `${rounds} round trips (got ${client.received})`,
          () => (client.received >= rounds ? true : undefined),
        );
        // A listener that answers and closes, and one that sends from inside `closed`.
        member.reactions = {
          frame: () => {
            member.reactions = {};
            member.send(SMALL_FRAME_BYTES);
            member.close();
          },
        };
        client.reactions = { closed: () => void client.send(SMALL_FRAME_BYTES) };
        client.send(SMALL_FRAME_BYTES);
        await closedAtBoth(run, pair, "the member closed the channel in its listener");
      },
    ),
  ];

  const stallDials = faults.stallDials?.bind(faults);
  if (stallDials !== undefined) {
    checks.push(
      check("rejects a dial in progress with Aborted when its signal fires", LIMITS_ROOMY, async (run) => {
        await run.serve(FIRST);
        await run.context.settled(
          `the harness to stall dials to member ${STALLED}`,
          stallDials(run.fixture, STALLED),
        );
        const dialer = await run.dialer();
        const controller = new AbortController();
        let settled = false;
        const dial = dialer.dial(STALLED, { signal: controller.signal });
        void dial.then(
          (channel) => {
            settled = true;
            channel.close();
          },
          () => {
            settled = true;
          },
        );
        // Long enough for the dial to be under way (connecting, handshaking): the abort must
        // interrupt it there, not only be checked on entry.
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (settled) {
          throw new Error(`a dial to member ${STALLED}, whose dials stall, settled before its signal fired`);
        }
        controller.abort();
        const error = await rejection(run, dial, "a stalled dial whose signal fired");
        if (!ZabError.isInstance(error, "Aborted")) {
          throw new Error(`an aborted dial must reject with Aborted, got ${describeError(error)}`);
        }
        await roundTrip(run, await run.connect(dialer, FIRST));
      }),
    );
  }

  const pauseReading = faults.pauseReading?.bind(faults);
  if (pauseReading !== undefined) {
    checks.push(
      check(
        "closes the channel to an end that stopped reading rather than buffer without bound",
        LIMITS_TIGHT,
        async (run) => {
          await run.serve(FIRST);
          const dialer = await run.dialer();
          const pair = await run.connect(dialer, FIRST);
          await roundTrip(run, pair);
          const resume = await run.context.settled(
            "the harness to pause the member end's reading",
            pauseReading(run.fixture, pair.member.channel),
          );
          const capBytes = 4 * LIMITS_TIGHT.bufferedBytesMax + mediumBytesMax;
          const roundFrames = LIMITS_TIGHT.bufferedBytesMax / OVERFLOW_FRAME_BYTES;
          let sentBytes = 0;
          // Rounds with a pause between them, so the transport can drain into the medium.
          while (sentBytes < capBytes && !pair.client.closed) {
            for (let index = 0; index < roundFrames; index += 1) pair.client.send(OVERFLOW_FRAME_BYTES);
            sentBytes += roundFrames * OVERFLOW_FRAME_BYTES;
            await new Promise((resolve) => setTimeout(resolve, 10));
            run.context.throwIfViolated();
          }
          await run.context.until(
            `the client end to hear closed after sending ${mebibytes(sentBytes)} to an end that stopped reading (bufferedBytesMax ${mebibytes(LIMITS_TIGHT.bufferedBytesMax)})`,
            () => (pair.client.closed ? true : undefined),
          );
          await run.context.settled("the harness to resume the member end's reading", resume());
          await run.context.until("the member end, reading again, to hear closed", () =>
            pair.member.closed ? true : undefined,
          );
          await roundTrip(run, await run.connect(dialer, FIRST));
        },
      ),
    );
  }
  return checks;
}

/** One check's members and clients, and every channel end it made. */
class ClientRun<Fixture extends ClientTransportFixture> {
  readonly context: CheckContext;
  readonly fixture: Fixture;
  readonly #ends: ChannelProbe[] = [];
  readonly #accepted = new Map<ServerId, ChannelProbe[]>();
  #nextTag = 1;

  constructor(context: CheckContext, fixture: Fixture) {
    this.context = context;
    this.fixture = fixture;
  }

  /** The member ends `member`'s acceptor handed over, in order. */
  accepted(member: ServerId): readonly ChannelProbe[] {
    return this.#accepted.get(member) ?? [];
  }

  /**
   * Opens a member's acceptor; each channel it hands over is listened to at once.
   *
   * @param member - The member.
   * @param onAccept - Runs inside the accept handler, right after `listen`.
   */
  async serve(member: ServerId, onAccept?: (end: ChannelProbe) => void): Promise<void> {
    const acceptor: ClientAcceptor = await this.context.settled(
      `the harness to open member ${member}'s acceptor`,
      this.fixture.acceptor(member),
    );
    const accepted: ChannelProbe[] = [];
    this.#accepted.set(member, accepted);
    acceptor.accept((channel) => {
      const end = this.#probe(channel, member, "member");
      accepted.push(end);
      onAccept?.(end);
    });
  }

  /** A new client's dialer. */
  dialer(): Promise<ClientDialer> {
    return this.context.settled("the harness to make a dialer", this.fixture.dialer());
  }

  /**
   * Dials a member, listens on the client end at once, sends a first frame on it, and finds the
   * member end that frame arrives on.
   */
  async connect(dialer: ClientDialer, member: ServerId): Promise<Pair> {
    const channel = await this.context.settled(`a dial to member ${member}`, dialer.dial(member));
    const client = this.#probe(channel, member, "client");
    client.send(SMALL_FRAME_BYTES);
    const memberEnd = await this.context.until(
      `member ${member} to accept the channel of client end #${client.identity.tag}`,
      () => this.accepted(member).find((end) => end.peerTag === client.identity.tag),
    );
    return { client, member: memberEnd };
  }

  /** Stops every end recording: the check is over. */
  retire(): void {
    for (const end of this.#ends) end.retire();
  }

  #probe(channel: ClientChannel, member: ServerId, side: "client" | "member"): ChannelProbe {
    const end = new ChannelProbe(this.context, channel, { tag: this.#nextTag, member, side });
    this.#nextTag += 1;
    this.#ends.push(end);
    return end;
  }
}

/** Waits until `receiver` got everything `sender` sent so far. */
async function receivedAll<Fixture extends ClientTransportFixture>(
  run: ClientRun<Fixture>,
  receiver: ChannelProbe,
  sender: ChannelProbe,
): Promise<void> {
  const expected = sender.sent;
  await run.context.until(
    () =>
      `the ${receiver.identity.side} end #${receiver.identity.tag} to receive ${expected} frames (got ${receiver.received}${receiver.closed ? ", and closed" : ""})`,
    () => (receiver.received >= expected ? true : undefined),
  );
}

/** Sends ten frames each way on an open channel and waits for all of them. */
async function roundTrip<Fixture extends ClientTransportFixture>(
  run: ClientRun<Fixture>,
  pair: Pair,
): Promise<void> {
  for (let index = 0; index < 10; index += 1) {
    pair.client.send(SMALL_FRAME_BYTES);
    pair.member.send(SMALL_FRAME_BYTES);
  }
  await receivedAll(run, pair.member, pair.client);
  await receivedAll(run, pair.client, pair.member);
}

/** Waits until both ends of a channel heard closed. */
async function closedAtBoth<Fixture extends ClientTransportFixture>(
  run: ClientRun<Fixture>,
  pair: Pair,
  because: string,
): Promise<void> {
  for (const end of [pair.client, pair.member]) {
    await run.context.until(`the ${end.identity.side} end to hear closed: ${because}`, () =>
      end.closed ? true : undefined,
    );
  }
}

/** Waits for a promise that must reject, and returns its error. */
async function rejection<Fixture extends ClientTransportFixture>(
  run: ClientRun<Fixture>,
  promise: Promise<ClientChannel>,
  what: string,
): Promise<unknown> {
  const outcome = await run.context.settled(
    `${what} to settle`,
    promise.then(
      (channel) => ({ channel }),
      (error: unknown) => ({ error }),
    ),
  );
  if ("channel" in outcome) {
    outcome.channel.close();
    throw new Error(`${what} resolved with a channel; it must reject`);
  }
  return outcome.error;
}

function describeError(error: unknown): string {
  return ZabError.isInstance(error) ? `ZabError ${error.code}: ${error.message}` : String(error);
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
}
