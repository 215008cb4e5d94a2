/**
 * Following a store's value: the current version first, then every newer one, coalesced for a
 * slow consumer, across reconnections.
 *
 * It rests on a persistent watch of the value znode (which resumes across reconnections and
 * member moves without a gap), used only as a hint: every event, every reconnection and every
 * restart of the watch marks the value dirty, and the next pull reads the znode again. So the
 * consumer always gets the newest version there is when it asks, however many it skipped, and
 * the last read after the last change cannot be older than that change: a watcher never ends on
 * an older value than the newest committed one.
 *
 * @module
 */
import { type ConnectionState, compareZxid, ZabError, type Zxid } from "@zab/core";
import { abortedError } from "./aborted-error.js";
import type { ConfigEvent } from "./config-snapshot.js";
import { ConfigValidationError } from "./config-validation-error.js";
import type { StoreInternals } from "./store-internals.js";
import { isTransient } from "./transient-retry.js";
import { decodeConfigValue } from "./validate-config-value.js";

/**
 * Options of {@link ConfigStore.watch}.
 *
 * @since 0.1.0
 */
export interface ConfigWatchOptions {
  /** Ends the watch: the iteration then fails with `"Aborted"`. */
  readonly signal?: AbortSignal;
}

/**
 * The versions of a store's value, as an async iterator: iterate it with `for await`.
 *
 * @remarks
 * - The first `value` event is the current value (after a linearizable read, so a watch opened on
 *   a new session never starts behind one opened earlier); each later `value` or `invalid` event
 *   is a strictly newer version (by version and zxid). Nothing is buffered: a consumer that is slow
 *   gets, when it asks, the newest version at that moment, skipping those in between.
 * - A version the schema refuses is an `invalid` event, never a `value`; the watch goes on.
 * - When the session is disconnected the watch yields `stale` (with the last known value), and
 *   once it has reconnected and read the value again, `fresh`. A store with no value yet yields
 *   nothing until the first one is written.
 * - The watch ends cleanly when stopped (`break`, `return()`, `await using`, or closing the store
 *   or the session), and fails with `"SessionExpired"` (after a `stale` event) when the session is
 *   lost, or with `"Aborted"` when `signal` fires. It does not start until the first `next()`.
 * @typeParam Output - The schema's output type.
 * @example
 * ```ts
 * import type { ConfigStore } from "@zab/recipe-config";
 *
 * async function follow(store: ConfigStore<{ percent: number }>, signal: AbortSignal): Promise<void> {
 *   for await (const event of store.watch({ signal })) {
 *     if (event.kind === "value") console.log(`version ${event.version}: ${event.value.percent}%`);
 *     if (event.kind === "invalid") console.warn(`version ${event.version} refused`, event.error.issues);
 *     if (event.kind === "stale") console.warn("disconnected: running on the last known value");
 *   }
 * }
 * ```
 * @since 0.1.0
 */
export class ConfigWatch<Output>
  implements AsyncIterableIterator<ConfigEvent<Output>, undefined, undefined>, AsyncDisposable
{
  readonly #store: StoreInternals<unknown, Output>;
  readonly #userSignal: AbortSignal | undefined;
  /** Stops everything the watch runs when it ends, whatever ends it. */
  readonly #stop = new AbortController();
  readonly #events: AsyncGenerator<ConfigEvent<Output>, undefined, undefined>;
  readonly #onEnd: () => void;
  /** A read is due: a change, a reconnection or a restarted watch happened since the last one. */
  #dirty = true;
  #connected = true;
  /** Set once the watch must end: with `error`, or cleanly when it is `undefined`. */
  #end: { readonly error: unknown } | undefined;
  #wake: (() => void) | undefined;

  /**
   * @param store - The store's internals.
   * @param options - `signal` to end the watch.
   * @param onEnd - Called when the watch ends (possibly twice: it must be idempotent).
   * @internal
   */
  constructor(store: StoreInternals<unknown, Output>, options: ConfigWatchOptions, onEnd: () => void) {
    this.#store = store;
    this.#userSignal = options.signal;
    this.#onEnd = onEnd;
    this.#events = this.#run();
  }

  /**
   * The next event.
   *
   * @returns The event, or the end.
   * @throws {@link @zab/core!ZabError} with code `"SessionExpired"` or `"Aborted"` as described above.
   */
  next(): Promise<IteratorResult<ConfigEvent<Output>, undefined>> {
    return this.#events.next();
  }

  /**
   * Stops the watch and removes its watch at the member.
   *
   * @returns The end of the iteration.
   */
  async return(): Promise<IteratorResult<ConfigEvent<Output>, undefined>> {
    this.#stop.abort();
    const result = await this.#events.return(undefined);
    // A watch never iterated never ran its generator's `finally`: release it here too.
    this.#onEnd();
    return result;
  }

  /** @returns The watch itself: it is its own iterator, iterable once. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stops the watch, as {@link ConfigWatch.return} does. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  async *#run(): AsyncGenerator<ConfigEvent<Output>, undefined, undefined> {
    const { session, layout } = this.#store;
    const path = layout.valuePath;
    const signals =
      this.#userSignal === undefined ? [this.#stop.signal] : [this.#stop.signal, this.#userSignal];
    const signal = AbortSignal.any(signals);
    const onAbort = () => {
      const byUser = this.#userSignal?.aborted === true && !this.#stop.signal.aborted;
      this.#finish(byUser ? abortedError(signal, "the config watch", path) : undefined);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    this.#connected = session.state !== "suspended";
    if (session.state === "lost") this.#finish(lostError(path));
    if (session.state === "closed") this.#finish(undefined);
    // Both followers start before the first read: the watch is set, then the value read, so no
    // change falls between the two.
    const followers = [this.#followChanges(signal), this.#followStates(signal)];
    /** The newest version yielded, as a `value` or as `invalid`. */
    let newest: Zxid | undefined;
    let staleReported = false;
    let firstRead = true;
    try {
      for (;;) {
        const end = this.#end;
        if (end !== undefined) {
          if (end.error === undefined) return undefined;
          if (ZabError.isInstance(end.error, "SessionExpired") && !staleReported) {
            // The consumer learns it runs on its last known value before the watch fails.
            staleReported = true;
            yield { kind: "stale", snapshot: this.#store.cached() };
          }
          throw end.error;
        }
        if (!this.#connected) {
          if (!staleReported) {
            staleReported = true;
            yield { kind: "stale", snapshot: this.#store.cached() };
          } else {
            await this.#nextChange();
          }
          continue;
        }
        if (!this.#dirty) {
          await this.#nextChange();
          continue;
        }
        this.#dirty = false;
        let read: { readonly data: Uint8Array; readonly mzxid: Zxid; readonly version: number } | undefined;
        try {
          // A first linearizable read: a new session may reach a member that lags behind the
          // one an earlier watch used; the sync makes it catch up first.
          const { data, stat } = await session.getData(path, { signal, linearizable: firstRead });
          read = { data, mzxid: stat.mzxid, version: stat.version };
        } catch (error) {
          if (isTransient(error)) {
            // The read is retried once connected (the state follower says when).
            this.#dirty = true;
            continue;
          }
          if (signal.aborted) continue;
          if (!ZabError.isInstance(error, "NoNode")) {
            this.#finish(error);
            continue;
          }
          // No value znode yet: nothing to yield until it is created (its event marks it dirty).
        }
        firstRead = false;
        if (
          read !== undefined &&
          read.data.byteLength > 0 &&
          (newest === undefined || compareZxid(read.mzxid, newest) > 0)
        ) {
          newest = read.mzxid;
          const event = await this.#decode(read.data, read.version, read.mzxid);
          yield event;
        }
        if (staleReported && this.#connected) {
          staleReported = false;
          yield { kind: "fresh" };
        }
      }
    } finally {
      this.#stop.abort();
      signal.removeEventListener("abort", onAbort);
      await Promise.allSettled(followers);
      this.#onEnd();
    }
  }

  /** The event for a version read: its value, or why it is refused. */
  async #decode(data: Uint8Array, version: number, zxid: Zxid): Promise<ConfigEvent<Output>> {
    const { schema, codec, layout } = this.#store;
    try {
      const value = await decodeConfigValue(schema, codec, data, { path: layout.valuePath, version });
      this.#store.remember(value, version, zxid);
      return { kind: "value", value, version, zxid };
    } catch (error) {
      if (!(error instanceof ConfigValidationError)) throw error;
      return { kind: "invalid", version, zxid, error };
    }
  }

  /**
   * Marks the value dirty on every change of the value znode. The watch is a hint, never the
   * value itself; when it overflows it is set anew, and the read that follows covers the gap.
   */
  async #followChanges(signal: AbortSignal): Promise<void> {
    const { session, layout } = this.#store;
    // Each turn either ends the watch or follows an overflow, which needs a consumer more than
    // watchEventsBufferedMax events behind; this loop drains at once, so turns are rare.
    while (!signal.aborted && this.#end === undefined) {
      const changes = session.watch(layout.valuePath, { signal });
      this.#markDirty();
      try {
        for await (const _change of changes) this.#markDirty();
        // A clean end: the session was closed.
        this.#finish(undefined);
      } catch (error) {
        if (ZabError.isInstance(error, "WatchOverflow")) continue;
        if (!signal.aborted) this.#finish(error);
      }
    }
  }

  /** Tracks the connection: stale while suspended, a read due after reconnecting. */
  async #followStates(signal: AbortSignal): Promise<void> {
    try {
      for await (const state of this.#store.session.states({ signal })) this.#onState(state);
    } catch (error) {
      if (!signal.aborted) this.#finish(error);
    }
  }

  #onState(state: ConnectionState): void {
    switch (state) {
      case "suspended":
        this.#connected = false;
        break;
      case "connecting":
      case "connected":
      case "reconnected":
        this.#connected = true;
        this.#dirty = true;
        break;
      case "lost":
        this.#finish(lostError(this.#store.layout.valuePath));
        break;
      case "closed":
        this.#finish(undefined);
        break;
    }
    this.#wakeUp();
  }

  #markDirty(): void {
    this.#dirty = true;
    this.#wakeUp();
  }

  #finish(error: unknown): void {
    this.#end ??= { error };
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Resolves at the next change of the watch's flags. */
  #nextChange(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }
}

function lostError(path: string): ZabError {
  return new ZabError("SessionExpired", `the session of the config watch on ${path} was lost`, { path });
}
