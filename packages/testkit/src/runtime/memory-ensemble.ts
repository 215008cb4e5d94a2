/**
 * A running ensemble of real members in one process, for tests of code that uses the
 * Coordination API in real time (Curator's `TestingCluster`): every member a
 * {@link @zab/core!CoordinationServer} with memory storage, linked by a {@link MemoryNetwork} and
 * serving clients over a {@link MemoryClientNetwork}.
 *
 * @module
 */
import {
  type ConnectOptions,
  type Coordination,
  CoordinationServer,
  type CoordinationServerOptions,
  connect,
  MemoryDataDir,
  openMemoryStorage,
  type ServerId,
  serverId,
  ZabError,
} from "@zab/core";
import { waitUntil } from "../conformance/wait-until.js";
import { MemoryClientNetwork } from "../transport/memory-client-network.js";
import { MemoryNetwork } from "../transport/memory-network.js";

/**
 * Settings of {@link startMemoryEnsemble}: the ensemble's size, and settings every member gets.
 *
 * @since 0.1.0
 */
export interface MemoryEnsembleOptions {
  /** How many voters, with ids 1 to `size`. Default 3. */
  readonly size?: number;
  /** How long every member may take to reach the broadcast phase, in milliseconds. Default 10,000. */
  readonly readyTimeoutMs?: number;
  /**
   * Settings every member gets, those of {@link @zab/core!CoordinationServerOptions} but the
   * ones the ensemble sets (id, voters, a fresh memory storage, its links to the in-process
   * networks). Defaults fit tests: `tickMs` 10 and `sessionTimeoutMinMs` 200.
   */
  readonly memberOptions?: Omit<
    CoordinationServerOptions,
    "id" | "voters" | "storage" | "transport" | "clients"
  >;
}

/**
 * Settings of {@link MemoryEnsemble.connect}: those of {@link @zab/core!connect}, with the
 * dialer and the members to try made optional.
 *
 * @since 0.1.0
 */
export interface MemoryEnsembleConnectOptions extends Omit<ConnectOptions, "dialer" | "members"> {
  /** Where the client dials. Default: a dialer of {@link MemoryEnsemble.clients}. */
  readonly dialer?: ConnectOptions["dialer"];
  /** The members to try, in order. Default: every voter, in id order. */
  readonly members?: readonly ServerId[];
}

/**
 * Real members running in this process, every one in the broadcast phase when it is handed out.
 *
 * @remarks
 * Disposal closes the sessions opened through {@link MemoryEnsemble.connect}, then every member;
 * it is idempotent, and members the test closed itself are closed again harmlessly.
 * @since 0.1.0
 */
export interface MemoryEnsemble extends AsyncDisposable {
  /** The voters' ids, 1 to `size`. */
  readonly voters: readonly ServerId[];
  /** The running members, in the order of {@link MemoryEnsemble.voters}. */
  readonly members: readonly CoordinationServer[];
  /** The peer network the members talk over: partition or slow it down. */
  readonly network: MemoryNetwork;
  /** The client network the members serve on: dial it, or cut a member off from its clients. */
  readonly clients: MemoryClientNetwork;
  /**
   * Opens a session as a remote client; disposing the ensemble closes it.
   *
   * @param options - Session settings; the dialer and the members to try default to the whole ensemble.
   * @returns The open session.
   * @throws {@link @zab/core!ZabError} as {@link @zab/core!connect} does.
   */
  connect(options?: MemoryEnsembleConnectOptions): Promise<Coordination>;
  /** Closes the sessions opened through {@link MemoryEnsemble.connect}, then stops every member. */
  close(): Promise<void>;
}

/**
 * Starts an ensemble of real members on memory storage and the in-process networks, and waits
 * until every member is in the broadcast phase.
 *
 * @param options - The size, how long to wait for the members, and settings every member gets.
 * @returns The running ensemble; dispose it (`await using`) to stop it.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` for a bad `size`; `Error` when a member is not in the broadcast phase within `readyTimeoutMs` (the
 *   members are stopped first); what {@link @zab/core!CoordinationServer.start} throws.
 * @example
 * ```ts
 * import { startMemoryEnsemble } from "@zab/testkit";
 *
 * await using ensemble = await startMemoryEnsemble({ size: 3 });
 * const session = await ensemble.connect({ sessionTimeoutMs: 5_000 });
 * await session.create("/jobs");
 * const leader = ensemble.members.find((member) => member.status.role === "leading");
 * await leader?.close(); // the session moves to another member
 * ```
 * @since 0.1.0
 */
export async function startMemoryEnsemble(options: MemoryEnsembleOptions = {}): Promise<MemoryEnsemble> {
  const { size = 3, readyTimeoutMs = 10_000, memberOptions = {} } = options;
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new ZabError("Invalid", `size must be a positive safe integer, got ${size}`);
  }
  const voters = Array.from({ length: size }, (_, index) => serverId(index + 1));
  const network = new MemoryNetwork();
  const clients = new MemoryClientNetwork();
  const members: CoordinationServer[] = [];
  const sessions: Coordination[] = [];
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all(sessions.map((session) => session.close()));
      await Promise.all(members.map((member) => member.close()));
    })();
    return closing;
  };
  try {
    for (const id of voters) {
      members.push(
        await CoordinationServer.start({
          tickMs: 10,
          sessionTimeoutMinMs: 200,
          ...memberOptions,
          id,
          voters,
          storage: openMemoryStorage(new MemoryDataDir()),
          transport: network.transport(id),
          clients: clients.acceptor(id),
        }),
      );
    }
    await waitUntil(
      () => (members.every((member) => member.status.phase === "broadcast") ? true : undefined),
      {
        timeoutMs: readyTimeoutMs,
        what: "every member to reach the broadcast phase",
      },
    );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    voters,
    members,
    network,
    clients,
    connect: async (connectOptions = {}) => {
      const session = await connect({
        ...connectOptions,
        dialer: connectOptions.dialer ?? clients.dialer(),
        members: connectOptions.members ?? voters,
      });
      sessions.push(session);
      return session;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
