/**
 * A member that serves the Coordination API: the ZAB runtime with the data tree as its state
 * machine, client sessions, watches and session expiry.
 *
 * @module
 */
import { type ConnectOptions, connect } from "../client/client-session.js";
import type { Coordination } from "../client/coordination.js";
import { localChannelPair } from "../client/local-channel.js";
import { ZabError } from "../errors.js";
import { MetricsRegistry } from "../metrics/metrics-registry.js";
import type { ClientAcceptor, ClientChannel, ClientDialer } from "../ports/client-channel.js";
import { systemClock } from "../ports/clock.js";
import { resolveZabConfig } from "../protocol/config.js";
import type { ServerId } from "../protocol/ids.js";
import type { TreeApplied } from "../tree/tree-applied.js";
import { CoordinationMember, type CoordinationSettings } from "./coordination-member.js";
import { sessionExpiryGraceMs } from "./session-expiry.js";
import { ZabServer, type ZabServerOptions, type ZabServerStatus } from "./zab-server.js";

/**
 * Settings of a {@link CoordinationServer}: those of {@link ZabServer} (membership, ticks,
 * storage, transport), and the client side.
 *
 * @since 0.1.0
 */
export interface CoordinationServerOptions
  extends Omit<ZabServerOptions<TreeApplied>, "stateMachine" | "hooks">,
    CoordinationSettings {
  /** Where remote clients connect (from a transport package). Embedded sessions need none. */
  readonly clients?: ClientAcceptor;
}

/**
 * One ensemble member serving the Coordination API.
 *
 * @remarks
 * Writes from any member's clients go to the leader and are answered once the serving member
 * applied them; reads are answered from the member's applied tree, in the session's order.
 * While it leads, the member expires sessions nobody heard from within their timeout and
 * proposes their closing, which deletes their ephemeral nodes everywhere. A member that loses its
 * leader closes its client connections: clients move their sessions to another member.
 * @example
 * ```ts
 * import { CoordinationServer, openFileStorage, serverId } from "@zab/core";
 *
 * const member = await CoordinationServer.start({
 *   id: serverId(1),
 *   voters: [serverId(1), serverId(2), serverId(3)],
 *   storage: await openFileStorage({ dir: "/var/lib/zab" }),
 *   transport, // from @zab/transport-tcp or @zab/transport-nats
 * });
 * ```
 * @since 0.1.0
 */
export class CoordinationServer implements AsyncDisposable {
  /**
   * The member's metrics, for a Prometheus scrape: `metrics.render()` is the `/metrics` body.
   *
   * @remarks
   * Those of its {@link ZabServer} (see {@link ZabServer.metrics}) and of the session layer:
   * sessions, client connections, watches, client requests by operation and client traffic. The
   * registry passed as the `metrics` option, or a new one.
   * @since 0.1.0
   */
  readonly metrics: MetricsRegistry;
  readonly #member: CoordinationMember;
  readonly #id: ServerId;
  #server: ZabServer<TreeApplied> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  private constructor(options: CoordinationServerOptions) {
    this.#id = options.id;
    this.metrics = options.metrics ?? new MetricsRegistry();
    this.#member = new CoordinationMember({
      ...options,
      clock: systemClock,
      metrics: this.metrics,
      expiryGraceMs:
        options.expiryGraceMs ??
        sessionExpiryGraceMs(options.tickMs ?? 50, resolveZabConfig(options).syncLimitTicks),
    });
  }

  /**
   * Recovers a member from its storage and starts it.
   *
   * @param options - Membership, ticks, storage, transport and the client side.
   * @returns The running member.
   * @remarks
   * The member owns `transport` and `storage` from the call on: when it cannot start, it closes
   * both before rejecting (the client acceptor stays the caller's).
   * @throws {@link ZabError} with code `"Invalid"` for bad settings, `"Corrupt"` when the stored
   * history is unusable.
   */
  static async start(options: CoordinationServerOptions): Promise<CoordinationServer> {
    let coordination: CoordinationServer;
    try {
      coordination = new CoordinationServer(options);
    } catch (error) {
      // Refused settings: release the directory lock and the transport, as ZabServer.start does
      // for the failures it sees, so a caller never has to tell who owned what.
      await options.transport[Symbol.asyncDispose]();
      await options.storage.storage.close();
      throw error;
    }
    const member = coordination.#member;
    const server = await ZabServer.start<TreeApplied>({
      ...options,
      metrics: coordination.metrics,
      stateMachine: member.stateMachine,
      hooks: member.hooks,
    });
    coordination.#server = server;
    member.bind({
      status: () => server.status,
      submit: (payload) => {
        // A member shutting down (or stopped by a storage failure) takes no more writes; the
        // client sees ConnectionLoss and moves on.
        if (server.failure !== undefined) return { kind: "rejected", reason: "notReady" };
        try {
          return server.submit(payload);
        } catch (error) {
          if (ZabError.isInstance(error, "Closed")) return { kind: "rejected", reason: "notReady" };
          throw error;
        }
      },
      touchSessions: (sessions) => server.touchSessions(sessions),
      serverStatus: () => server.status,
    });
    coordination.#timer = setInterval(() => member.tick(), options.tickMs ?? 50);
    options.clients?.accept((channel) => member.accept(channel));
    return coordination;
  }

  /** What this member is doing now. */
  get status(): ZabServerStatus {
    return this.#zab.status;
  }

  /**
   * The storage failure that stopped this member, if one did (see {@link ZabServer.failure}).
   *
   * @since 0.1.0
   */
  get failure(): ZabError | undefined {
    return this.#zab.failure;
  }

  /**
   * Resolves once the member has stopped: closed, or stopped by a storage failure (then
   * {@link CoordinationServer.failure} says why). A process that runs a member waits on it to
   * exit rather than linger as a member that no longer takes part.
   *
   * @since 0.1.0
   */
  get closed(): Promise<void> {
    return this.#zab.closed;
  }

  /** The digest of the applied data tree; equal on every member at the same zxid. */
  digest(): bigint {
    return this.#member.digest();
  }

  /**
   * Opens a session on this member from inside its own process (embedded mode): the same
   * Coordination API a remote client gets, over an in-process channel.
   *
   * @remarks
   * The session lives on this member only: if the member loses its leader, the session is
   * suspended until the member serves again (or expires). Applications that must ride out the
   * loss of their own member connect as remote clients to several members instead.
   * @param options - Session settings (timeout, per-call timeout, limits, signal).
   * @returns The open session; close it with `close()` or `await using`.
   * @throws {@link ZabError} with code `"ConnectionLoss"` when no session could be opened within
   *   the session timeout, `"Aborted"` when `signal` fired.
   * @example
   * ```ts
   * await using session = await member.session();
   * await session.create("/config", { data: new TextEncoder().encode("{}") });
   * ```
   */
  session(options: Omit<ConnectOptions, "dialer" | "members"> = {}): Promise<Coordination> {
    const dialer: ClientDialer = {
      dial: async () => {
        const [client, member] = localChannelPair();
        this.accept(member);
        return client;
      },
    };
    return connect({ ...options, dialer, members: [this.#id] });
  }

  /**
   * Serves one client channel (remote clients arrive through the acceptor; embedded sessions
   * hand their channel here).
   *
   * @param channel - The channel; the member starts listening on it.
   */
  accept(channel: ClientChannel): void {
    this.#member.accept(channel);
  }

  /** Stops serving clients, then stops the member. Idempotent. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#member.close();
    await this.#server?.close();
  }

  /** Same as {@link CoordinationServer.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  get #zab(): ZabServer<TreeApplied> {
    const server = this.#server;
    if (server === undefined) throw new Error("the member has not started");
    return server;
  }
}
