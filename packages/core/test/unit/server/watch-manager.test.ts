// Goal: changes fire exactly the watches ZooKeeper fires — one-shot watches once, persistent
// watches every time, recursive watches for the whole subtree (without child-list events) — and
// a closed connection's watches are gone. Method: set watches, trigger changes, compare.
import { describe, expect, it } from "vitest";
import { WatchManager } from "../../../src/server/watch-manager.js";

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
});
