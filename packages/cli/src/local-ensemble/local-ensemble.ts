/**
 * A whole ensemble on this machine: members as `zab serve` child processes on loopback TCP (or
 * over a NATS server), with their data in a directory of their own. The demo, the process-level fault tests and the
 * headline benchmark all run on one.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ClientDialer,
  type ConnectOptions,
  type Coordination,
  connect,
  type MemberStatus,
  queryMemberStatus,
  type ServerId,
  serverId,
} from "@zab/core";
import { natsClientDialer } from "@zab/transport-nats";
import { tcpClientDialer } from "@zab/transport-tcp";
import { freePorts, LOOPBACK } from "./free-ports.js";
import { type MemberExit, MemberProcess } from "./member-process.js";

/**
 * A client dialer of a {@link LocalEnsemble}, whichever its transport.
 *
 * @since 0.1.0
 */
export interface LocalDialer extends ClientDialer {
  /** Closes its connections. */
  close(): Promise<void>;
}

/**
 * Settings of {@link LocalEnsemble.start}.
 *
 * @since 0.1.0
 */
export interface LocalEnsembleOptions {
  /**
   * Run the members over NATS rather than loopback TCP: the NATS server(s) (which must be
   * reachable) and the cluster name (default: a fresh random one).
   */
  readonly nats?: {
    /** The NATS server URL(s). */
    readonly servers: string | readonly string[];
    /** The cluster name (NATS subjects `zab.<cluster>.*`). */
    readonly cluster?: string;
    /** A token the NATS server requires (`authorization { token }`); members and clients give it. */
    readonly token?: string;
  };
  /** How many voting members. Default 3. */
  readonly size?: number;
  /** Where the config and the members' data go; a new temporary directory (removed at stop) by default. */
  readonly dir?: string;
  /** Milliseconds per protocol tick. Default 50. */
  readonly tickMs?: number;
  /** The shortest session timeout members grant. Default 1,000 ms. */
  readonly sessionTimeoutMinMs?: number;
  /** Receives every line a member logs. Default: dropped. */
  readonly onLog?: (member: ServerId, line: string) => void;
  /** How long a member may take to print its ready line. Default 20,000 ms. */
  readonly readyTimeoutMs?: number;
}

/**
 * An ensemble of `zab serve` processes on loopback, and the client side to talk to it.
 *
 * @example
 * ```ts
 * await using ensemble = await LocalEnsemble.start({ size: 3 });
 * const leader = await ensemble.waitForLeader();
 * await using session = await ensemble.connect();
 * await session.create("/hello");
 * await ensemble.kill(leader); // SIGKILL
 * ```
 * @since 0.1.0
 */
export class LocalEnsemble implements AsyncDisposable {
  /** The members' ids, 1 to size. */
  readonly ids: readonly ServerId[];
  /** The directory holding the config and the members' data. */
  readonly dir: string;
  /** The config file every member and client reads. */
  readonly configPath: string;
  /** Each member's client port (none over NATS). */
  readonly clientPorts: ReadonlyMap<ServerId, number>;
  /** The transport the members run over. */
  readonly transport: "tcp" | "nats";
  readonly #secret: string;
  readonly #ownsDir: boolean;
  readonly #options: LocalEnsembleOptions;
  readonly #processes = new Map<ServerId, MemberProcess>();
  #natsCluster: string | undefined;
  readonly #dialers: LocalDialer[] = [];

  private constructor(
    fields: Pick<LocalEnsemble, "ids" | "dir" | "configPath" | "clientPorts" | "transport">,
    secret: string,
    ownsDir: boolean,
    options: LocalEnsembleOptions,
  ) {
    this.ids = fields.ids;
    this.dir = fields.dir;
    this.configPath = fields.configPath;
    this.clientPorts = fields.clientPorts;
    this.transport = fields.transport;
    this.#secret = secret;
    this.#ownsDir = ownsDir;
    this.#options = options;
  }

  /**
   * Writes a config for `size` members on free loopback ports, starts every member, and waits
   * for each one's ready line.
   *
   * @param options - Size, directory, ticks and where logs go.
   * @returns The running ensemble; stop it with {@link LocalEnsemble.stop} or `await using`.
   */
  static async start(options: LocalEnsembleOptions = {}): Promise<LocalEnsemble> {
    const size = options.size ?? 3;
    const ownsDir = options.dir === undefined;
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "zab-ensemble-")));
    const ports = await freePorts(size * 2);
    const ids = Array.from({ length: size }, (_, index) => serverId(index + 1));
    const secret = randomBytes(24).toString("base64url");
    const nats = options.nats;
    const members = Object.fromEntries(
      ids.map((id, index) => [
        String(id),
        nats === undefined
          ? { host: LOOPBACK, peerPort: ports[index * 2], clientPort: ports[index * 2 + 1] }
          : {},
      ]),
    );
    const configPath = join(dir, "zab.json");
    const config = {
      transport: nats === undefined ? "tcp" : "nats",
      ...(nats === undefined
        ? {}
        : {
            nats: {
              servers: typeof nats.servers === "string" ? [nats.servers] : nats.servers,
              cluster: nats.cluster ?? `local-${randomBytes(6).toString("hex")}`,
              ...(nats.token === undefined ? {} : { token: nats.token }),
            },
          }),
      members,
      security: { secret },
      tickMs: options.tickMs ?? 50,
      sessionTimeoutMinMs: options.sessionTimeoutMinMs ?? 1_000,
    };
    await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    const clientPorts =
      nats === undefined
        ? new Map(ids.map((id, index) => [id, ports[index * 2 + 1] ?? 0] as const))
        : new Map<ServerId, number>();
    const transport = nats === undefined ? "tcp" : "nats";
    const ensemble = new LocalEnsemble(
      { ids, dir, configPath, clientPorts, transport },
      secret,
      ownsDir,
      options,
    );
    ensemble.#natsCluster = (config as { nats?: { cluster: string } }).nats?.cluster;
    try {
      await Promise.all(ids.map((id) => ensemble.startMember(id)));
    } catch (error) {
      await ensemble.stop();
      throw error;
    }
    return ensemble;
  }

  /**
   * Starts a member (again, after a kill: on the data it kept) and waits for its ready line.
   *
   * @param id - The member.
   */
  async startMember(id: ServerId): Promise<void> {
    if (this.#processes.get(id)?.running === true) throw new Error(`member ${id} is already running`);
    const dataDir = join(this.dir, `member-${id}`);
    await mkdir(dataDir, { recursive: true });
    const onLog = this.#options.onLog;
    const member = new MemberProcess(
      id,
      ["--config", this.configPath, "--id", String(id), "--data-dir", dataDir],
      (line) => onLog?.(id, line),
    );
    this.#processes.set(id, member);
    const timeoutMs = this.#options.readyTimeoutMs ?? 20_000;
    const timer = setTimeout(() => member.signal("SIGKILL"), timeoutMs);
    try {
      await member.ready;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The process id of a running member.
   *
   * @param id - The member.
   * @returns Its PID, or `undefined` when it is not running.
   */
  pid(id: ServerId): number | undefined {
    const member = this.#processes.get(id);
    return member?.running === true ? member.pid : undefined;
  }

  /**
   * Ends a member with a signal and waits until its process is gone.
   *
   * @param id - The member.
   * @param signal - Default SIGKILL: a crash, nothing flushed, nothing closed.
   * @returns How it ended.
   */
  async kill(id: ServerId, signal: NodeJS.Signals = "SIGKILL"): Promise<MemberExit> {
    const member = this.#member(id);
    member.signal(signal);
    return member.exited;
  }

  /**
   * Freezes a member's process (SIGSTOP): it keeps its sockets and answers nothing.
   *
   * @param id - The member.
   */
  pause(id: ServerId): void {
    this.#member(id).signal("SIGSTOP");
  }

  /**
   * Lets a frozen member run again (SIGCONT).
   *
   * @param id - The member.
   */
  resume(id: ServerId): void {
    this.#member(id).signal("SIGCONT");
  }

  /**
   * A client dialer for this ensemble (its client ports, or NATS); {@link LocalEnsemble.stop}
   * closes it.
   *
   * @returns The dialer.
   */
  dialer(): LocalDialer {
    const nats = this.#options.nats;
    let dialer: LocalDialer;
    if (nats === undefined || this.#natsCluster === undefined) {
      const members = Object.fromEntries(
        [...this.clientPorts].map(([id, port]) => [id, { host: LOOPBACK, port }]),
      );
      dialer = tcpClientDialer({ members, secret: this.#secret });
    } else {
      dialer = natsClientDialer({
        servers: nats.servers,
        cluster: this.#natsCluster,
        secret: this.#secret,
        connection: nats.token === undefined ? {} : { token: nats.token },
      });
    }
    this.#dialers.push(dialer);
    return dialer;
  }

  /**
   * Opens a session with the ensemble.
   *
   * @param options - Session settings; `members` defaults to every member, in order.
   * @returns The session.
   */
  connect(options: Partial<ConnectOptions> = {}): Promise<Coordination> {
    return connect({ members: this.ids, ...options, dialer: options.dialer ?? this.dialer() });
  }

  /**
   * Asks a member how it is doing, over its client port.
   *
   * @param id - The member.
   * @param timeoutMs - How long to wait for the answer. Default 2,000.
   * @returns Its status, or `undefined` when it does not answer in time.
   */
  async status(id: ServerId, timeoutMs = 2_000): Promise<MemberStatus | undefined> {
    const dialer = this.dialer();
    try {
      return await queryMemberStatus({ dialer, member: id, signal: AbortSignal.timeout(timeoutMs) });
    } catch {
      return undefined;
    } finally {
      this.#dialers.splice(this.#dialers.indexOf(dialer), 1);
      await dialer.close();
    }
  }

  /**
   * Waits until one member leads in broadcast with a quorum of members following it in
   * broadcast.
   *
   * @param options - `timeoutMs` (default 20,000) and `among`: the members to ask (default all).
   * @returns The leader.
   * @throws Error when no leader with a quorum shows up in time.
   */
  async waitForLeader(
    options: { readonly timeoutMs?: number; readonly among?: readonly ServerId[] } = {},
  ): Promise<ServerId> {
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    const among = options.among ?? this.ids;
    const quorum = Math.floor(this.ids.length / 2) + 1;
    while (Date.now() < deadline) {
      const statuses = (await Promise.all(among.map((id) => this.status(id, 500)))).filter(
        (status): status is MemberStatus => status !== undefined,
      );
      const leader = statuses.find((status) => status.role === "leading" && status.phase === "broadcast");
      const serving = statuses.filter(
        (status) => status.phase === "broadcast" && status.leader === leader?.serverId,
      );
      if (leader !== undefined && serving.length >= quorum) return leader.serverId;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error("no leader with a quorum of members within the timeout");
  }

  /**
   * Waits until every member serves (in broadcast) at one applied zxid.
   *
   * @param timeoutMs - How long to wait. Default 20,000.
   * @returns Every member's status at that moment, in id order.
   * @throws Error when the members do not converge in time.
   */
  async waitUntilCaughtUp(timeoutMs = 20_000): Promise<MemberStatus[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const statuses = await Promise.all(this.ids.map((id) => this.status(id)));
      const zxids = new Set(statuses.map((status) => status?.appliedZxid));
      const serving = statuses.filter((status): status is MemberStatus => status?.phase === "broadcast");
      if (serving.length === statuses.length && zxids.size === 1) return serving;
      if (Date.now() > deadline) throw new Error(`the members did not converge within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Stops every member with SIGTERM (SIGKILL for one that has not exited after 10 s), closes the
   * dialers, and removes the directory if the ensemble made it. Idempotent.
   */
  async stop(): Promise<void> {
    await Promise.all(this.#dialers.splice(0).map((dialer) => dialer.close()));
    await Promise.all(
      [...this.#processes.values()].map(async (member) => {
        member.signal("SIGCONT");
        member.signal("SIGTERM");
        const timer = setTimeout(() => member.signal("SIGKILL"), 10_000);
        await member.exited;
        clearTimeout(timer);
      }),
    );
    if (this.#ownsDir) await rm(this.dir, { recursive: true, force: true });
  }

  /** Same as {@link LocalEnsemble.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #member(id: ServerId): MemberProcess {
    const member = this.#processes.get(id);
    if (member === undefined) throw new Error(`member ${id} was never started`);
    return member;
  }
}
