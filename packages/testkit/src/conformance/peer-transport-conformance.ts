/**
 * The conformance suite every {@link PeerTransport} passes: the promises of core's transport
 * contract, each turned into a check that drives real transports through a harness.
 *
 * Every check starts a fresh network, sends numbered test frames whose bodies the receiver
 * verifies, and records what each member's listener hears. Rules that hold whatever a check does
 * (order, no duplicates, no silent loss on a live channel, no stray or forbidden frames, no
 * re-entrant or late calls) are checked on every event; each check adds the promise it is about.
 * Waits poll with a deadline and never assert speed.
 *
 * @module
 */
import type { PeerTransport, ServerId } from "@zab/core";
import { serverId } from "@zab/core";
import type { CheckContext } from "./check-context.js";
import { type ConformanceCheck, defineCheck, runOnFixture } from "./conformance-check.js";
import { PeerProbe } from "./peer-probe.js";
import type { PeerTransportFixture, PeerTransportHarness } from "./peer-transport-harness.js";
import { encodeTestFrame, variedFrameBytes } from "./test-frame.js";
import type { TransportLimits } from "./transport-limits.js";

/** Limits for checks that are not about limits: room for every burst they send. */
const LIMITS_ROOMY: TransportLimits = { frameBytesMax: 256 * 1024, bufferedBytesMax: 16 * 1024 * 1024 };
/** Limits for the overflow checks: a small buffer, so that it is exceeded for sure. */
const LIMITS_TIGHT: TransportLimits = { frameBytesMax: 256 * 1024, bufferedBytesMax: 1024 * 1024 };
/** Limits for the frame size check. */
const LIMITS_SMALL_FRAMES: TransportLimits = { frameBytesMax: 64 * 1024, bufferedBytesMax: 16 * 1024 * 1024 };
const SMALL_FRAME_BYTES = 64;
const OVERFLOW_FRAME_BYTES = 64 * 1024;
const TIMEOUT_MS_DEFAULT = 10_000;
const MEDIUM_BYTES_MAX_DEFAULT = 32 * 1024 * 1024;

/** The seqs of a run of frames one member sent another. */
interface Span {
  readonly first: number;
  readonly last: number;
}

/** One check's network and members. */
interface PeerRun<Fixture> {
  readonly context: CheckContext;
  readonly fixture: Fixture;
  /** Members 1..n, none running until the check opens them. */
  readonly members: readonly PeerProbe[];
}

/**
 * The conformance checks for a {@link PeerTransport} implementation.
 *
 * @remarks
 * Always included: FIFO delivery of many varied frames; per-sender order with several senders;
 * a channel opened from both ends at once; sends to a member that is down or never started;
 * delivery stopping at disposal; `disconnect`; the frame size limit; a burst beyond the buffer
 * limit; no re-entrant listener calls. Included when the harness offers the fault they need: a
 * channel broken from outside, once and repeatedly (`breakChannel`); a member that stops reading
 * (`pauseReading`); an impostor without a credential (`impostor`); a member claiming another's id
 * (`borrowedCredential`); garbage on the wire (`garbage`).
 *
 * Beyond what each check is about, every frame heard is checked against the rules that always
 * hold: intact, from its real sender, to its real target, never forbidden; from each sender in
 * order and at most once; with nothing missing between two frames of one sender unless `closed`
 * came between; and never heard re-entrantly, inside a transport call, or after disposal.
 * @param harness - How to start the transport and inject faults into it.
 * @returns The checks, each to run as one test.
 * @example
 * ```ts
 * import { describe, it } from "vitest";
 * import { peerTransportConformance } from "@zab/testkit";
 *
 * describe("the TCP peer transport", () => {
 *   for (const check of peerTransportConformance(tcpHarness)) it(check.name, check.run);
 * });
 * ```
 * @since 0.1.0
 */
export function peerTransportConformance<Fixture extends PeerTransportFixture>(
  harness: PeerTransportHarness<Fixture>,
): readonly ConformanceCheck[] {
  const timeoutMs = harness.timeoutMs ?? TIMEOUT_MS_DEFAULT;
  const mediumBytesMax = harness.mediumBytesMax ?? MEDIUM_BYTES_MAX_DEFAULT;
  const faults = harness.faults ?? {};
  const check = (
    name: string,
    setup: { readonly members: number; readonly limits: TransportLimits },
    body: (run: PeerRun<Fixture>) => Promise<void>,
  ): ConformanceCheck => defineCheck(name, timeoutMs, (context) => runPeers(harness, context, setup, body));

  const checks: ConformanceCheck[] = [
    check(
      "delivers 10,000 frames of varied sizes in order, each exactly once and intact",
      { members: 2, limits: LIMITS_ROOMY },
      async (run) => {
        const [a, b] = await openAll(run, 1, 2);
        const span = sendMany(a, b, 10_000, (seq) => variedFrameBytes(seq, LIMITS_ROOMY.frameBytesMax));
        await arrived(run, a, b, span);
      },
    ),

    check(
      "keeps each sender's order when four members send to one at once",
      { members: 5, limits: LIMITS_ROOMY },
      async (run) => {
        const [receiver, ...senders] = await openAll(run, 1, 2, 3, 4, 5);
        const count = 2_000;
        for (let seq = 0; seq < count; seq += 1) {
          for (const sender of senders) sender.send(receiver.id, variedFrameBytes(seq, 4096));
        }
        for (const sender of senders) await arrived(run, sender, receiver, { first: 0, last: count - 1 });
      },
    ),

    check(
      "delivers everything both ways when two members open a channel to each other at once",
      { members: 2, limits: LIMITS_ROOMY },
      async (run) => {
        const [a, b] = await openAll(run, 1, 2);
        const count = 1_000;
        for (let seq = 0; seq < count; seq += 1) {
          a.send(b.id, variedFrameBytes(seq, 4096));
          b.send(a.id, variedFrameBytes(seq + 1, 4096));
        }
        await arrived(run, a, b, { first: 0, last: count - 1 });
        await arrived(run, b, a, { first: 0, last: count - 1 });
      },
    ),

    check(
      "never throws on send to a member that is down, and its next incarnation gets nothing of the old channel",
      { members: 3, limits: LIMITS_ROOMY },
      async (run) => {
        const [a, b] = await openAll(run, 1, 2);
        const never = member(run, 3);
        await arrived(run, a, b, sendMany(a, b, 50));
        await arrived(run, b, a, sendMany(b, a, 50));
        // Frames still in flight when b goes down belong to the old channel: lost or delivered to
        // the old incarnation, never to the next one.
        const inFlightToB = sendMany(a, b, 500, (seq) => variedFrameBytes(seq, 4096));
        const inFlightToA = sendMany(b, a, 500, (seq) => variedFrameBytes(seq, 4096));
        const markA = a.events.length;
        const closuresA = a.closures(b.id);
        await b.dispose();
        await run.context.until(
          `member ${a.id} to hear its channel to ${b.id} closed once ${b.id} was disposed`,
          () => (a.closures(b.id) > closuresA ? true : undefined),
        );
        sendMany(a, b, 100);
        sendMany(a, never, 10);

        // b restarts.
        await openAll(run, 2);
        await reconnected(run, a, b, 100);
        await reconnected(run, b, a, 100);
        const oldFrame = b.seqsFrom(a.id).find((seq) => seq <= inFlightToB.last);
        if (oldFrame !== undefined) {
          run.context.violation(
            `member ${b.id}'s new incarnation received frame ${oldFrame} from ${a.id}, sent to its previous incarnation`,
          );
        }
        expectBreakOrder(run, { receiver: a, sender: b, mark: markA, lastOld: inFlightToA.last });
      },
    ),

    check(
      "stops delivering once disposed, idempotently, and tells its peers their channels closed",
      { members: 3, limits: LIMITS_ROOMY },
      async (run) => {
        const [a, b, c] = await openAll(run, 1, 2, 3);
        await arrived(run, a, b, sendMany(a, b, 10));
        await arrived(run, b, a, sendMany(b, a, 10));
        const closuresA = a.closures(b.id);
        sendMany(a, b, 2_000, (seq) => variedFrameBytes(seq, 4096));
        // From here on b's listener must hear nothing: its probe notes any call as a violation.
        await b.dispose(2);
        sendMany(a, b, 100);
        await run.context.until(
          `member ${a.id} to hear its channel to ${b.id} closed once ${b.id} was disposed`,
          () => (a.closures(b.id) > closuresA ? true : undefined),
        );
        await arrived(run, a, c, sendMany(a, c, 10));
        await arrived(run, c, a, sendMany(c, a, 10));
      },
    ),

    check(
      "closes the channel at both ends on disconnect(peer), and the peer may connect again",
      { members: 2, limits: LIMITS_ROOMY },
      async (run) => {
        const [a, b] = await openAll(run, 1, 2);
        await arrived(run, a, b, sendMany(a, b, 20));
        await arrived(run, b, a, sendMany(b, a, 20));
        const toB = sendMany(a, b, 500, (seq) => variedFrameBytes(seq, 4096));
        const toA = sendMany(b, a, 500, (seq) => variedFrameBytes(seq, 4096));
        const marks = { a: a.events.length, b: b.events.length };
        const closures = { a: a.closures(b.id), b: b.closures(a.id) };
        a.disconnect(b.id);
        await closedAtBoth(run, a, b, closures, `member ${a.id} called disconnect(${b.id})`);
        // The peer connects again, then the member that disconnected.
        await reconnected(run, b, a, 100);
        await reconnected(run, a, b, 100);
        expectBreakOrder(run, { receiver: b, sender: a, mark: marks.b, lastOld: toB.last });
        expectBreakOrder(run, { receiver: a, sender: b, mark: marks.a, lastOld: toA.last });
      },
    ),

    check(
      "delivers a frame of exactly frameBytesMax, breaks the channel on a larger one without delivering it, then carries smaller frames on a new channel",
      { members: 2, limits: LIMITS_SMALL_FRAMES },
      async (run) => {
        const { frameBytesMax } = LIMITS_SMALL_FRAMES;
        const [a, b] = await openAll(run, 1, 2);
        await arrived(run, a, b, sendMany(a, b, 10));
        await arrived(run, b, a, sendMany(b, a, 10));
        await arrived(
          run,
          a,
          b,
          sendMany(a, b, 1, () => frameBytesMax),
        );
        await arrived(
          run,
          b,
          a,
          sendMany(b, a, 1, () => frameBytesMax),
        );
        const closures = { a: a.closures(b.id), b: b.closures(a.id) };
        a.send(b.id, frameBytesMax + 1, "forbidden");
        await closedAtBoth(run, a, b, closures, `member ${a.id} sent a frame of frameBytesMax + 1 bytes`);
        await reconnected(run, a, b, 10);
        await reconnected(run, b, a, 10);
      },
    ),

    check(
      "breaks the channel rather than buffer a burst far beyond bufferedBytesMax",
      { members: 2, limits: LIMITS_TIGHT },
      async (run) => {
        const [a, b] = await openAll(run, 1, 2);
        await arrived(run, a, b, sendMany(a, b, 10));
        const closures = { a: a.closures(b.id), b: b.closures(a.id) };
        const burstBytes = 4 * LIMITS_TIGHT.bufferedBytesMax + mediumBytesMax;
        // One synchronous burst: the receiver, in this process or not, reads nothing meanwhile,
        // so whatever the medium cannot hold is the sender's to buffer or to refuse.
        sendMany(a, b, Math.ceil(burstBytes / OVERFLOW_FRAME_BYTES), () => OVERFLOW_FRAME_BYTES);
        await closedAtBoth(
          run,
          a,
          b,
          closures,
          `member ${a.id} sent ${mebibytes(burstBytes)} at once with bufferedBytesMax ${mebibytes(LIMITS_TIGHT.bufferedBytesMax)}`,
        );
        await reconnected(run, a, b, 10);
      },
    ),

    check(
      "never calls a listener re-entrantly, nor from inside send or disconnect",
      { members: 2, limits: LIMITS_ROOMY },
      async (run) => {
        const [a, b] = await openAll(run, 1, 2);
        // Ping-pong: each frame heard is answered from inside the listener, so a transport that
        // delivers synchronously would nest one listener call inside another.
        const rounds = 500;
        let pings = 1;
        b.reactions = { frame: (from) => void b.send(from, SMALL_FRAME_BYTES) };
        a.reactions = {
          frame: (from) => {
            if (pings >= rounds) return;
            pings += 1;
            a.send(from, SMALL_FRAME_BYTES);
          },
        };
        a.send(b.id, SMALL_FRAME_BYTES);
        await run.context.until(
          () => `${rounds} round trips between ${a.id} and ${b.id} (got ${a.countFrom(b.id)})`,
          () => (a.countFrom(b.id) >= rounds ? true : undefined),
        );
        // A listener that answers and disconnects, and one that sends from inside `closed`.
        const closures = { a: a.closures(b.id), b: b.closures(a.id) };
        let sentFromClosed: number | undefined;
        b.reactions = {
          frame: (from) => {
            b.reactions = {};
            b.send(from, SMALL_FRAME_BYTES);
            b.disconnect(from);
          },
        };
        a.reactions = {
          closed: (peer) => {
            if (sentFromClosed === undefined) sentFromClosed = a.send(peer, SMALL_FRAME_BYTES);
          },
        };
        a.send(b.id, SMALL_FRAME_BYTES);
        await closedAtBoth(run, a, b, closures, `member ${b.id} called disconnect(${a.id}) in its listener`);
        await run.context.until(`member ${a.id} to send from inside closed(${b.id})`, () => sentFromClosed);
        // Whether that frame arrives depends on how soon the peer may connect again; the rules
        // checked on every event need only more traffic, to catch a late nested call.
        await reconnected(run, a, b, 10);
      },
    ),
  ];

  const breakChannel = faults.breakChannel?.bind(faults);
  if (breakChannel !== undefined) {
    const breakBetween = (run: PeerRun<Fixture>, a: PeerProbe, b: PeerProbe): Promise<void> =>
      run.context.settled(
        `the harness to break the channel between ${a.id} and ${b.id}`,
        breakChannel(run.fixture, a.id, b.id),
      );
    checks.push(
      check(
        "tells both ends of a channel broken from outside, before any frame of the next channel and after every frame of the broken one",
        { members: 2, limits: LIMITS_ROOMY },
        async (run) => {
          const [a, b] = await openAll(run, 1, 2);
          await arrived(run, a, b, sendMany(a, b, 20));
          await arrived(run, b, a, sendMany(b, a, 20));
          const toB = sendMany(a, b, 1_000, (seq) => variedFrameBytes(seq, 4096));
          const toA = sendMany(b, a, 1_000, (seq) => variedFrameBytes(seq, 4096));
          const marks = { a: a.events.length, b: b.events.length };
          const closures = { a: a.closures(b.id), b: b.closures(a.id) };
          await breakBetween(run, a, b);
          await closedAtBoth(run, a, b, closures, "the channel was broken from outside");
          await reconnected(run, a, b, 200);
          await reconnected(run, b, a, 200);
          expectBreakOrder(run, { receiver: b, sender: a, mark: marks.b, lastOld: toB.last });
          expectBreakOrder(run, { receiver: a, sender: b, mark: marks.a, lastOld: toA.last });
        },
      ),
      check(
        "never duplicates or reorders frames across repeated breaks under two-way traffic",
        { members: 2, limits: LIMITS_ROOMY },
        async (run) => {
          const [a, b] = await openAll(run, 1, 2);
          for (let round = 0; round < 6; round += 1) {
            await reach(run, a, b);
            await reach(run, b, a);
            const toB = sendMany(a, b, 300, (seq) => variedFrameBytes(seq, 4096));
            const toA = sendMany(b, a, 300, (seq) => variedFrameBytes(seq, 4096));
            // Half the breaks hit a channel that already delivered part of the burst.
            if (round % 2 === 1) {
              await run.context.until(`part of the burst to reach ${b.id}`, () =>
                b.countFrom(a.id, toB.first) > 0 ? true : undefined,
              );
            }
            const marks = { a: a.events.length, b: b.events.length };
            const closures = { a: a.closures(b.id), b: b.closures(a.id) };
            await breakBetween(run, a, b);
            await closedAtBoth(run, a, b, closures, `break ${round + 1} of the channel`);
            expectBreakOrder(run, { receiver: b, sender: a, mark: marks.b, lastOld: toB.last });
            expectBreakOrder(run, { receiver: a, sender: b, mark: marks.a, lastOld: toA.last });
          }
          await reconnected(run, a, b, 100);
          await reconnected(run, b, a, 100);
        },
      ),
    );
  }

  const pauseReading = faults.pauseReading?.bind(faults);
  if (pauseReading !== undefined) {
    checks.push(
      check(
        "breaks the channel to a member that stopped reading rather than buffer without bound",
        { members: 2, limits: LIMITS_TIGHT },
        async (run) => {
          const [a, b] = await openAll(run, 1, 2);
          await arrived(run, a, b, sendMany(a, b, 10));
          const closures = { a: a.closures(b.id), b: b.closures(a.id) };
          const resume = await run.context.settled(
            `the harness to pause member ${b.id}'s reading`,
            pauseReading(run.fixture, b.id),
          );
          const capBytes = 4 * LIMITS_TIGHT.bufferedBytesMax + mediumBytesMax;
          const roundFrames = LIMITS_TIGHT.bufferedBytesMax / OVERFLOW_FRAME_BYTES;
          let sentBytes = 0;
          // Rounds with a pause between them, so the transport can drain into the medium: the
          // sender's buffer then grows only because the reader stopped, as a slow peer's would.
          while (sentBytes < capBytes && a.closures(b.id) === closures.a) {
            sendMany(a, b, roundFrames, () => OVERFLOW_FRAME_BYTES);
            sentBytes += roundFrames * OVERFLOW_FRAME_BYTES;
            await new Promise((resolve) => setTimeout(resolve, 10));
            run.context.throwIfViolated();
          }
          await run.context.until(
            `member ${a.id} to hear its channel to ${b.id} closed after sending ${mebibytes(sentBytes)} to a member that stopped reading (bufferedBytesMax ${mebibytes(LIMITS_TIGHT.bufferedBytesMax)})`,
            () => (a.closures(b.id) > closures.a ? true : undefined),
          );
          await run.context.settled(`the harness to resume member ${b.id}'s reading`, resume());
          await run.context.until(
            `member ${b.id}, reading again, to hear its channel to ${a.id} closed`,
            () => (b.closures(a.id) > closures.b ? true : undefined),
          );
          await reconnected(run, a, b, 10);
        },
      ),
    );
  }

  const impostor = faults.impostor?.bind(faults);
  if (impostor !== undefined) {
    checks.push(
      check(
        "refuses frames from a party without a member's credential, leaving that member's channel open",
        { members: 3, limits: LIMITS_ROOMY },
        async (run) => {
          const [a, b] = await openAll(run, 1, 2);
          const absent = member(run, 3);
          await arrived(run, a, b, sendMany(a, b, 10));
          await arrived(run, b, a, sendMany(b, a, 10));
          const closures = { a: a.closures(b.id), b: b.closures(a.id) };
          for (const claimed of [a.id, absent.id]) {
            await run.context.settled(
              `member ${b.id} to refuse an impostor claiming to be member ${claimed}`,
              impostor(run.fixture, { target: b.id, claimed, frame: forbiddenFrame(claimed, b.id) }),
            );
          }
          await arrived(run, a, b, sendMany(a, b, 10));
          await arrived(run, b, a, sendMany(b, a, 10));
          expectClosuresUnchanged(run, a, b, closures, "an impostor's attempt");
        },
      ),
    );
  }

  const borrowedCredential = faults.borrowedCredential?.bind(faults);
  if (borrowedCredential !== undefined) {
    checks.push(
      check(
        "refuses a member's valid credential used to claim another member's id",
        { members: 3, limits: LIMITS_ROOMY },
        async (run) => {
          const [a, b, holder] = await openAll(run, 1, 2, 3);
          await arrived(run, a, b, sendMany(a, b, 10));
          await arrived(run, holder, b, sendMany(holder, b, 10));
          const closures = { a: a.closures(b.id), b: b.closures(a.id) };
          const holderClosures = { a: holder.closures(b.id), b: b.closures(holder.id) };
          await run.context.settled(
            `member ${b.id} to refuse member ${holder.id}'s credential claiming to be member ${a.id}`,
            borrowedCredential(run.fixture, {
              target: b.id,
              claimed: a.id,
              holder: holder.id,
              frame: forbiddenFrame(a.id, b.id),
            }),
          );
          await arrived(run, a, b, sendMany(a, b, 10));
          await arrived(run, holder, b, sendMany(holder, b, 10));
          expectClosuresUnchanged(run, a, b, closures, "a borrowed credential's attempt");
          expectClosuresUnchanged(run, holder, b, holderClosures, "a borrowed credential's attempt");
        },
      ),
    );
  }

  const garbage = faults.garbage?.bind(faults);
  if (garbage !== undefined) {
    checks.push(
      check(
        "closes only the connection that wrote garbage, while members' channels keep working",
        { members: 3, limits: LIMITS_ROOMY },
        async (run) => {
          const [a, b, target] = await openAll(run, 1, 2, 3);
          await arrived(run, a, target, sendMany(a, target, 10));
          await arrived(run, b, target, sendMany(b, target, 10));
          await arrived(run, target, a, sendMany(target, a, 10));
          const closuresA = { a: a.closures(target.id), b: target.closures(a.id) };
          const closuresB = { a: b.closures(target.id), b: target.closures(b.id) };
          for (const [what, bytes] of garbageSamples()) {
            await run.context.settled(
              `member ${target.id} to refuse ${what}`,
              garbage(run.fixture, target.id, bytes),
            );
          }
          await arrived(run, a, target, sendMany(a, target, 10));
          await arrived(run, b, target, sendMany(b, target, 10));
          await arrived(run, target, a, sendMany(target, a, 10));
          expectClosuresUnchanged(run, a, target, closuresA, "garbage from a stranger");
          expectClosuresUnchanged(run, b, target, closuresB, "garbage from a stranger");
        },
      ),
    );
  }
  return checks;
}

/** Starts a fresh network, runs a check's body on it, and disposes of it whatever happened. */
function runPeers<Fixture extends PeerTransportFixture>(
  harness: PeerTransportHarness<Fixture>,
  context: CheckContext,
  setup: { readonly members: number; readonly limits: TransportLimits },
  body: (run: PeerRun<Fixture>) => Promise<void>,
): Promise<void> {
  const ids = Array.from({ length: setup.members }, (_, index) => serverId(index + 1));
  const members = ids.map((id) => new PeerProbe(id, context));
  return runOnFixture(
    context,
    () => harness.start({ members: ids, limits: setup.limits }),
    (fixture) => body({ context, fixture, members }),
    () => {
      for (const probe of members) probe.retire();
    },
  );
}

function member<Fixture>(run: PeerRun<Fixture>, id: number): PeerProbe {
  const probe = run.members[id - 1];
  if (probe === undefined) throw new Error(`the check has no member ${id}`);
  return probe;
}

/** Opens the members with these numbers, each listening, and returns their probes in order. */
async function openAll<Fixture extends PeerTransportFixture, const Numbers extends readonly number[]>(
  run: PeerRun<Fixture>,
  ...numbers: Numbers
): Promise<{ -readonly [Index in keyof Numbers]: PeerProbe }> {
  const probes = numbers.map((number) => member(run, number));
  for (const probe of probes) {
    await run.context.settled(`the harness to open member ${probe.id}`, probe.open(run.fixture));
  }
  return probes as { -readonly [Index in keyof Numbers]: PeerProbe };
}

/** Sends `count` frames from one member to another at once; `bytes` sizes each by its seq. */
function sendMany(
  from: PeerProbe,
  to: PeerProbe,
  count: number,
  bytes: (seq: number) => number = () => SMALL_FRAME_BYTES,
): Span {
  const first = from.nextSeq(to.id);
  for (let index = 0; index < count; index += 1) from.send(to.id, bytes(first + index));
  return { first, last: first + count - 1 };
}

/** Waits until every frame of `span` reached `to` (the probe's rules vouch for order). */
async function arrived<Fixture>(
  run: PeerRun<Fixture>,
  from: PeerProbe,
  to: PeerProbe,
  span: Span,
): Promise<void> {
  const expected = span.last - span.first + 1;
  await run.context.until(
    () =>
      `frames ${span.first}..${span.last} from ${from.id} to reach ${to.id} (got ${to.countFrom(from.id, span.first, span.last)} of ${expected}; ${to.closures(from.id)} closures heard at ${to.id})`,
    () => (to.countFrom(from.id, span.first, span.last) >= expected ? true : undefined),
  );
}

/**
 * Sends small frames from one member to another until one arrives: after a restart the sender
 * may still be backing off from its failed attempts, and frames sent meanwhile may be dropped.
 */
async function reach<Fixture>(run: PeerRun<Fixture>, from: PeerProbe, to: PeerProbe): Promise<void> {
  const first = from.nextSeq(to.id);
  await run.context.until(`a frame from ${from.id} to reach ${to.id}`, () => {
    if (to.countFrom(from.id, first) > 0) return true;
    from.send(to.id, SMALL_FRAME_BYTES);
    return undefined;
  });
}

/**
 * After a break: waits until `from` reaches `to` again, then requires `count` more frames to
 * arrive, every one of them (a channel, once open, loses nothing until it breaks).
 */
async function reconnected<Fixture>(
  run: PeerRun<Fixture>,
  from: PeerProbe,
  to: PeerProbe,
  count: number,
): Promise<void> {
  await reach(run, from, to);
  await arrived(run, from, to, sendMany(from, to, count));
}

/** Waits until both ends heard of a break since `before`. */
async function closedAtBoth<Fixture>(
  run: PeerRun<Fixture>,
  a: PeerProbe,
  b: PeerProbe,
  before: { readonly a: number; readonly b: number },
  because: string,
): Promise<void> {
  await run.context.until(`member ${a.id} to hear its channel to ${b.id} closed: ${because}`, () =>
    a.closures(b.id) > before.a ? true : undefined,
  );
  await run.context.until(`member ${b.id} to hear its channel to ${a.id} closed: ${because}`, () =>
    b.closures(a.id) > before.b ? true : undefined,
  );
}

/**
 * Checks the order a break imposes at a receiver: every frame sent before the break (seq up to
 * `lastOld`) came before the first `closed(sender)` heard since `mark`, every later one after it.
 */
function expectBreakOrder<Fixture>(
  run: PeerRun<Fixture>,
  order: {
    readonly receiver: PeerProbe;
    readonly sender: PeerProbe;
    readonly mark: number;
    readonly lastOld: number;
  },
): void {
  const { receiver, sender, mark, lastOld } = order;
  const events = receiver.events;
  const closedAt = events.findIndex(
    (event, index) => index >= mark && event.kind === "closed" && event.peer === sender.id,
  );
  if (closedAt < 0) {
    run.context.violation(`member ${receiver.id} never heard closed(${sender.id}) after the break`);
    return;
  }
  events.forEach((event, index) => {
    if (index < mark || event.kind !== "frame" || event.from !== sender.id) return;
    if (event.seq <= lastOld && index > closedAt) {
      run.context.violation(
        `member ${receiver.id} received frame ${event.seq} from ${sender.id}, sent on the broken channel, after hearing closed(${sender.id})`,
      );
    } else if (event.seq > lastOld && index < closedAt) {
      run.context.violation(
        `member ${receiver.id} received frame ${event.seq} from ${sender.id}, sent after the break, before hearing closed(${sender.id})`,
      );
    }
  });
}

/** Checks that neither end of a member's channel heard of a closure since `before`. */
function expectClosuresUnchanged<Fixture>(
  run: PeerRun<Fixture>,
  a: PeerProbe,
  b: PeerProbe,
  before: { readonly a: number; readonly b: number },
  cause: string,
): void {
  if (a.closures(b.id) !== before.a || b.closures(a.id) !== before.b) {
    run.context.violation(
      `${cause} closed the channel between members ${a.id} and ${b.id}: only the offending connection may close`,
    );
  }
}

/** A frame that must never be delivered, claiming to come from `claimed`. */
function forbiddenFrame(claimed: ServerId, target: ServerId): Uint8Array {
  return encodeTestFrame({ kind: "forbidden", sender: claimed, target, seq: 0 }, SMALL_FRAME_BYTES);
}

/** Bytes no transport may take for a frame, led by 0xff (an impossible length on most wires). */
function garbageSamples(): readonly (readonly [string, Uint8Array])[] {
  const noise = new Uint8Array(4096);
  let state = 0x2545f491;
  for (let index = 0; index < noise.length; index += 1) {
    // xorshift32: fixed noise, the same on every run.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    noise[index] = state & 0xff;
  }
  noise[0] = 0xff;
  return [
    ["64 bytes of 0xff", new Uint8Array(64).fill(0xff)],
    ["4096 bytes of noise", noise],
  ];
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
}
