/**
 * The client's side of watches: who waits for which event.
 *
 * A member sends a session one event per change, however many of the session's callers watch
 * the node; the registry fans it out to every one-shot watch and persistent stream it concerns,
 * following ZooKeeper's rules (`ZKWatchManager`): a node's data, existence and deletion wake the
 * watches left by `getData` and `exists`; a change of its children, or its deletion, wakes those
 * left by `getChildren`; a persistent watch sees every event on its node, a recursive one every
 * event but a child-list change on its node and below.
 *
 * A persistent stream takes events only while the member holds its watch on the current
 * connection, and each through its {@link WatchCursor}, which drops what it already delivered.
 * The events a member replays to a stream set again with a `fromZxid` follow the `addWatch`
 * reply, before anything else; they go to that stream alone, since other streams already had them
 * or will have them replayed in turn.
 *
 * @module
 */
import type { ZabError } from "../errors.js";
import type { AddWatchMode, WatchEvent, WatchEventType } from "../protocol/client-messages.js";
import type { Zxid } from "../protocol/zxid.js";
import { abortedError } from "./aborted-error.js";
import type { BoundedEventStream } from "./bounded-event-stream.js";
import { WatchCursor } from "./watch-cursor.js";

/**
 * What a one-shot watch is on: the node (left by `getData` and `exists`) or its children (left
 * by `getChildren`).
 *
 * @since 0.1.0
 * @internal
 */
export type OneShotTarget = "node" | "children";

/**
 * One persistent watch stream: the path and mode it was set with, its consumer, and where it
 * stands.
 *
 * @since 0.1.0
 * @internal
 */
export class WatchStreamEntry {
  /** What the stream delivered, to resume from. */
  readonly cursor = new WatchCursor();
  /** Whether the member holds the watch on the current connection: it answered the addWatch. */
  isSet = false;

  /**
   * @param path - The watched path.
   * @param mode - Whether it covers the node only or its subtree.
   * @param stream - Where its events go.
   */
  constructor(
    readonly path: string,
    readonly mode: AddWatchMode,
    readonly stream: BoundedEventStream<WatchEvent>,
  ) {}

  /** Hands an event to the stream, unless it already delivered it. */
  push(event: WatchEvent): void {
    if (this.cursor.admit(event.zxid)) this.stream.push(event);
  }
}

interface OneShotWatch {
  readonly resolve: (event: WatchEvent) => void;
  readonly reject: (error: ZabError) => void;
}

const TARGETS_BY_TYPE: Readonly<Record<WatchEventType, readonly OneShotTarget[]>> = {
  nodeCreated: ["node"],
  nodeDataChanged: ["node"],
  nodeDeleted: ["node", "children"],
  nodeChildrenChanged: ["children"],
};

/**
 * The session's watches, one-shot and persistent.
 *
 * @since 0.1.0
 * @internal
 */
export class WatchRegistry {
  readonly #oneShots: Record<OneShotTarget, Map<string, Set<OneShotWatch>>> = {
    node: new Map(),
    children: new Map(),
  };
  /** Persistent streams by watched path, so an event finds its streams by walking up its path. */
  readonly #streams = new Map<string, Set<WatchStreamEntry>>();
  /** The stream whose replay is under way: the events up to `zxid` that follow its reply. */
  #replay: { readonly entry: WatchStreamEntry; readonly zxid: Zxid } | undefined;

  /**
   * Registers a one-shot watch, which the next matching event settles.
   *
   * @remarks
   * The promise is marked handled: a caller may ignore the watch it asked for, and its rejection
   * when the connection breaks must not then surface as an unhandled rejection.
   * @param target - The node or its children.
   * @param path - The node's path.
   * @param signal - Abandons the watch with `"Aborted"`.
   * @returns The event.
   */
  addOneShot(target: OneShotTarget, path: string, signal: AbortSignal | undefined): Promise<WatchEvent> {
    const byPath = this.#oneShots[target];
    const set = byPath.get(path) ?? new Set();
    byPath.set(path, set);
    const promise = new Promise<WatchEvent>((resolve, reject) => {
      const onAbort = () => {
        forget();
        if (signal !== undefined) reject(abortedError(signal, `the watch on ${path}`, path));
      };
      const forget = () => {
        signal?.removeEventListener("abort", onAbort);
        set.delete(watch);
        if (set.size === 0 && byPath.get(path) === set) byPath.delete(path);
      };
      const watch: OneShotWatch = {
        resolve: (event) => {
          forget();
          resolve(event);
        },
        reject: (error) => {
          forget();
          reject(error);
        },
      };
      set.add(watch);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
    promise.catch(() => {
      // Handled by whoever awaits the watch; see the remarks above.
    });
    return promise;
  }

  /**
   * Adds a persistent stream.
   *
   * @param entry - The stream and what it watches.
   */
  addStream(entry: WatchStreamEntry): void {
    const entries = this.#streams.get(entry.path) ?? new Set();
    this.#streams.set(entry.path, entries);
    entries.add(entry);
  }

  /**
   * Removes a persistent stream.
   *
   * @param entry - The stream.
   * @returns Whether it was the last stream on its path with its mode: the member's watch is then
   *   no longer needed.
   */
  removeStream(entry: WatchStreamEntry): boolean {
    const entries = this.#streams.get(entry.path);
    if (entries === undefined || !entries.delete(entry)) return false;
    if (entries.size === 0) this.#streams.delete(entry.path);
    for (const other of entries) if (other.mode === entry.mode) return false;
    return true;
  }

  /**
   * Every persistent stream, to set again on a new connection.
   *
   * @returns The streams.
   */
  streams(): WatchStreamEntry[] {
    return [...this.#streams.values()].flatMap((entries) => [...entries]);
  }

  /**
   * The member set a stream's watch: the stream takes events from now on.
   *
   * @param entry - The stream.
   * @param zxid - The zxid of the addWatch reply: the watch sees every change after it.
   * @param replaying - Whether the addWatch had a `fromZxid`: then the member's replay of the
   *   changes up to `zxid` follows, for this stream alone.
   */
  watchSet(entry: WatchStreamEntry, zxid: Zxid, replaying: boolean): void {
    entry.isSet = true;
    if (replaying) this.#replay = { entry, zxid };
    else entry.cursor.reached(zxid);
  }

  /**
   * A reply arrived: any replay under way is over, and every stream whose watch is set has had
   * every event up to the reply's zxid.
   *
   * @param zxid - The reply's zxid.
   */
  replied(zxid: Zxid): void {
    this.#endReplay();
    for (const entry of this.streams()) if (entry.isSet) entry.cursor.reached(zxid);
  }

  /** The channel broke: no watch is set any more, until set again on the next. */
  unsetStreams(): void {
    this.#replay = undefined;
    for (const entry of this.streams()) entry.isSet = false;
  }

  /**
   * Delivers an event to every one-shot watch and stream it concerns.
   *
   * @param event - The member's event.
   */
  deliver(event: WatchEvent): void {
    const replay = this.#replay;
    if (replay !== undefined) {
      // Live events come after the replay, above the zxid the replay ends at.
      if (event.zxid <= replay.zxid) {
        replay.entry.push(event);
        return;
      }
      this.#endReplay();
    }
    for (const target of TARGETS_BY_TYPE[event.type]) {
      const watches = this.#oneShots[target].get(event.path);
      if (watches === undefined) continue;
      this.#oneShots[target].delete(event.path);
      for (const watch of watches) watch.resolve(event);
    }
    const childrenChanged = event.type === "nodeChildrenChanged";
    for (const entry of this.#streams.get(event.path) ?? []) {
      if (entry.isSet && (entry.mode === "persistent" || !childrenChanged)) entry.push(event);
    }
    if (childrenChanged) return;
    // Walks up the path to the root: at most one step per "/" in the path.
    for (let path = parentOf(event.path); path !== undefined; path = parentOf(path)) {
      for (const entry of this.#streams.get(path) ?? []) {
        if (entry.isSet && entry.mode === "persistentRecursive") entry.push(event);
      }
    }
  }

  /**
   * Rejects every one-shot watch: they do not survive the channel (or the session).
   *
   * @param error - What they reject with.
   */
  failOneShots(error: ZabError): void {
    for (const byPath of Object.values(this.#oneShots)) {
      const watches = [...byPath.values()].flatMap((set) => [...set]);
      byPath.clear();
      for (const watch of watches) watch.reject(error);
    }
  }

  /**
   * Ends every stream, because the session ended.
   *
   * @param error - What they fail with, or `undefined` to end them cleanly.
   */
  endStreams(error: ZabError | undefined): void {
    for (const { stream } of this.streams()) {
      if (error === undefined) stream.end();
      else stream.fail(error);
    }
  }

  /** The replay under way, if any, is over: its stream has had every event up to its end. */
  #endReplay(): void {
    this.#replay?.entry.cursor.reached(this.#replay.zxid);
    this.#replay = undefined;
  }
}

/** The parent path, or `undefined` for the root. */
function parentOf(path: string): string | undefined {
  if (path === "/") return undefined;
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}
