/**
 * The settings every TCP endpoint shares, and their defaults.
 *
 * @module
 */
import { FRAME_BYTES_MAX_DEFAULT, type Logger, ZabError } from "@zab/core";
import { LENGTH_PREFIX_BYTES } from "./frame-decoder.js";
import type { PeerListenOptions } from "./tcp-peer-transport.js";
import type { TcpSecurityOptions } from "./tcp-security.js";

/**
 * Settings shared by {@link listenPeers}, {@link listenClients} and {@link tcpClientDialer}:
 * authentication, logging and limits. Defaults are in {@link tcpDefaults}.
 *
 * @since 0.1.0
 */
export interface TcpEndpointOptions extends TcpSecurityOptions {
  /** Where refusals, broken channels and the `insecure` warning are logged. Default: nowhere. */
  readonly logger?: Logger;
  /**
   * The largest frame accepted or sent, in bytes. A longer incoming length prefix closes the
   * connection before any of the frame is buffered; sending a longer frame breaks the channel.
   */
  readonly frameBytesMax?: number;
  /**
   * The most bytes queued towards one connection and not yet taken by the kernel. A frame that
   * would cross it breaks the channel (a peer that stops reading costs its connection, never
   * unbounded memory). At least `frameBytesMax + 4`.
   */
  readonly bufferedBytesMax?: number;
  /**
   * How long a connection may take from the TCP connect to the end of the handshake (TLS
   * included), in milliseconds; a slower one is closed.
   */
  readonly handshakeTimeoutMs?: number;
}

/**
 * Defaults of the TCP settings.
 *
 * @remarks
 * - `frameBytesMax`: core's {@link FRAME_BYTES_MAX_DEFAULT} (4 MiB).
 * - `bufferedBytesMax`: 64 MiB, as core's local channel. A leader synchronizing a learner writes
 *   the whole DIFF (up to `syncDiffTxnsMax` proposals) or SNAP in one turn, and all of it counts
 *   until the kernel takes it; a small bound would break every sync of a large member.
 * - `handshakeTimeoutMs`: 5 s.
 * - `reconnectDelayMinMs` and `reconnectDelayMaxMs`: 100 ms doubling up to 5 s, with jitter.
 * @since 0.1.0
 */
export const tcpDefaults: Readonly<
  Required<
    Pick<
      PeerListenOptions,
      | "frameBytesMax"
      | "bufferedBytesMax"
      | "handshakeTimeoutMs"
      | "reconnectDelayMinMs"
      | "reconnectDelayMaxMs"
    >
  >
> = Object.freeze({
  frameBytesMax: FRAME_BYTES_MAX_DEFAULT,
  bufferedBytesMax: 64 * 1024 * 1024,
  handshakeTimeoutMs: 5_000,
  reconnectDelayMinMs: 100,
  reconnectDelayMaxMs: 5_000,
});

/**
 * The limits of an endpoint, complete and checked.
 *
 * @since 0.1.0
 * @internal
 */
export interface ResolvedLimits {
  readonly frameBytesMax: number;
  readonly bufferedBytesMax: number;
  readonly handshakeTimeoutMs: number;
}

/**
 * Fills in the defaults of the limits and checks them.
 *
 * @param options - The endpoint's options.
 * @returns The limits.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` for a limit that is not a positive integer, or a
 *   buffer bound too small for one frame of the largest size.
 * @since 0.1.0
 * @internal
 */
export function resolveLimits(options: TcpEndpointOptions): ResolvedLimits {
  const limits: ResolvedLimits = {
    frameBytesMax: options.frameBytesMax ?? tcpDefaults.frameBytesMax,
    bufferedBytesMax: options.bufferedBytesMax ?? tcpDefaults.bufferedBytesMax,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? tcpDefaults.handshakeTimeoutMs,
  };
  for (const [name, value] of Object.entries(limits)) positiveInteger(name, value);
  if (limits.frameBytesMax > 0xffff_ffff) {
    throw new ZabError("Invalid", "frameBytesMax must fit the 4-byte length prefix");
  }
  if (limits.bufferedBytesMax < limits.frameBytesMax + LENGTH_PREFIX_BYTES) {
    throw new ZabError(
      "Invalid",
      `bufferedBytesMax (${limits.bufferedBytesMax}) must hold one frame of frameBytesMax (${limits.frameBytesMax}) and its prefix`,
    );
  }
  return limits;
}

/**
 * Checks that a setting is a positive safe integer.
 *
 * @param name - The setting, for the message.
 * @param value - Its value.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` otherwise.
 * @since 0.1.0
 * @internal
 */
export function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ZabError("Invalid", `${name} must be a positive integer, got ${value}`);
  }
}
