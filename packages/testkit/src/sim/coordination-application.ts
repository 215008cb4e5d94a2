/**
 * The Coordination API's session layer as a simulation application: the real
 * `CoordinationMember` of `@zab/core` on every simulated member, in virtual time.
 *
 * @module
 */
import {
  type Applied,
  CoordinationMember,
  type CoordinationSettings,
  sessionExpiryGraceMs,
  type TreeApplied,
} from "@zab/core";
import type { SimApplication, SimApplicationFactory } from "./sim-application.js";
import type { SimulationOptions } from "./simulation.js";

/**
 * A {@link SimApplicationFactory} that runs a `CoordinationMember` on each member, so that
 * clients made with `connect({ dialer: sim.clientDialer(), clock: sim.clientClock(), ... })`
 * use the Coordination API against the simulated ensemble.
 *
 * @param settings - The members' client-side settings (session timeout bounds, limits).
 * @returns The factory, for {@link SimulationOptions.application}.
 * @since 0.1.0
 */
export function coordinationApplication(settings: CoordinationSettings = {}): SimApplicationFactory {
  return (host): SimApplication => {
    const member = new CoordinationMember({
      expiryGraceMs: sessionExpiryGraceMs(host.tickMs, host.syncLimitTicks),
      ...settings,
      id: host.id,
      clock: host.clock,
    });
    member.bind(host);
    const { applied, transition, touchedSessions, prepareForwarded } = member.hooks;
    return {
      stateMachine: member.stateMachine,
      hooks: {
        // The simulation hands back what the tree's apply returned.
        applied: (batch) => applied(batch as readonly Applied<TreeApplied>[]),
        transition,
        touchedSessions,
        prepareForwarded,
      },
      tick: () => member.tick(),
      accept: (channel) => member.accept(channel),
    };
  };
}
