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
 * @module
 */
import type { ZabError } from "../errors.js";
import type { AddWatchMode, WatchEvent, WatchEventType } from "../protocol/client-messages.js";
import { abortedError } from "./aborted-error.js";
import type { BoundedEventStream } from "./bounded-event-stream.js";

/**
 * What a one-shot watch is on: the node (left by `getData` and `exists`) or its children (left
 * by `getChildren`).
 *
 * @since 0.1.0
 * @internal
 */
export type OneShotTarget = "node" | "children";

/**
 * One persistent watch stream: the path and mode it was set with, and its consumer.
 *
 * @since 0.1.0
 * @internal
 */
export interface WatchStreamEntry {
  /** The watched path. */
  readonly path: string;
  /** Whether it covers the node only or its subtree. */
  readonly mode: AddWatchMode;
  /** Where its events go. */
  readonly stream: BoundedEventStream<WatchEvent>;
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
   * The distinct watches the member must hold for the streams: one per path and mode.
   *
   * @returns Path and mode pairs, each once.
   */
  streamWatches(): { readonly path: string; readonly mode: AddWatchMode }[] {
    const watches: { path: string; mode: AddWatchMode }[] = [];
    for (const [path, entries] of this.#streams) {
      const modes = new Set<AddWatchMode>();
      for (const entry of entries) modes.add(entry.mode);
      for (const mode of modes) watches.push({ path, mode });
    }
    return watches;
  }

  /**
   * The streams on a path with a mode.
   *
   * @param path - The watched path.
   * @param mode - The watch's mode.
   * @returns Those streams.
   */
  streamsOf(path: string, mode: AddWatchMode): WatchStreamEntry[] {
    return [...(this.#streams.get(path) ?? [])].filter((entry) => entry.mode === mode);
  }

  /**
   * Delivers an event to every one-shot watch and stream it concerns.
   *
   * @param event - The member's event.
   */
  deliver(event: WatchEvent): void {
    for (const target of TARGETS_BY_TYPE[event.type]) {
      const watches = this.#oneShots[target].get(event.path);
      if (watches === undefined) continue;
      this.#oneShots[target].delete(event.path);
      for (const watch of watches) watch.resolve(event);
    }
    const childrenChanged = event.type === "nodeChildrenChanged";
    for (const entry of this.#streams.get(event.path) ?? []) {
      if (entry.mode === "persistent" || !childrenChanged) entry.stream.push(event);
    }
    if (childrenChanged) return;
    // Walks up the path to the root: at most one step per "/" in the path.
    for (let path = parentOf(event.path); path !== undefined; path = parentOf(path)) {
      for (const entry of this.#streams.get(path) ?? []) {
        if (entry.mode === "persistentRecursive") entry.stream.push(event);
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
    const entries = [...this.#streams.values()].flatMap((set) => [...set]);
    for (const { stream } of entries) {
      if (error === undefined) stream.end();
      else stream.fail(error);
    }
  }
}

/** The parent path, or `undefined` for the root. */
function parentOf(path: string): string | undefined {
  if (path === "/") return undefined;
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}
