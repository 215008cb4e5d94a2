/**
 * The watches a member holds for its clients, and which of them a change fires.
 *
 * @module
 */
import type { AddWatchMode, WatchEventType } from "../protocol/client-messages.js";
import { parentOf } from "../tree/path.js";

/**
 * The kinds of watch a client can set.
 *
 * - `data`: a one-shot watch from `getData` (fires on data change or deletion).
 * - `exists`: a one-shot watch from `exists` (fires on creation, data change or deletion).
 * - `children`: a one-shot watch from `getChildren` (fires on child changes or deletion).
 * - `persistent`: every change at the path, until removed.
 * - `persistentRecursive`: every change at or under the path, until removed (child-list changes
 *   are implied by the creations and deletions below, so they are not sent, as in ZooKeeper).
 *
 * @since 0.1.0
 */
export type WatchKind = "data" | "exists" | "children" | "persistent" | "persistentRecursive";

/**
 * Which one-shot watches each kind of change fires, as ZooKeeper's DataTree triggers them.
 */
const FIRES: Readonly<Record<WatchEventType, readonly ("data" | "exists" | "children")[]>> = {
  nodeCreated: ["data", "exists"],
  nodeDataChanged: ["data", "exists"],
  nodeDeleted: ["data", "exists", "children"],
  nodeChildrenChanged: ["children"],
};

/**
 * Whether a persistent watch sees a change: the rule {@link WatchManager.trigger} applies to the
 * watches it holds, for a watch it does not hold (replaying a change to a watch set later).
 *
 * @param mode - The watch's mode.
 * @param watchedPath - The path it was set on.
 * @param type - The change.
 * @param path - The node it happened to.
 * @returns `true` for any change at the watched path; for a recursive watch, also any change but
 *   a child-list change below it.
 * @since 0.1.0
 */
export function persistentWatchSees(
  mode: AddWatchMode,
  watchedPath: string,
  type: WatchEventType,
  path: string,
): boolean {
  if (path === watchedPath) return mode === "persistent" || type !== "nodeChildrenChanged";
  if (mode === "persistent" || type === "nodeChildrenChanged") return false;
  return watchedPath === "/" || path.startsWith(`${watchedPath}/`);
}

/**
 * Watches by path, for any kind of watcher handle (a client connection).
 *
 * @typeParam Watcher - Who receives the events.
 * @since 0.1.0
 */
export class WatchManager<Watcher> {
  readonly #oneShot = {
    data: new Map<string, Set<Watcher>>(),
    exists: new Map<string, Set<Watcher>>(),
    children: new Map<string, Set<Watcher>>(),
  };
  readonly #persistent = new Map<string, Set<Watcher>>();
  readonly #recursive = new Map<string, Set<Watcher>>();
  /** How many watches each watcher holds, for the per-connection limit. */
  readonly #counts = new Map<Watcher, number>();

  /**
   * How many watches a watcher holds (a watch is one kind on one path).
   *
   * @param watcher - The watcher.
   * @returns The count.
   */
  countOf(watcher: Watcher): number {
    return this.#counts.get(watcher) ?? 0;
  }

  /**
   * Whether a watcher holds a watch.
   *
   * @param watcher - The watcher.
   * @param kind - What kind of watch.
   * @param path - The path.
   * @returns `true` when it does (setting it again changes nothing).
   */
  has(watcher: Watcher, kind: WatchKind, path: string): boolean {
    return this.#table(kind).get(path)?.has(watcher) === true;
  }

  /**
   * Sets a watch.
   *
   * @param watcher - Who is told.
   * @param kind - What kind of watch.
   * @param path - The path watched.
   */
  add(watcher: Watcher, kind: WatchKind, path: string): void {
    const table = this.#table(kind);
    let watchers = table.get(path);
    if (watchers === undefined) {
      watchers = new Set();
      table.set(path, watchers);
    }
    if (watchers.has(watcher)) return;
    watchers.add(watcher);
    this.#count(watcher, 1);
  }

  /**
   * Removes a watcher's watches of some kinds on a path.
   *
   * @param watcher - Whose watches.
   * @param kinds - Which kinds.
   * @param path - The path.
   * @returns Whether any watch was removed.
   */
  remove(watcher: Watcher, kinds: readonly WatchKind[], path: string): boolean {
    let removed = false;
    for (const kind of kinds) {
      const table = this.#table(kind);
      const watchers = table.get(path);
      if (watchers?.delete(watcher) === true) {
        removed = true;
        this.#count(watcher, -1);
        if (watchers.size === 0) table.delete(path);
      }
    }
    return removed;
  }

  /**
   * Removes every watch of a watcher (its connection closed).
   *
   * @param watcher - The watcher.
   */
  removeAll(watcher: Watcher): void {
    this.#counts.delete(watcher);
    for (const table of this.#tables()) {
      for (const [path, watchers] of table) {
        if (watchers.delete(watcher) && watchers.size === 0) table.delete(path);
      }
    }
  }

  /**
   * Finds who must be told about one change, and clears the one-shot watches it fires.
   *
   * @param type - The change.
   * @param path - The node it happened to.
   * @returns Each watcher to notify, once, in the order they were found.
   */
  trigger(type: WatchEventType, path: string): Set<Watcher> {
    const notify = new Set<Watcher>();
    for (const kind of FIRES[type]) {
      const watchers = this.#oneShot[kind].get(path);
      if (watchers === undefined) continue;
      for (const watcher of watchers) {
        notify.add(watcher);
        this.#count(watcher, -1);
      }
      this.#oneShot[kind].delete(path);
    }
    for (const watcher of this.#persistent.get(path) ?? []) notify.add(watcher);
    if (type !== "nodeChildrenChanged") {
      // Every ancestor's recursive watch sees it: /a/b/c is under /a/b, /a and /.
      for (let at = path; ; at = parentOf(at)) {
        for (const watcher of this.#recursive.get(at) ?? []) notify.add(watcher);
        if (at === "/") break;
      }
    }
    return notify;
  }

  #count(watcher: Watcher, delta: 1 | -1): void {
    const count = (this.#counts.get(watcher) ?? 0) + delta;
    if (count === 0) this.#counts.delete(watcher);
    else this.#counts.set(watcher, count);
  }

  #table(kind: WatchKind): Map<string, Set<Watcher>> {
    if (kind === "persistent") return this.#persistent;
    if (kind === "persistentRecursive") return this.#recursive;
    return this.#oneShot[kind];
  }

  *#tables(): Iterable<Map<string, Set<Watcher>>> {
    yield this.#oneShot.data;
    yield this.#oneShot.exists;
    yield this.#oneShot.children;
    yield this.#persistent;
    yield this.#recursive;
  }
}
