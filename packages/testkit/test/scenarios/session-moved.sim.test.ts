// Goal: a write a client sent on a connection it then lost can never commit after the client has
// reconnected elsewhere and looked for it (ZooKeeper's SessionMoved). Without that, Curator's
// protected create breaks: the client looks up its GUID, misses the node, creates it again, and
// the first create lands later as a ghost — a lock waiter nobody owns until the session ends.
//
// Method: a client on follower F sends a create; just as F forwards it, the leader pauses (the
// request waits in its inbox) and the client is cut off from F. The client reconnects to the
// other follower and lists the parent. Then the leader resumes and processes the old request. If
// the listing missed the node, the node must never appear afterwards; and the reconnect must not
// have completed before the leader ordered it after the old request.
import type { PeerMessage } from "@zab/core";
import { expect, it } from "vitest";
import { CoordinationScenario } from "../../src/index.js";

it.each([1, 2, 3, 4, 5, 6, 7, 8])(
  "seed %i: a write from a connection the session has left never commits after a lookup missed it",
  async (seed) => {
    const scenario = new CoordinationScenario({ seed });
    const { sim, clock } = scenario;
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(() => resolve(), ms));

    const work = async () => {
      await sleep(100);
      const leader = sim.leader();
      if (leader === undefined) throw new Error("no leader");
      const [first, second] = sim.voterIds.filter((id) => id !== leader);
      if (first === undefined || second === undefined) throw new Error("two followers expected");
      const setup = await scenario.connect(0, { sessionTimeoutMs: 5_000 });
      await setup.create("/queue");

      // The client's session lives on `first`, then can only move to `second`.
      const order = sim.voterIds;
      const client = await scenario.connect(order.indexOf(first), { sessionTimeoutMs: 5_000 });
      let struck = false;
      sim.onDeliver((from, to, message: PeerMessage) => {
        if (struck || from !== first || to !== leader || message.kind !== "request") return;
        struck = true;
        sim.pause(leader);
        sim.clients.isolate(first);
        sim.at(sim.now + 600, () => sim.resume(leader));
      });
      const created = client.create("/queue/guid-1-", { mode: "ephemeralSequential" }).then(
        (path) => ({ path }),
        (error: unknown) => ({ error }),
      );
      const outcome = await created;
      let sawIt: boolean;
      if ("path" in outcome) {
        sawIt = true;
      } else {
        // In doubt: look for it, as the protected create does.
        const { children } = await client.getChildren("/queue");
        sawIt = children.some((name) => name.startsWith("guid-1-"));
      }
      sim.clients.reconnect(first);
      await sleep(1_500);
      await setup.sync("/");
      const { children } = await setup.getChildren("/queue");
      const exists = children.some((name) => name.startsWith("guid-1-"));
      return { struck, sawIt, exists };
    };

    const result = await scenario.runUntilSettled(work(), 60_000);
    expect(result.struck).toBe(true);
    // What the client saw after reconnecting is what the ensemble holds, for good.
    expect(result.exists).toBe(result.sawIt);
  },
);
