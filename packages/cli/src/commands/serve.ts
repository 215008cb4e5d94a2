/**
 * `zab serve`: run one ensemble member until SIGINT or SIGTERM.
 *
 * @module
 */

import { resolve } from "node:path";
import { formatZxid, type Logger, serverId } from "@zab/core";
import { type AdminServer, startAdminServer } from "../admin/admin-server.js";
import { membersFromFlags } from "../args/member-flag.js";
import { NATS_OPTIONS, NATS_USAGE, natsFromFlags } from "../args/nats-flags.js";
import { integerFlag, parseCommandArgs, positionalArgs } from "../args/parse-command-args.js";
import { SECURITY_OPTIONS, securityFromFlags } from "../args/security-flags.js";
import type { CommandIo } from "../command-io.js";
import { readConfigFile } from "../config/config-file.js";
import { choiceField } from "../config/json-fields.js";
import { loadNatsConnection } from "../config/load-nats-connection.js";
import { loadSecurity } from "../config/load-security.js";
import { completeServeConfig, type ServeConfig, type ServeSettings } from "../config/serve-settings.js";
import { EXIT_STATUS } from "../exit-status.js";
import { lineLogger } from "../log/line-logger.js";
import { type RunningMember, startMember } from "../serve/start-member.js";
import type { Command } from "./command.js";

const OPTIONS = {
  config: { type: "string" },
  id: { type: "string" },
  ...NATS_OPTIONS,
  member: { type: "string", multiple: true },
  "data-dir": { type: "string" },
  ...SECURITY_OPTIONS,
  "tick-ms": { type: "string" },
  "session-timeout-min-ms": { type: "string" },
  "session-timeout-max-ms": { type: "string" },
  "log-format": { type: "string" },
  "log-level": { type: "string" },
  "admin-port": { type: "string" },
} as const;

const MILLISECONDS = { min: 1, max: 0x7fff_ffff } as const;

/**
 * `zab serve`.
 *
 * @since 0.1.0
 * @internal
 */
export const serveCommand: Command = {
  name: "serve",
  summary: "run one ensemble member until SIGINT or SIGTERM",
  usage: `usage: zab serve --config FILE [--id ID] [--data-dir DIR] [FLAGS]
       zab serve --id ID --member ID=HOST:PEER_PORT:CLIENT_PORT[:observer]... --data-dir DIR AUTH [FLAGS]
       zab serve --transport nats --nats URL[,URL] --cluster NAME --id ID --member ID[:observer]...
                 --data-dir DIR --secret S|--secret-file F [FLAGS]

Runs one member of the ensemble: the member with id ID, listening on its peer and client ports,
keeping its state in DIR. Prints one line to stdout once it listens, logs to stderr, and exits 0
after a clean shutdown on SIGINT or SIGTERM (member closed, data directory released).

  --config FILE                 the ensemble's config file (see the README); flags override it
  --id ID                       the member this process runs
${NATS_USAGE}
  --member ID=HOST:PEER:CLIENT  one member (repeat for each); ":observer" makes it an observer;
                                over NATS just ID[:observer]: members have no address
  --data-dir DIR                where the member keeps its log, snapshots and epochs
  --secret S | --secret-file F | --tls-cert F --tls-key F --tls-ca F | --insecure
                                how members and clients authenticate
  --tick-ms N                   milliseconds per protocol tick (default 50)
  --session-timeout-min-ms N    shortest session timeout granted (default 1000)
  --session-timeout-max-ms N    longest session timeout granted (default 60000)
  --log-format text|json        log lines readable (default) or as JSON
  --log-level debug|info|warn|error   least severe level logged (default info)
  --admin-port N                serve GET /health, /status and /metrics (Prometheus) over HTTP
                                on 127.0.0.1:N (0: any free port); off by default`,
  run: serve,
};

async function serve(args: readonly string[], io: CommandIo): Promise<number> {
  const config = await serveConfig(args);
  const security = await loadSecurity(config.security);
  const natsConnection = config.nats === undefined ? {} : await loadNatsConnection(config.nats);
  const logger = lineLogger({
    format: config.logFormat,
    level: config.logLevel,
    sink: io.stderr,
    base: { member: config.id },
  });
  const member = await startMember(config, security, natsConnection, logger);
  let admin: AdminServer | undefined;
  try {
    admin =
      config.adminPort === undefined ? undefined : await startMemberAdmin(member, config.adminPort, logger);
  } catch (error) {
    await member.close();
    throw error;
  }
  io.stdout.write(`${readyLine(config, member, admin)}\n`);
  const stopped = await untilStopped(member, io.signal);
  await admin?.close();
  const status = member.server.status;
  logger.info(
    { role: status.role, appliedZxid: formatZxid(status.appliedZxid) },
    stopped === "signal" ? "shutting down" : "the member stopped; shutting down",
  );
  await member.close();
  const failure = member.server.failure;
  if (failure !== undefined) throw failure;
  logger.info({}, "stopped");
  return EXIT_STATUS.ok;
}

/** The one line `serve` prints when it listens, for people and for scripts that wait on it. */
function readyLine(config: ServeConfig, member: RunningMember, admin: AdminServer | undefined): string {
  const peers = member.peerEndpoint;
  const clients = member.clientEndpoint;
  const adminPart = admin === undefined ? "" : `, admin ${admin.url}`;
  return `zab member ${config.id} ready: peers ${peers}, clients ${clients}${adminPart}, data ${member.dataDir}`;
}

/** The admin endpoint of a running member: healthy while it serves, its status, its metrics. */
function startMemberAdmin(member: RunningMember, port: number, logger: Logger): Promise<AdminServer> {
  const { server } = member;
  return startAdminServer({
    port,
    logger,
    health: () => {
      const { phase } = server.status;
      if (server.failure !== undefined)
        return { ok: false, reason: `storage failed: ${server.failure.message}` };
      return phase === "broadcast" ? { ok: true } : { ok: false, reason: `not serving: in ${phase}` };
    },
    status: () => server.status,
    metrics: () => server.metrics.render(),
  });
}

/** Waits for the stop signal, or for the member to stop by itself (a storage failure). */
function untilStopped(member: RunningMember, signal: AbortSignal): Promise<"signal" | "member"> {
  if (signal.aborted) return Promise.resolve("signal");
  return new Promise((resolveStop) => {
    const onAbort = (): void => resolveStop("signal");
    signal.addEventListener("abort", onAbort, { once: true });
    void member.server.closed.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolveStop("member");
    });
  });
}

/** Combines the config file (if any) and the flags into a checked configuration. */
async function serveConfig(args: readonly string[]): Promise<ServeConfig> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  positionalArgs(positionals, []);
  const file: ServeSettings = values.config === undefined ? {} : await readConfigFile(values.config);
  const flags: ServeSettings = {
    id: optional(integerFlag("id", values.id, { min: 1, max: 0x7fff_ffff }), serverId),
    ...natsFromFlags(values),
    members: membersFromFlags(values.member),
    dataDir: optional(values["data-dir"], (dir) => resolve(dir)),
    security: securityFromFlags(values),
    tickMs: integerFlag("tick-ms", values["tick-ms"], MILLISECONDS),
    sessionTimeoutMinMs: integerFlag(
      "session-timeout-min-ms",
      values["session-timeout-min-ms"],
      MILLISECONDS,
    ),
    sessionTimeoutMaxMs: integerFlag(
      "session-timeout-max-ms",
      values["session-timeout-max-ms"],
      MILLISECONDS,
    ),
    logFormat: optional(values["log-format"], (format) =>
      choiceField(format, "--log-format", ["text", "json"]),
    ),
    logLevel: optional(values["log-level"], (level) =>
      choiceField(level, "--log-level", ["debug", "info", "warn", "error"]),
    ),
    adminPort: integerFlag("admin-port", values["admin-port"], { min: 0, max: 65_535 }),
  };
  return completeServeConfig(file, flags);
}

function optional<T, R>(value: T | undefined, convert: (value: T) => R): R | undefined {
  return value === undefined ? undefined : convert(value);
}
