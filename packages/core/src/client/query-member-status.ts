/**
 * The client side of the status exchange: ask one member how it is doing, without a session.
 *
 * @module
 */
import { decodeStatusResponse, encodeClientToMember } from "../codec/client-codec.js";
import { FRAME_BYTES_MAX_DEFAULT } from "../codec/frame.js";
import { ZabError } from "../errors.js";
import type { ClientChannel, ClientDialer } from "../ports/client-channel.js";
import type { MemberStatus, StatusResponse } from "../protocol/client-messages.js";
import type { ServerId } from "../protocol/ids.js";
import { abortedError } from "./aborted-error.js";

/**
 * Settings of {@link queryMemberStatus}.
 *
 * @since 0.1.0
 */
export interface QueryMemberStatusOptions {
  /** Opens the channel: a transport's client side, as for {@link connect}. */
  readonly dialer: ClientDialer;
  /** The member to ask. */
  readonly member: ServerId;
  /**
   * Gives up: the query rejects with the signal's reason when it is a {@link ZabError}, else with
   * `"Aborted"`. Without a signal the query waits as long as the dialer and the channel do, so
   * pass one (`AbortSignal.timeout(ms)`) when a member may hang.
   */
  readonly signal?: AbortSignal;
  /** The largest frame accepted from the member, in bytes. Default 4 MiB. */
  readonly frameBytesMax?: number;
}

/**
 * Asks one member for its status: role, phase, leader, epoch, how far its history goes, and the
 * sessions, connections and watches it serves (ZooKeeper's `srvr` and `mntr`).
 *
 * @remarks
 * Opens a channel of its own, sends a status request as the first frame instead of a connect
 * request, and takes the one answer before the member hangs up. No session is created, so asking
 * changes none of the counts reported. A member answers whatever its role and phase, one still
 * electing a leader included, so an operator can query every member of a broken ensemble.
 * @param options - The dialer, the member and a signal.
 * @returns The member's status when it answered.
 * @throws {@link ZabError} with code `"ConnectionLoss"` when the member cannot be reached or hangs
 *   up without answering (it is shutting down), `"BadFrame"` when its answer does not decode (it
 *   speaks another protocol version, or is not a zab member), `"Aborted"` (or the signal's own
 *   {@link ZabError}) when `signal` fired.
 * @example
 * ```ts
 * import { queryMemberStatus, serverId, type ClientDialer } from "@zab/core";
 *
 * async function show(dialer: ClientDialer): Promise<void> {
 *   const status = await queryMemberStatus({ dialer, member: serverId(1), signal: AbortSignal.timeout(3_000) });
 *   console.log(`${status.role}/${status.phase}, leader ${status.leader ?? "none"}`);
 * }
 * ```
 * @since 0.1.0
 */
export async function queryMemberStatus(options: QueryMemberStatusOptions): Promise<MemberStatus> {
  const { dialer, member, signal } = options;
  const frameBytesMax = options.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT;
  const what = `the status query of member ${member}`;
  const channel = await dialer.dial(member, signal === undefined ? {} : { signal });
  // A dialer may finish after the signal fired; the listener below would never hear of it.
  if (signal?.aborted === true) {
    channel.close();
    throw abortedError(signal, what);
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    // Settles once, with whatever happens first: the answer, the channel's end, or the signal.
    const settle = (outcome: MemberStatus | ZabError): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      // The member hangs up after answering; closing our end too is idempotent either way.
      channel.close();
      if (outcome instanceof ZabError) reject(outcome);
      else resolve(outcome);
    };
    const onAbort = (): void => {
      if (signal !== undefined) settle(abortedError(signal, what));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    listenForStatus(channel, member, frameBytesMax, settle);
    channel.send(encodeClientToMember({ kind: "statusRequest" }));
  });
}

/** Tells `settle` what happens on the channel: the answer, an undecodable frame, or its end. */
function listenForStatus(
  channel: ClientChannel,
  member: ServerId,
  frameBytesMax: number,
  settle: (outcome: MemberStatus | ZabError) => void,
): void {
  channel.listen({
    frame: (frame) => {
      let response: StatusResponse;
      try {
        response = decodeStatusResponse(frame, { frameBytesMax });
      } catch (error) {
        // decodeStatusResponse throws nothing but BadFrame ZabErrors.
        settle(error as ZabError);
        return;
      }
      const { kind: _kind, ...status } = response;
      settle(status);
    },
    closed: () =>
      settle(
        new ZabError("ConnectionLoss", `member ${member} closed the channel without reporting its status`),
      ),
  });
}
