/**
 * An observer of a barrier's nodes that does not trust the recipe: a separate session with a
 * persistent recursive watch records every creation and deletion under a path, in zxid order,
 * so a test can ask which participant nodes were alive at any zxid.
 *
 * @module
 */
import { type Coordination, type WatchEvent, ZabError, type Zxid } from "@zab/core";
import type { CoordinationScenario } from "@zab/testkit";

/** A session watching `root` and everything under it, recording the events. */
export class BarrierMonitor {
  /** Every event, in zxid order. */
  readonly events: WatchEvent[] = [];
  #failure: unknown;
  readonly #done: Promise<void>;

  private constructor(
    readonly session: Coordination,
    root: string,
  ) {
    const stream = session.watch(root, { recursive: true });
    this.#done = (async () => {
      try {
        for await (const event of stream) this.events.push(event);
      } catch (error) {
        // The stream ends with the session's close; anything else is a failure of the test.
        if (!ZabError.isInstance(error, "Closed")) this.#failure = error;
      }
    })();
  }

  /**
   * Opens the monitor: a session with a long timeout (faults never expire it), `root` created,
   * and the watch set before anything else happens under it.
   */
  static async open(scenario: CoordinationScenario, root: string): Promise<BarrierMonitor> {
    const session = await scenario.connect(-1, { sessionTimeoutMs: 30_000, requestTimeoutMs: 1_000 });
    await session.create(root);
    return new BarrierMonitor(session, root);
  }

  /** Throws what ended the stream early, if anything did. */
  check(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Waits (in the scenario's time) until the monitor has seen an event at or above `zxid`. */
  async caughtUpTo(scenario: CoordinationScenario, zxid: Zxid): Promise<void> {
    for (;;) {
      this.check();
      const last = this.events.at(-1);
      if (last !== undefined && last.zxid >= zxid) return;
      await new Promise<void>((resolve) => scenario.clock.setTimeout(resolve, 10));
    }
  }

  /**
   * The children of `parent` alive after applying every event with zxid below `zxid` (and at
   * `zxid` too when `inclusive`), optionally filtered by name.
   */
  aliveAt(parent: string, zxid: Zxid, inclusive: boolean, keep: (name: string) => boolean): Set<string> {
    const alive = new Set<string>();
    for (const event of this.events) {
      if (event.zxid > zxid || (!inclusive && event.zxid === zxid)) break;
      const name = childName(parent, event.path);
      if (name === undefined || !keep(name)) continue;
      if (event.type === "nodeCreated") alive.add(name);
      if (event.type === "nodeDeleted") alive.delete(name);
    }
    return alive;
  }

  /** Closes the session and waits for the recording to end. */
  async close(): Promise<void> {
    await this.session.close().catch(() => undefined);
    await this.#done;
  }
}

/** The name of `path` when it is a child of `parent`. */
function childName(parent: string, path: string): string | undefined {
  if (!path.startsWith(`${parent}/`)) return undefined;
  const name = path.slice(parent.length + 1);
  return name.includes("/") ? undefined : name;
}
