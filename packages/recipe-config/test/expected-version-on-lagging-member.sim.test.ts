// Goal: a compare-and-set with an expectedVersion learned elsewhere (another session, another
// process) is not refused just because this session's member lags behind the leader: a plain
// read may be stale, so a mismatch is confirmed through the leader before it fails the write.
// Method: CoordinationScenario; a writer on the leader, a second client on a follower whose
// commits from the leader are held back (blockOneWay) for 200 virtual ms. The writer sets a new
// version; the second client, told that version, sets over it with expectedVersion. Its member
// still shows the old version (checked), yet the write must succeed once the member catches up;
// an expectedVersion that is really stale must still fail with BadVersion.
import { type ServerId, ZabError } from "@zab/core";
import { CoordinationScenario } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { counterSchema } from "./helpers/schemas.js";
import { simulatedStore } from "./helpers/simulated-store.js";
import { withSessions } from "./helpers/with-sessions.js";

describe("expectedVersion on a lagging member", () => {
  it("is checked through the leader before a write is refused", async () => {
    const scenario = new CoordinationScenario({ seed: 5 });
    await scenario.sim.runUntilAsync(() => scenario.sim.leader() !== undefined, 10_000);
    const leader = scenario.sim.leader() as ServerId;
    const ids = scenario.sim.voterIds;
    const follower = ids.find((id) => id !== leader) as ServerId;
    await scenario.runUntilSettled(
      withSessions(
        [
          () => scenario.connect(ids.indexOf(leader), { sessionTimeoutMs: 10_000 }),
          () => scenario.connect(ids.indexOf(follower), { sessionTimeoutMs: 10_000 }),
        ],
        async (writerSession, laggingSession) => {
          await using writer = simulatedStore(scenario.clock, writerSession, "/v", { schema: counterSchema });
          await using lagging = simulatedStore(scenario.clock, laggingSession, "/v", {
            schema: counterSchema,
          });
          await writer.set({ count: 0 });
          await lagging.get({ linearizable: true });
          scenario.sim.blockOneWay(leader, follower, { silent: true });
          scenario.sim.at(scenario.sim.now + 200, () => scenario.sim.heal());
          const told = await writer.set({ count: 1 });
          // The follower's member has not seen it yet.
          expect((await laggingSession.getData("/v")).stat.version).toBe(told.version - 1);
          const written = await lagging.set({ count: 2 }, { expectedVersion: told.version });
          expect(written.version).toBe(told.version + 1);
          await expect(lagging.set({ count: 3 }, { expectedVersion: told.version })).rejects.toSatisfy(
            (error) => ZabError.isInstance(error, "BadVersion"),
          );
        },
      ),
    );
  });
});
