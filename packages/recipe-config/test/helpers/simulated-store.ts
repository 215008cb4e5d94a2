/**
 * ConfigStores for simulated tests, where every store must keep time by the simulation's clock.
 *
 * @module
 */
import type { Clock, Coordination } from "@zab/core";
import { ConfigStore, type ConfigStoreOptions } from "../../src/index.js";

/**
 * A ConfigStore whose timers and random names come from `clock`, a simulation's virtual clock
 * (with the system clock, a store would wait in real time while the simulation stands still).
 *
 * @param clock - The simulation's client clock; it replaces any `clock` in `options`.
 * @param session - The session the store works through.
 * @param path - The store's znode.
 * @param options - The store's other settings.
 * @returns The store.
 */
export function simulatedStore<Input, Output = Input>(
  clock: Clock,
  session: Coordination,
  path: string,
  options: ConfigStoreOptions<Input, Output>,
): ConfigStore<Input, Output> {
  return new ConfigStore(session, path, { ...options, clock });
}
