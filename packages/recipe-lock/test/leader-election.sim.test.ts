// Goal: leader election elects one leader at a time under faults, hands over when the leader
// resigns, crashes off or loses its session, gives each new leader a higher fencing token, and
// leaves no node behind. Method: per seed, 3 to 5 candidates on real sessions (1 s timeout)
// against a simulated 3-member ensemble under the scenario's faults; each follows its election's
// event stream, and while it leads it writes to a fenced resource until its leadership's signal
// fires or it resigns (half the time, after a while). A checker holds that at most one candidate
// believes it leads at any instant and that tokens strictly increase; lost sessions stand again
// with a new session. Without faults: leader() names the leader, and awaitLeadership resolves
// for the next in line when the leader closes its election.
import { type Coordination, ZabError } from "@zab/core";
import { CoordinationScenario } from "@zab/testkit";
import { describe, expect, it } from "vitest";
import { LeaderElection } from "../src/index.js";
import { FencedResource, HolderChecker } from "./holder-checker.js";

const PATH = "/elections/under-faults";
const SESSION_TIMEOUT_MS = 1_000;
const WORK_MS = 3_000;

async function electionUnderFaults(seed: number) {
  const scenario = new CoordinationScenario({ seed });
  const { clock, random } = scenario;
  const checker = new HolderChecker({ seed, compatible: (kinds) => kinds.length <= 1, exclusive: ["latch"] });
  const resource = new FencedResource();
  const stats = { elected: 0, resigned: 0, sessionsLost: 0 };
  const pause = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
  const deadline = clock.now() + WORK_MS;
  const opened: { session: Coordination; election: LeaderElection }[] = [];

  async function candidate(client: number): Promise<void> {
    const choices = random.fork();
    while (clock.now() < deadline) {
      let session: Coordination;
      try {
        session = await scenario.connect(client, {
          sessionTimeoutMs: SESSION_TIMEOUT_MS,
          requestTimeoutMs: 400,
        });
      } catch (error) {
        if (!ZabError.isInstance(error, "ConnectionLoss") && !ZabError.isInstance(error, "SessionExpired"))
          throw error;
        await pause(50);
        continue;
      }
      const election = new LeaderElection(session, PATH, { id: `candidate-${client}`, clock });
      opened.push({ session, election });
      const stop = new AbortController();
      clock.setTimeout(() => stop.abort(), Math.max(0, deadline - clock.now()));
      try {
        for await (const event of election.events({ signal: stop.signal })) {
          if (event.kind !== "elected") continue;
          stats.elected += 1;
          const { lease } = event;
          checker.enter(client, lease, "latch");
          const resignAfter = choices.chance(0.5) ? choices.int(20, 300) : Number.POSITIVE_INFINITY;
          const since = clock.now();
          while (!lease.signal.aborted && clock.now() < deadline) {
            if (!resource.write(lease.fencingToken))
              throw new Error(`seed ${seed}: a leader's write was refused`);
            if (clock.now() - since >= resignAfter) {
              checker.exit(client, lease);
              stats.resigned += 1;
              await election.resign();
              break;
            }
            await pause(choices.int(5, 30));
          }
          checker.exit(client, lease);
        }
      } catch (error) {
        if (ZabError.isInstance(error, "Aborted")) return;
        if (!ZabError.isInstance(error, "SessionExpired") && !ZabError.isInstance(error, "Closed"))
          throw error;
        stats.sessionsLost += 1;
      }
    }
  }

  const candidates = random.int(3, 5);
  await scenario.runWithFaults(
    Promise.all(Array.from({ length: candidates }, (_, client) => candidate(client))),
  );
  const leftover = await scenario.runUntilSettled(
    (async () => {
      await Promise.all(opened.map(({ election }) => election.close()));
      await pause(SESSION_TIMEOUT_MS * 2);
      const probe = await scenario.connect(-1);
      await probe.sync(PATH);
      const { children } = await probe.getChildren(PATH);
      await Promise.all([...opened.map(({ session }) => session.close()), probe.close()]);
      return children;
    })(),
  );
  return { ...stats, grants: checker.grants, leftover, faults: scenario.faults.count };
}

describe("LeaderElection", () => {
  it("keeps one leader at a time with increasing tokens, under faults (15 seeds)", async () => {
    const reports: Awaited<ReturnType<typeof electionUnderFaults>>[] = [];
    for (let seed = 1; seed <= 15; seed += 1) reports.push(await electionUnderFaults(seed));
    for (const [index, report] of reports.entries()) expect(report.leftover, `seed ${index + 1}`).toEqual([]);
    const total = (pick: (report: (typeof reports)[number]) => number) =>
      reports.reduce((sum, r) => sum + pick(r), 0);
    expect(reports.every((report) => report.elected >= 1)).toBe(true);
    expect(total((r) => r.elected)).toBeGreaterThan(15 * 3);
    expect(total((r) => r.resigned)).toBeGreaterThan(15);
    expect(total((r) => r.faults)).toBeGreaterThan(15 * 2);
  }, 600_000);

  it("names the leader, and hands over to the next in line when the leader closes", async () => {
    const scenario = new CoordinationScenario({ seed: 3 });
    const { clock } = scenario;
    const work = (async () => {
      const [a, b] = await Promise.all([0, 1].map((client) => scenario.connect(client)));
      if (a === undefined || b === undefined) throw new Error("no session");
      const first = new LeaderElection(a, "/elections/simple", { id: "alpha", clock });
      const second = new LeaderElection(b, "/elections/simple", { id: "beta", clock });
      const alpha = await first.awaitLeadership();
      second.start();
      const leaderBefore = await second.leader();
      const betaElected = second.awaitLeadership();
      await first.close();
      expect(alpha.signal.aborted).toBe(true);
      const beta = await betaElected;
      const leaderAfter = await first.leader();
      const increasing = beta.fencingToken > alpha.fencingToken;
      await second.close();
      await Promise.all([a.close(), b.close()]);
      return { leaderBefore, leaderAfter, increasing };
    })();
    expect(await scenario.runUntilSettled(work)).toEqual({
      leaderBefore: "alpha",
      leaderAfter: "beta",
      increasing: true,
    });
  });
});
