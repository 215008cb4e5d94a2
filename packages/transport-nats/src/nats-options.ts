/**
 * The settings every NATS endpoint shares (members' peer transports, members' client acceptors,
 * clients' dialers), and their defaults.
 *
 * @module
 */
import type { ConnectionOptions } from "@nats-io/transport-node";
import { FRAME_BYTES_MAX_DEFAULT, type Logger, ZabError } from "@zab/core";
import { checkClusterName } from "./subjects.js";

/**
 * Options passed through to the NATS client's `connect`: credentials, TLS, reconnection and
 * keep-alive. zab sets `servers` itself, and `maxReconnectAttempts: -1` unless given.
 *
 * @remarks
 * Credentials work as in `@nats-io/transport-node`: `user`/`pass`, `token`, or an
 * `authenticator` (`credsAuthenticator` for a `.creds` file, `nkeyAuthenticator`,
 * `jwtAuthenticator`, all exported by `@nats-io/transport-node`); `tls` takes Node's TLS options
 * (`ca`, `cert`, `key`, …). These admit the endpoint to the NATS server; the cluster secret is
 * what admits it to the ensemble.
 * @since 0.1.0
 */
export type NatsConnectionOptions = Pick<
  ConnectionOptions,
  | "authenticator"
  | "user"
  | "pass"
  | "token"
  | "tls"
  | "name"
  | "timeout"
  | "pingInterval"
  | "maxPingOut"
  | "maxReconnectAttempts"
  | "reconnectTimeWait"
  | "reconnectJitter"
  | "reconnectJitterTLS"
  | "noRandomize"
  | "ignoreClusterUpdates"
  | "inboxPrefix"
>;

/**
 * Settings every NATS endpoint takes. Defaults are in {@link natsDefaults}.
 *
 * @since 0.1.0
 */
export interface NatsEndpointOptions {
  /** The NATS server URL(s), such as `"nats://127.0.0.1:4222"`; the client picks one and fails over. */
  readonly servers: string | readonly string[];
  /** The cluster name: subjects live under `zab.<cluster>.`; letters, digits, `-`, `_`. */
  readonly cluster: string;
  /**
   * The cluster secret every message is authenticated with (HMAC-SHA256); a string is used as
   * its UTF-8 bytes. Not empty; use 32 random bytes.
   */
  readonly secret: string | Uint8Array;
  /** Passed to the NATS client: credentials, TLS, reconnection. */
  readonly connection?: NatsConnectionOptions;
  /** Where refusals (forged, replayed, malformed messages) and broken channels are logged. Default: nowhere. */
  readonly logger?: Logger;
  /**
   * The largest frame accepted or sent, in bytes. Frames above NATS `max_payload` travel in
   * chunks; a longer frame breaks the channel, and a longer announced length is refused before
   * any of it is buffered.
   */
  readonly frameBytesMax?: number;
  /**
   * The most frame bytes one channel has sent and not yet seen acknowledged as delivered (the
   * other end acknowledges what its listener took). A send that would cross it breaks the
   * channel: a peer that stops reading costs its channel, never unbounded memory. At least
   * `frameBytesMax`.
   */
  readonly bufferedBytesMax?: number;
  /** How long the three-way handshake of a new channel may take, in milliseconds. */
  readonly handshakeTimeoutMs?: number;
  /** How often a quiet channel sends a ping (and any pending acknowledgement), in milliseconds. */
  readonly heartbeatIntervalMs?: number;
  /**
   * How long a channel may hear nothing from the other end before it is closed as broken, in
   * milliseconds: how a crashed peer (which sends no close) is noticed. More than twice
   * `heartbeatIntervalMs`.
   */
  readonly peerSilenceMaxMs?: number;
}

/**
 * Defaults of the NATS settings.
 *
 * @remarks
 * - `frameBytesMax`: core's {@link @zab/core!FRAME_BYTES_MAX_DEFAULT} (4 MiB), above the NATS
 *   default `max_payload` of 1 MiB, so large frames (snapshots) travel in chunks.
 * - `bufferedBytesMax`: 64 MiB, as the TCP transport: a leader writes a whole DIFF or SNAP in
 *   one turn.
 * - `handshakeTimeoutMs`: 5 s.
 * - `heartbeatIntervalMs`: 1 s; `peerSilenceMaxMs`: 5 s.
 * @since 0.1.0
 */
export const natsDefaults: Readonly<
  Required<
    Pick<
      NatsEndpointOptions,
      "frameBytesMax" | "bufferedBytesMax" | "handshakeTimeoutMs" | "heartbeatIntervalMs" | "peerSilenceMaxMs"
    >
  >
> = Object.freeze({
  frameBytesMax: FRAME_BYTES_MAX_DEFAULT,
  bufferedBytesMax: 64 * 1024 * 1024,
  handshakeTimeoutMs: 5_000,
  heartbeatIntervalMs: 1_000,
  peerSilenceMaxMs: 5_000,
});

/**
 * An endpoint's settings, complete and checked.
 *
 * @since 0.1.0
 * @internal
 */
export interface ResolvedNatsOptions {
  readonly servers: string[];
  readonly cluster: string;
  readonly secret: Uint8Array;
  readonly connection: NatsConnectionOptions;
  readonly frameBytesMax: number;
  readonly bufferedBytesMax: number;
  readonly handshakeTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly peerSilenceMaxMs: number;
}

/**
 * Fills in the defaults and checks every setting.
 *
 * @param options - The endpoint's options.
 * @returns The settings.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` for no server, a bad cluster name, an
 *   empty secret, a limit that is not a positive integer, or limits that contradict each other.
 * @since 0.1.0
 * @internal
 */
export function resolveNatsOptions(options: NatsEndpointOptions): ResolvedNatsOptions {
  const servers = typeof options.servers === "string" ? [options.servers] : [...options.servers];
  if (servers.length === 0 || servers.some((server) => server.trim().length === 0)) {
    throw new ZabError("Invalid", "give at least one NATS server URL, none empty");
  }
  if ((options.secret as unknown) === undefined) {
    throw new ZabError("Invalid", "the cluster secret is required: every message is authenticated with it");
  }
  const secret = Uint8Array.from(
    typeof options.secret === "string" ? new TextEncoder().encode(options.secret) : options.secret,
  );
  if (secret.byteLength === 0) throw new ZabError("Invalid", "the cluster secret must not be empty");
  const resolved: ResolvedNatsOptions = {
    servers,
    cluster: checkClusterName(options.cluster),
    secret,
    connection: options.connection ?? {},
    frameBytesMax: options.frameBytesMax ?? natsDefaults.frameBytesMax,
    bufferedBytesMax: options.bufferedBytesMax ?? natsDefaults.bufferedBytesMax,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? natsDefaults.handshakeTimeoutMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? natsDefaults.heartbeatIntervalMs,
    peerSilenceMaxMs: options.peerSilenceMaxMs ?? natsDefaults.peerSilenceMaxMs,
  };
  for (const name of [
    "frameBytesMax",
    "bufferedBytesMax",
    "handshakeTimeoutMs",
    "heartbeatIntervalMs",
    "peerSilenceMaxMs",
  ] as const) {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ZabError("Invalid", `${name} must be a positive integer, got ${value}`);
    }
  }
  if (resolved.bufferedBytesMax < resolved.frameBytesMax) {
    throw new ZabError(
      "Invalid",
      `bufferedBytesMax (${resolved.bufferedBytesMax}) must hold one frame of frameBytesMax (${resolved.frameBytesMax})`,
    );
  }
  if (resolved.peerSilenceMaxMs <= 2 * resolved.heartbeatIntervalMs) {
    throw new ZabError(
      "Invalid",
      `peerSilenceMaxMs (${resolved.peerSilenceMaxMs}) must be more than twice heartbeatIntervalMs (${resolved.heartbeatIntervalMs}): one lost ping must not break a channel`,
    );
  }
  return resolved;
}
