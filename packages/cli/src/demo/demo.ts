/**
 * `zab demo`: a scripted tour of what ZAB does, on a real ensemble of three processes on loopback
 * TCP — writes, a watch firing, the leader killed with SIGKILL, a new leader, no acknowledged
 * write lost, the old leader restarted and caught up, and fifty workers meeting at a double
 * barrier.
 *
 * @module
 */
import { type Coordination, formatZxid, type ServerId, ZabError, type Zxid } from "@zab/core";
import { LocalEnsemble } from "../local-ensemble/local-ensemble.js";
import { barrierStep } from "./barrier-step.js";
import { type DemoNatsServer, findNatsServer, startDemoNatsServer } from "./demo-nats-server.js";

/**
 * What {@link runDemo} needs from its caller.
 *
 * @since 0.1.0
 */
export interface DemoOptions {
  /** Receives each line of the narration. */
  readonly print: (line: string) => void;
  /** Stops the demo early (everything it started is stopped). */
  readonly signal?: AbortSignal;
  /**
   * Run the members over NATS rather than loopback TCP: over the server(s) given (which must be
   * reachable), or else over a `nats-server` the demo starts on a free loopback port and kills at
   * its end (when the binary is installed; without it, `nats://127.0.0.1:4222` is tried).
   */
  readonly nats?: {
    /** The NATS server URL(s); absent: the demo's own server. */
    readonly servers?: string | readonly string[] | undefined;
  };
}

const encoder = new TextEncoder();
const WRITERS = 8;
const WRITES_BEFORE_CRASH = 300;
const WRITES_AFTER_CRASH = 300;

/**
 * Runs the demo to its end.
 *
 * @param options - Where the narration goes, and a signal to stop.
 * @throws Error when something the demo checks does not hold (a lost write, no new leader).
 * @since 0.1.0
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const started = performance.now();
  const say = (line: string) => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(5);
    options.print(`[${seconds}s] ${line}`);
  };
  await using natsServer =
    options.nats !== undefined && options.nats.servers === undefined ? await demoNatsServer(say) : undefined;
  const servers = options.nats?.servers ?? natsServer?.url ?? NATS_DEFAULT_URL;
  const over = options.nats === undefined ? "loopback TCP" : `NATS (${[servers].flat().join(", ")})`;
  say(`starting members 1, 2 and 3, each a \`zab serve\` process, over ${over}`);
  await using ensemble = await LocalEnsemble.start({
    size: 3,
    tickMs: 50,
    ...(options.nats === undefined ? {} : { nats: { servers } }),
  });
  options.signal?.throwIfAborted();
  say(`all three are listening (data in ${ensemble.dir}); they elect a leader…`);
  const leader = await ensemble.waitForLeader();
  const leaderStatus = await ensemble.status(leader);
  say(`member ${leader} leads epoch ${leaderStatus?.epoch}; the other two follow it`);

  // The client prefers a follower, so that it rides out the leader's crash on the same member.
  const followers = ensemble.ids.filter((id) => id !== leader);
  await using session = await ensemble.connect({
    members: [...followers, leader],
    sessionTimeoutMs: 10_000,
    requestTimeoutMs: 5_000,
  });
  say(`a client opens session 0x${session.sessionId.toString(16)} and watches /demo and everything under it`);
  const watched = { count: 0 };
  const watching = narrateWatch(session, watched, say);

  await session.create("/demo", { data: encoder.encode("a zab demo") });
  const config = await session.create("/demo/config", { data: encoder.encode("color=blue") });
  const { stat } = await session.getData(config);
  say(`created ${config} = "color=blue", committed by a quorum at zxid ${formatZxid(stat.czxid)}`);
  await session.create("/demo/log");

  const acknowledged = new Set<string>();
  const writer = new SteadyWriter(session, acknowledged);
  say(`${WRITERS} writers start adding entries under /demo/log, back to back`);
  await writer.until(() => acknowledged.size >= WRITES_BEFORE_CRASH);
  say(`  ${acknowledged.size} entries acknowledged so far`);

  say(`SIGKILL to the leader, member ${leader} (pid ${ensemble.pid(leader)}), while the writers keep going`);
  const states = narrateStates(session, say);
  const killedAt = performance.now();
  await ensemble.kill(leader);
  const newLeader = await ensemble.waitForLeader({ among: followers });
  const elected = await ensemble.status(newLeader);
  say(
    `member ${newLeader} leads epoch ${elected?.epoch}, ${Math.round(performance.now() - killedAt)} ms after the kill`,
  );
  const before = acknowledged.size;
  await writer.until(() => acknowledged.size >= before + WRITES_AFTER_CRASH);
  await writer.stop();
  say(
    `  the writers carried on: ${acknowledged.size} acknowledged in all; ${writer.failed} failed with ConnectionLoss while the session moved (those may or may not have committed)`,
  );

  say(`checking that every one of the ${acknowledged.size} acknowledged entries is still there…`);
  const { children } = await session.getChildren("/demo/log", { linearizable: true });
  const present = new Set(children.map((name) => `/demo/log/${name}`));
  const lost = [...acknowledged].filter((path) => !present.has(path));
  if (lost.length > 0) throw new Error(`${lost.length} acknowledged writes are missing, e.g. ${lost[0]}`);
  say(`  all there: ${present.size} entries, none acknowledged and lost`);

  say(`restarting member ${leader} on its data directory`);
  await ensemble.startMember(leader);
  const target = (await ensemble.status(newLeader))?.appliedZxid;
  const caughtUp = await waitForZxid(ensemble, leader, target);
  say(`member ${leader} is back as a follower and has caught up to zxid ${formatZxid(caughtUp)}`);
  await session.setData(config, encoder.encode("color=green"));
  say(`set ${config} = "color=green": the whole ensemble is serving again`);

  // Three creates, every entry, and the last setData: the watch saw each exactly once.
  const expectedEvents = 3 + present.size + 1;
  await writer.until(() => watched.count >= expectedEvents);
  await session.close();
  await Promise.all([watching, states]);
  if (watched.count !== expectedEvents) {
    throw new Error(`the watch delivered ${watched.count} events where ${expectedEvents} changes happened`);
  }
  say(`the watch delivered all ${watched.count} changes, in zxid order, across the failover, without a gap`);
  await barrierStep(ensemble, say);
  say("done: no acknowledged write was lost. Stopping every member.");
}

/** Where a NATS server usually listens, tried when the demo can start none of its own. */
const NATS_DEFAULT_URL = "nats://127.0.0.1:4222";

/** Starts the demo's own NATS server, or says why it cannot and that the default URL is tried. */
async function demoNatsServer(say: (line: string) => void): Promise<DemoNatsServer | undefined> {
  const binary = findNatsServer();
  if (binary === undefined) {
    say(`no nats-server binary found (install nats-server, or give --nats URL); trying ${NATS_DEFAULT_URL}`);
    return undefined;
  }
  const server = await startDemoNatsServer(binary);
  say(`started ${binary} on ${server.url} (pid ${server.pid}) for this demo; it stops at the end`);
  return server;
}

/** Writers that add sequential entries back to back, remembering those acknowledged. */
class SteadyWriter {
  /** Writes that failed with an unknown outcome. */
  failed = 0;
  #stopping = false;
  readonly #workers: Promise<void>[];

  constructor(
    private readonly session: Coordination,
    private readonly acknowledged: Set<string>,
  ) {
    this.#workers = Array.from({ length: WRITERS }, () => this.#work());
  }

  /** Resolves once `condition` holds (polled), while the writers run. */
  async until(condition: () => boolean): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error("the demo stalled: a condition did not hold within 30 s");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Stops the writers after their current write. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#workers);
  }

  async #work(): Promise<void> {
    while (!this.#stopping) {
      try {
        const path = await this.session.create("/demo/log/entry-", {
          data: encoder.encode(String(this.acknowledged.size)),
          mode: "persistentSequential",
        });
        this.acknowledged.add(path);
      } catch (error) {
        if (!ZabError.isInstance(error, "ConnectionLoss") && !ZabError.isInstance(error, "Timeout"))
          throw error;
        this.failed += 1;
      }
    }
  }
}

/** Prints the first few watch events and counts them all, until the session ends. */
async function narrateWatch(
  session: Coordination,
  watched: { count: number },
  say: (line: string) => void,
): Promise<void> {
  let last: Zxid | undefined;
  try {
    for await (const event of session.watch("/demo", { recursive: true })) {
      if (last !== undefined && event.zxid <= last) throw new Error("the watch went back in zxid order");
      last = event.zxid;
      watched.count += 1;
      if (watched.count <= 3) say(`  watch: ${event.type} ${event.path} at zxid ${formatZxid(event.zxid)}`);
      if (watched.count === 4) say("  watch: (more events; counting them quietly)");
    }
  } catch (error) {
    if (!ZabError.isInstance(error)) throw error;
  }
}

/** Prints the session's connection states as they change, until it ends. */
async function narrateStates(session: Coordination, say: (line: string) => void): Promise<void> {
  for await (const state of session.states()) {
    if (state === "suspended") say("  client: connection lost; the session is suspended, not gone");
    if (state === "reconnected") say("  client: reconnected, same session, nothing missed");
  }
}

/** Waits until a member has applied `zxid`, and returns what it applied. */
async function waitForZxid(ensemble: LocalEnsemble, id: ServerId, zxid: Zxid | undefined): Promise<Zxid> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const status = await ensemble.status(id);
    if (
      status !== undefined &&
      status.phase === "broadcast" &&
      zxid !== undefined &&
      status.appliedZxid >= zxid
    )
      return status.appliedZxid;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`member ${id} did not catch up within 20 s`);
}
