// Goal: changes fire exactly the watches ZooKeeper fires — one-shot watches once, persistent
// watches every time, recursive watches for the whole subtree (without child-list events) — and
// a closed connection's watches are gone; and the rule used to replay changes to a persistent
// watch set later agrees with the watches the manager fires. Method: set watches, trigger
// changes, compare; for the replay rule, every mode, watched path, change type and path.
import { describe, expect, it } from "vitest";
import type { AddWatchMode, WatchEventType } from "../../../src/protocol/client-messages.js";
import { persistentWatchSees, WatchManager } from "../../../src/server/watch-manager.js";

describe("WatchManager", () => {
  it("fires one-shot watches once, by the kind of change", () => {
    const watches = new WatchManager<string>();
    watches.add("data", "data", "/a");
    watches.add("exists", "exists", "/a");
    watches.add("kids", "children", "/a");
    expect([...watches.trigger("nodeDataChanged", "/a")]).toEqual(["data", "exists"]);
    expect([...watches.trigger("nodeDataChanged", "/a")]).toEqual([]);
    expect([...watches.trigger("nodeChildrenChanged", "/a")]).toEqual(["kids"]);
    watches.add("data", "data", "/a");
    watches.add("kids", "children", "/a");
    expect([...watches.trigger("nodeDeleted", "/a")]).toEqual(["data", "kids"]);
  });

  it("fires an exists watch on creation but not a children watch", () => {
    const watches = new WatchManager<string>();
    watches.add("exists", "exists", "/new");
    watches.add("kids", "children", "/new");
    expect([...watches.trigger("nodeCreated", "/new")]).toEqual(["exists"]);
  });

  it("keeps persistent watches, and recursive ones see the subtree but not child-list events", () => {
    const watches = new WatchManager<string>();
    watches.add("p", "persistent", "/a");
    watches.add("r", "persistentRecursive", "/a");
    watches.add("root", "persistentRecursive", "/");
    expect([...watches.trigger("nodeDataChanged", "/a")]).toEqual(["p", "r", "root"]);
    expect([...watches.trigger("nodeDataChanged", "/a")]).toEqual(["p", "r", "root"]);
    expect([...watches.trigger("nodeCreated", "/a/b/c")]).toEqual(["r", "root"]);
    expect([...watches.trigger("nodeChildrenChanged", "/a")]).toEqual(["p"]);
    expect([...watches.trigger("nodeCreated", "/ab")]).toEqual(["root"]);
  });

  it("removes a watcher's watches by kind, and all of them when it goes away", () => {
    const watches = new WatchManager<string>();
    watches.add("x", "persistent", "/a");
    watches.add("x", "data", "/a");
    watches.add("y", "data", "/a");
    expect(watches.remove("x", ["persistent"], "/a")).toBe(true);
    expect(watches.remove("x", ["persistent"], "/a")).toBe(false);
    watches.removeAll("x");
    expect([...watches.trigger("nodeDataChanged", "/a")]).toEqual(["y"]);
  });

  it("fires a persistent watch exactly when persistentWatchSees says it sees the change", () => {
    const paths = ["/", "/a", "/a/b", "/a/b/c", "/ab", "/b"];
    const types: WatchEventType[] = ["nodeCreated", "nodeDeleted", "nodeDataChanged", "nodeChildrenChanged"];
    const modes: AddWatchMode[] = ["persistent", "persistentRecursive"];
    let seen = 0;
    for (const mode of modes) {
      for (const watchedPath of paths) {
        const watches = new WatchManager<string>();
        watches.add("w", mode, watchedPath);
        for (const type of types) {
          for (const path of paths) {
            const fired = watches.trigger(type, path).has("w");
            expect(
              persistentWatchSees(mode, watchedPath, type, path),
              `${mode} ${watchedPath}: ${type} ${path}`,
            ).toBe(fired);
            if (fired) seen += 1;
          }
        }
      }
    }
    // Neither always nor never: 6 persistent paths × 4 types, plus the recursive subtrees.
    expect(seen).toBe(24 + 3 * (6 + 3 + 2 + 1 + 1 + 1));
  });
});
