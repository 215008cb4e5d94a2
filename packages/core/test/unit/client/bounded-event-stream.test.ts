// Goal: the bounded queue behind states() and watch() keeps its promises on its own — events in
// order to one consumer, waiting consumers woken by the next event or the end, buffered events
// delivered before the end or the error, an error reported once, overflow after exactly itemsMax
// buffered events, abort and return dropping the buffer, and the stop callback called once
// whatever stopped the stream.
//
// Method: drive a BoundedEventStream directly, as the session does, and observe next() results.

import { describe, expect, it } from "vitest";
import { BoundedEventStream } from "../../../src/client/bounded-event-stream.js";
import { ZabError } from "../../../src/errors.js";
import { expectZabError } from "./scripted-ensemble.js";

const DONE = { done: true, value: undefined };

function stream(options?: { itemsMax?: number; signal?: AbortSignal }) {
  let stops = 0;
  const events = new BoundedEventStream<number>({
    itemsMax: options?.itemsMax ?? 10,
    overflow: () => new ZabError("Throttled", "overflow"),
    signal: options?.signal,
    stopped: () => {
      stops += 1;
    },
  });
  return { events, stops: () => stops };
}

describe("BoundedEventStream", () => {
  it("hands buffered and later events to the consumer in order, waking waiting next() calls", async () => {
    const { events } = stream();
    events.push(1);
    const first = events.next();
    const second = events.next();
    const third = events.next();
    events.push(2);
    events.push(3);
    expect(await Promise.all([first, second, third])).toEqual([
      { done: false, value: 1 },
      { done: false, value: 2 },
      { done: false, value: 3 },
    ]);
  });

  it("ends after the buffered events, waking every waiter", async () => {
    const a = stream();
    a.events.push(1);
    a.events.end();
    a.events.push(2);
    expect(await a.events.next()).toEqual({ done: false, value: 1 });
    expect(await a.events.next()).toEqual(DONE);
    expect(a.stops()).toBe(1);

    const b = stream();
    const waiting = [b.events.next(), b.events.next()];
    b.events.end();
    expect(await Promise.all(waiting)).toEqual([DONE, DONE]);
  });

  it("reports a failure once, after the buffered events", async () => {
    const { events, stops } = stream();
    events.push(1);
    events.fail(new ZabError("SessionExpired", "gone"));
    events.fail(new ZabError("Closed", "ignored: already stopped"));
    expect(await events.next()).toEqual({ done: false, value: 1 });
    await expectZabError(events.next(), "SessionExpired");
    expect(await events.next()).toEqual(DONE);
    expect(stops()).toBe(1);
  });

  it("overflows on the event after itemsMax buffered ones", async () => {
    const { events, stops } = stream({ itemsMax: 2 });
    events.push(1);
    events.push(2);
    expect(stops()).toBe(0);
    events.push(3);
    expect(stops()).toBe(1);
    expect(events.open).toBe(false);
    expect((await events.next()).value).toBe(1);
    expect((await events.next()).value).toBe(2);
    await expectZabError(events.next(), "Throttled");
  });

  it("drops the buffer when aborted or returned, and stops once", async () => {
    const controller = new AbortController();
    const aborted = stream({ signal: controller.signal });
    aborted.events.push(1);
    controller.abort("why");
    const error = await expectZabError(aborted.events.next(), "Aborted");
    expect(error.cause).toBe("why");
    expect(aborted.stops()).toBe(1);

    const returned = stream();
    returned.events.push(1);
    expect(await returned.events.return()).toEqual(DONE);
    await returned.events[Symbol.asyncDispose]();
    expect(await returned.events.next()).toEqual(DONE);
    expect(returned.stops()).toBe(1);

    const early = stream({ signal: AbortSignal.abort() });
    expect(early.events.open).toBe(false);
    expect(early.stops()).toBe(1);
  });

  it("is its own iterator and stops on break", async () => {
    const { events, stops } = stream();
    for (const value of [1, 2, 3]) events.push(value);
    const seen: number[] = [];
    for await (const value of events) {
      seen.push(value);
      if (value === 2) break;
    }
    expect(seen).toEqual([1, 2]);
    expect(events[Symbol.asyncIterator]()).toBe(events);
    expect(stops()).toBe(1);
  });
});
