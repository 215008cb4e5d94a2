/**
 * The admin HTTP endpoint of one member: health for load balancers and orchestrators, status as
 * JSON for people and scripts, and metrics for Prometheus.
 *
 * Off by default and bound to loopback when on: it answers anyone who can reach it, without
 * authentication, so reaching it from elsewhere is an explicit choice (`allowRemote`), and a
 * reverse proxy or a scrape agent on the same machine is the usual way in.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Logger, PROMETHEUS_CONTENT_TYPE, ZabError } from "@zab/core";
import { isLoopbackHost } from "./loopback-host.js";

/**
 * Whether the member can serve, as `GET /health` reports it.
 *
 * @since 0.1.0
 */
export interface AdminHealth {
  /** True when the member serves clients (for a ZAB member: in broadcast, not stopped). */
  readonly ok: boolean;
  /** Why it does not, for the 503 body; ignored when `ok`. */
  readonly reason?: string;
}

/**
 * Settings of {@link startAdminServer}.
 *
 * @since 0.1.0
 */
export interface AdminServerOptions {
  /**
   * The address to bind. Default `127.0.0.1`. Anything but a loopback address (127.0.0.0/8,
   * `::1`, `localhost`) is refused unless {@link AdminServerOptions.allowRemote} is set.
   */
  readonly host?: string;
  /** The port to bind; 0 picks a free one (see {@link AdminServer.port}). */
  readonly port: number;
  /**
   * Allows a host other machines can reach. The endpoint has no authentication, so this is for
   * a network only trusted parties reach; a warning is logged. Default false.
   */
  readonly allowRemote?: boolean;
  /**
   * The most client connections open at once; more are refused until one closes, so that a
   * misbehaving scraper cannot take the member's file descriptors. Default
   * {@link ADMIN_CONNECTIONS_MAX_DEFAULT}.
   */
  readonly connectionsMax?: number;
  /** Whether the member serves: called on every `GET /health`. */
  health(): AdminHealth;
  /**
   * The member's status: called on every `GET /status` and sent as JSON. Bigints (zxids,
   * session ids) are sent as decimal strings, since JSON has no 64-bit integers.
   */
  status(): unknown;
  /** The Prometheus text (such as `MetricsRegistry.render()`): called on every `GET /metrics`. */
  metrics(): string;
  /** Where to log the address bound, a remote bind, and callbacks that threw. */
  readonly logger: Logger;
  /** Stops the server when aborted, whether it is still binding or already running. */
  readonly signal?: AbortSignal;
}

/**
 * A running admin endpoint.
 *
 * @since 0.1.0
 */
export interface AdminServer extends AsyncDisposable {
  /** The address bound, as the operating system reports it (`127.0.0.1`, `::1`, ...). */
  readonly host: string;
  /** The port bound: the one asked for, or the one picked for port 0. */
  readonly port: number;
  /** The base URL, such as `http://127.0.0.1:9090` (IPv6 hosts in brackets). */
  readonly url: string;
  /** Stops accepting, closes open connections and resolves once the port is released. Idempotent. */
  close(): Promise<void>;
}

/**
 * Default of {@link AdminServerOptions.connectionsMax}: a scraper, a health checker and a
 * person with curl need a handful.
 *
 * @since 0.1.0
 */
export const ADMIN_CONNECTIONS_MAX_DEFAULT = 16;

/** A client gets this long to send its request headers: nothing legitimate needs more. */
const HEADERS_TIMEOUT_MS = 5_000;
/** And this long for the whole request; every route answers at once. */
const REQUEST_TIMEOUT_MS = 10_000;

type Reply = { readonly status: number; readonly type: string; readonly body: string };
type Route = (options: AdminServerOptions) => Reply;

const TEXT = "text/plain; charset=utf-8";

const ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  [
    "/health",
    ({ health }) => {
      const { ok, reason } = health();
      return ok
        ? { status: 200, type: TEXT, body: "ok\n" }
        : { status: 503, type: TEXT, body: `${reason ?? "not serving"}\n` };
    },
  ],
  [
    "/status",
    ({ status }) => ({
      status: 200,
      type: "application/json; charset=utf-8",
      body: `${JSON.stringify(status(), bigintAsString)}\n`,
    }),
  ],
  ["/metrics", ({ metrics }) => ({ status: 200, type: PROMETHEUS_CONTENT_TYPE, body: metrics() })],
]);

/**
 * Starts the admin HTTP endpoint of a member.
 *
 * @remarks
 * Routes, all `GET` (any other method gets 405 with `Allow: GET`, any other path 404):
 * - `/health`: 200 `ok` while `health()` says so, else 503 with its reason;
 * - `/status`: 200 with `status()` as JSON;
 * - `/metrics`: 200 with `metrics()` as Prometheus text format 0.0.4.
 *
 * A callback that throws gets a 500 and an error log; the server keeps running. Answers are
 * never cached. The server holds no state of its own: every request calls a callback.
 * @param options - Address, callbacks, logger and an optional signal.
 * @returns The running server, once bound.
 * @throws {@link ZabError} with code `"Invalid"` for a non-loopback host without `allowRemote`,
 *   or a bad port or `connectionsMax`; the bind error (such as `EADDRINUSE`); the signal's reason
 *   when it was aborted before the server was bound.
 * @example
 * ```ts
 * await using admin = await startAdminServer({
 *   port: 9090,
 *   health: () => ({ ok: member.status.phase === "broadcast", reason: member.status.phase }),
 *   status: () => member.status,
 *   metrics: () => member.metrics.render(),
 *   logger,
 * });
 * // curl http://127.0.0.1:9090/metrics
 * ```
 * @since 0.1.0
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const { port, logger, signal } = options;
  const host = options.host ?? "127.0.0.1";
  const connectionsMax = options.connectionsMax ?? ADMIN_CONNECTIONS_MAX_DEFAULT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ZabError("Invalid", `the admin port must be an integer from 0 to 65535, got ${port}`);
  }
  if (!Number.isSafeInteger(connectionsMax) || connectionsMax < 1) {
    throw new ZabError("Invalid", `connectionsMax must be a positive integer, got ${connectionsMax}`);
  }
  if (!isLoopbackHost(host)) {
    if (options.allowRemote !== true) {
      throw new ZabError(
        "Invalid",
        `the admin endpoint binds to loopback only; ${host} is not a loopback address (allowRemote to override)`,
      );
    }
    logger.warn(
      { host, port },
      `the admin endpoint listens on ${host}, reachable from other machines, with no authentication`,
    );
  }

  const server = createServer((request, response) => answer(request, response, options));
  server.maxConnections = connectionsMax;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      server.off("listening", onListening);
      server.off("error", onError);
      server.close();
      reject(signal?.reason);
    };
    const onError = (error: Error) => {
      server.off("listening", onListening);
      signal?.removeEventListener("abort", onAbort);
      reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    signal?.addEventListener("abort", onAbort, { once: true });
    server.listen({ host, port });
  });
  // A running server hardly ever fails, but an unheard error event would crash the process.
  server.on("error", (error) => logger.error({ error: error.message }, "the admin endpoint failed"));

  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      signal?.removeEventListener("abort", onAbort);
      // The error a server that is not running reports is moot: it is closed either way.
      server.close(() => resolve());
      // Keep-alive connections would hold the port until they time out.
      server.closeAllConnections();
    });
    return closing;
  };
  const onAbort = () => void close();
  signal?.addEventListener("abort", onAbort, { once: true });
  logger.info({ url }, `admin endpoint listening on ${url}`);
  return {
    host: address.address,
    port: address.port,
    url,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function answer(request: IncomingMessage, response: ServerResponse, options: AdminServerOptions): void {
  // Nothing reads a request body; drain it so the connection can serve the next request.
  request.resume();
  const path = (request.url ?? "/").split("?", 1)[0] ?? "/";
  const route = ROUTES.get(path);
  if (route === undefined) {
    reply(response, { status: 404, type: TEXT, body: "not found: try /health, /status or /metrics\n" });
    return;
  }
  if (request.method !== "GET") {
    response.setHeader("allow", "GET");
    reply(response, { status: 405, type: TEXT, body: "method not allowed: use GET\n" });
    return;
  }
  let result: Reply;
  try {
    result = route(options);
  } catch (error) {
    // The member's own state failed to render: report it, and stay up for the next request.
    options.logger.error({ path, error: String(error) }, `the admin endpoint could not answer ${path}`);
    result = { status: 500, type: TEXT, body: "internal error\n" };
  }
  reply(response, result);
}

function reply(response: ServerResponse, { status, type, body }: Reply): void {
  response.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  response.end(body);
}

/** A JSON replacer: bigints, which `JSON.stringify` refuses, as decimal strings. */
function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
