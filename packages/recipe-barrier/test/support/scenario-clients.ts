/**
 * Small helpers for recipe simulations: sessions that keep trying to connect while faults run,
 * and pauses in the scenario's virtual time.
 *
 * @module
 */
import { type Coordination, ZabError } from "@zab/core";
import type { CoordinationScenario } from "@zab/testkit";

/**
 * Opens a session for client `client`, trying again while no member takes it (all reachable
 * ones down).
 */
export async function connectRetrying(
  scenario: CoordinationScenario,
  client: number,
  sessionTimeoutMs: number,
): Promise<Coordination> {
  for (;;) {
    try {
      return await scenario.connect(client, { sessionTimeoutMs, requestTimeoutMs: 400 });
    } catch (error) {
      if (!ZabError.isInstance(error, "ConnectionLoss")) throw error;
    }
  }
}

/** Pauses in the scenario's virtual time. */
export function sleep(scenario: CoordinationScenario, ms: number): Promise<void> {
  return new Promise((resolve) => scenario.clock.setTimeout(resolve, ms));
}
