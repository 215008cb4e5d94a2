/**
 * Test machinery for zab, published so applications can test their own coordination code the
 * way zab tests itself: a deterministic simulator that runs whole ensembles of the real protocol
 * in virtual time with crashes, partitions and pauses; the safety invariants of ZAB checked after
 * every step; and an in-process network for tests that run the real server runtime.
 *
 * @example
 * ```ts
 * import { Simulation } from "@zab/testkit";
 * import { serverId } from "@zab/core";
 *
 * const sim = new Simulation({ seed: 42, voters: 3 });
 * sim.runUntil(() => sim.hasServingQuorum(), 5_000);
 * const leader = sim.leader();
 * if (leader !== undefined) sim.propose(leader);
 * sim.crash(serverId(1));
 * sim.run(1_000); // every invariant is checked on every event
 * ```
 *
 * With `coordinationApplication()`, every simulated member also runs the real session layer of
 * the Coordination API, and real clients (`connect({ dialer: sim.clientDialer(), clock:
 * sim.clientClock(), ... })`) use it in virtual time, driven by `await sim.runAsync(ms)`.
 * @packageDocumentation
 */
export {
  type MemoryEnsemble,
  type MemoryEnsembleConnectOptions,
  type MemoryEnsembleOptions,
  startMemoryEnsemble,
} from "./runtime/memory-ensemble.js";
export { type ComposedApplied, ComposedStateMachine } from "./sim/composed-state-machine.js";
export { coordinationApplication } from "./sim/coordination-application.js";
export {
  type CoordinationRunOptions,
  type CoordinationRunReport,
  runCoordinationSimulation,
} from "./sim/coordination-run.js";
export {
  CoordinationFaults,
  CoordinationScenario,
  type CoordinationScenarioOptions,
  type ScenarioConnectOptions,
} from "./sim/coordination-scenario.js";
export { type DigestApplied, DigestStateMachine } from "./sim/digest-state-machine.js";
export { percentile, summarizeElectionTimes } from "./sim/election-stats.js";
export { EventQueue, type TimedEvent } from "./sim/event-queue.js";
export { HistoryChecker, InvariantViolation } from "./sim/invariants.js";
export { SeededRandom } from "./sim/random.js";
export {
  LivenessFailure,
  type RandomRunOptions,
  type RandomRunReport,
  runRandomSimulation,
} from "./sim/random-run.js";
export type { SimApplication, SimApplicationFactory, SimApplicationHost } from "./sim/sim-application.js";
export { SimClientNetwork, type SimClientNetworkHost } from "./sim/sim-client-network.js";
export { type InFlightWrite, SimDisk } from "./sim/sim-disk.js";
export { type Delivery, SimNetwork } from "./sim/sim-network.js";
export {
  type DelayRange,
  type LeadershipRecord,
  type MembershipOverride,
  Simulation,
  type SimulationOptions,
} from "./sim/simulation.js";
export { MemoryClientNetwork, type MemoryClientNetworkOptions } from "./transport/memory-client-network.js";
export {
  MEMORY_NETWORK_BUFFERED_BYTES_MAX_DEFAULT,
  MemoryNetwork,
  type MemoryNetworkOptions,
} from "./transport/memory-network.js";
export {
  RegisterWorkload,
  type RegisterWorkloadOptions,
  type RegisterWorkloadStats,
} from "./workload/register-workload.js";

// Linearizability checking: a Porcupine-style checker (Wing–Gong–Lowe search, partitioned by
// the model), the register and key-value models, and parsers for Jepsen-format histories. The
// blank line below keeps this block a separate chunk for the import organizer.

export {
  type CheckLinearizabilityOptions,
  checkLinearizability,
  type LinearizabilityResult,
} from "./linearizability/check-linearizability.js";
export { HistoryBuilder, type HistoryBuilderOptions } from "./linearizability/history-builder.js";
export { type KvInput, type KvOutput, kvModel } from "./linearizability/kv-model.js";
export type { Model, StepResult } from "./linearizability/model.js";
export type { Operation } from "./linearizability/operation.js";
export { parseEtcdHistory } from "./linearizability/parse-etcd-history.js";
export { parseKvHistory } from "./linearizability/parse-kv-history.js";
export {
  type RegisterInput,
  type RegisterOutput,
  type RegisterValue,
  registerModel,
} from "./linearizability/register-model.js";

// Transport conformance: the checks every peer and client transport passes, as data (no test
// runner needed at run time), the harness interfaces a transport implements to run them, and the
// polling wait they use. A separate chunk for the import organizer, like the block above.

export { clientTransportConformance } from "./conformance/client-transport-conformance.js";
export type {
  ClientTransportFaults,
  ClientTransportFixture,
  ClientTransportHarness,
  ClientTransportStartOptions,
} from "./conformance/client-transport-harness.js";
export type { ConformanceCheck } from "./conformance/conformance-check.js";
export { peerTransportConformance } from "./conformance/peer-transport-conformance.js";
export type {
  BorrowedCredentialAttempt,
  ImpostorAttempt,
  PeerTransportFaults,
  PeerTransportFixture,
  PeerTransportHarness,
  PeerTransportStartOptions,
} from "./conformance/peer-transport-harness.js";
export type { TransportLimits } from "./conformance/transport-limits.js";
export { type WaitUntilOptions, waitUntil } from "./conformance/wait-until.js";

// A real nats-server for integration tests (transport-nats, the cli): started on a free port,
// stopped and restarted on the same port, killed by PID at disposal.

export { type NatsServerOptions, type NatsServerProcess, startNatsServer } from "./nats/nats-server.js";
export { natsServerBinary } from "./nats/nats-server-binary.js";
