// Goal: a wait with a signal settles like its promise, or rejects with the signal's reason (or
// the caller's error) once the signal fires, before or during the wait, and leaves no listener.
// Method: controlled promises and AbortControllers.
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { untilAborted } from "../../src/until-aborted.js";

function listenerCount(signal: AbortSignal): number {
  return getEventListeners(signal, "abort").length;
}

describe("untilAborted", () => {
  it("settles like the promise when no signal fires, and removes its listener", async () => {
    const controller = new AbortController();
    await expect(untilAborted(Promise.resolve(7), controller.signal)).resolves.toBe(7);
    await expect(untilAborted(Promise.reject(new Error("no")), controller.signal)).rejects.toThrow("no");
    expect(listenerCount(controller.signal)).toBe(0);
    await expect(untilAborted(Promise.resolve(8), undefined)).resolves.toBe(8);
  });

  it("rejects with the reason when the signal fires during the wait, or has fired before", async () => {
    const controller = new AbortController();
    const waiting = untilAborted(new Promise<never>(() => {}), controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    await expect(untilAborted(Promise.resolve(1), controller.signal)).rejects.toThrow("stop");
  });

  it("rejects with what the caller makes of the signal", async () => {
    const controller = new AbortController();
    controller.abort("why");
    await expect(
      untilAborted(Promise.resolve(1), controller.signal, (signal) => new Error(`gave up: ${signal.reason}`)),
    ).rejects.toThrow("gave up: why");
  });
});
