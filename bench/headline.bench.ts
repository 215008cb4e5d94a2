/**
 * The headline benchmark: a real ensemble, as users run it.
 *
 * Three members are separate `zab serve` processes (started by `LocalEnsemble` from the CLI
 * sources) on loopback TCP with the shared-secret handshake (or, with `--transport nats`, over a
 * nats-server this benchmark starts), each on its own file storage with
 * fdatasync on, default settings (tickMs 50). This process is the client: one remote session per
 * member over `@zab/transport-tcp`, calls spread round-robin over them, so two thirds of the
 * writes reach the leader forwarded by a follower. The load is that of `lib/load-levels.ts`:
 * setData of 100-byte values at concurrency 1, 16 and 128, and getData at 128. Each level also
 * reports the CPU time and system calls per operation of the client and of each member (from
 * `/proc`): with four processes on two cores, their sum per operation caps the throughput.
 *
 * Then failover: a session on the two followers keeps one write in flight; the leader is killed
 * with SIGKILL; the time from the kill to the first write that succeeds after it is one sample.
 * The killed member is restarted, and every member serves at one applied zxid before the next
 * round (a leader killed while a member is still catching up costs that member's sync too).
 *
 * @module
 */
import { LocalEnsemble } from "../packages/cli/src/local-ensemble/local-ensemble.js";
import { type Coordination, ZabError } from "../packages/core/src/index.js";
import { percentile, startNatsServer } from "../packages/testkit/src/index.js";
import { createZnodes, LEVEL_MS, runStandardLevels, VALUE_BYTES, ZNODES } from "./lib/load-levels.js";
import { printTable } from "./lib/table.js";

const FAILOVER_ROUNDS = 5;

export async function run(options: { readonly transport?: "tcp" | "nats" } = {}): Promise<void> {
  // Over NATS: a fresh nats-server of our own on a free port, never the machine's.
  await using nats = options.transport === "nats" ? await startNatsServer() : undefined;
  const over =
    nats === undefined
      ? "loopback TCP with a shared secret"
      : "NATS (a local nats-server, every message HMAC-authenticated)";
  await using ensemble = await LocalEnsemble.start({
    size: 3,
    ...(nats === undefined ? {} : { nats: { servers: nats.url } }),
  });
  await ensemble.waitUntilCaughtUp();
  const sessions: Coordination[] = [];
  try {
    for (const id of ensemble.ids) {
      sessions.push(
        await ensemble.connect({ members: [id, ...ensemble.ids.filter((other) => other !== id)] }),
      );
    }
    const paths = await createZnodes(sessions);
    const leader = await ensemble.waitForLeader();
    const processes = () => [
      { label: "client", pid: process.pid },
      ...ensemble.ids.flatMap((id) => {
        const pid = ensemble.pid(id);
        return pid === undefined ? [] : [{ label: `m${id}${id === leader ? " leader" : ""}`, pid }];
      }),
    ];
    const load = { sessions, paths, processes };
    const rows = await runStandardLevels(load);
    printTable(
      `Coordination API: ${ensemble.ids.length} members as separate processes (zab serve) over ${over}, ` +
        `file storage with fdatasync, default settings; ${VALUE_BYTES}-byte values on ` +
        `${ZNODES} znodes;\nthis process is the client: one session per member, calls round-robin ` +
        `(setData: 2/3 forwarded by a follower); ${LEVEL_MS / 1000} s per level`,
      rows,
    );
  } finally {
    await Promise.allSettled(sessions.map((session) => session.close()));
  }
  const samples: number[] = [];
  for (let round = 0; round < FAILOVER_ROUNDS; round += 1) samples.push(await failover(ensemble));
  printTable("Failover: SIGKILL of the leader to the first successful write after it", [
    {
      rounds: samples.length,
      "median ms": Math.round(
        percentile(
          [...samples].sort((a, b) => a - b),
          0.5,
        ),
      ),
      "max ms": Math.round(Math.max(...samples)),
      samples: samples.map((ms) => Math.round(ms)).join(", "),
    },
  ]);
}

/** One round: kill the leader under a steady writer, time the first write that succeeds after. */
async function failover(ensemble: LocalEnsemble): Promise<number> {
  const leader = await ensemble.waitForLeader();
  const followers = ensemble.ids.filter((id) => id !== leader);
  await using session = await ensemble.connect({ members: followers, requestTimeoutMs: 5_000 });
  let killedAt: number | undefined;
  let recoveredAt: number | undefined;
  const writer = (async () => {
    while (recoveredAt === undefined) {
      const began = performance.now();
      try {
        await session.setData("/bench", new Uint8Array(VALUE_BYTES));
        if (killedAt !== undefined && began >= killedAt) recoveredAt = performance.now();
      } catch (error) {
        if (!ZabError.isInstance(error)) throw error;
      }
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 200));
  killedAt = performance.now();
  await ensemble.kill(leader);
  await writer;
  await ensemble.startMember(leader);
  await ensemble.waitUntilCaughtUp();
  return (recoveredAt ?? Number.NaN) - killedAt;
}
