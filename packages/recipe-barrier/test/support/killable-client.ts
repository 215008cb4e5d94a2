/**
 * A client process that can die: its session's channels go down and it never dials again, so it
 * stops pinging and the ensemble expires its session after the timeout — a crash, not a close.
 *
 * @module
 */
import { type ClientChannel, type Coordination, connect } from "@zab/core";
import type { CoordinationScenario } from "@zab/testkit";

/** A session whose client can be killed. */
export interface KillableClient {
  readonly session: Coordination;
  /** Kills the client: its channel breaks and it cannot reach any member again. */
  kill(): void;
}

/** Opens a session on `scenario` whose client can be killed. */
export async function connectKillable(
  scenario: CoordinationScenario,
  sessionTimeoutMs: number,
): Promise<KillableClient> {
  const dialer = scenario.sim.clientDialer();
  const channels = new Set<ClientChannel>();
  let dead = false;
  const session = await connect({
    dialer: {
      dial: async (member, options) => {
        if (dead) throw new Error("this client is dead");
        const channel = await dialer.dial(member, options);
        channels.add(channel);
        return channel;
      },
    },
    clock: scenario.clock,
    members: scenario.sim.voterIds,
    sessionTimeoutMs,
  });
  return {
    session,
    kill: () => {
      dead = true;
      for (const channel of channels) channel.close();
    },
  };
}
