/**
 * The binary encoding of the messages ensemble members exchange ({@link PeerMessage}).
 *
 * Type codes reuse ZooKeeper's packet numbers from `Leader.java` where ZooKeeper has the packet
 * (PROPOSAL is 2, COMMIT is 4, …), so a packet capture reads the same; the messages ZooKeeper
 * sends differently (the election notification, the ACK of NEWLEADER, snapshot chunks, the
 * revalidation answer) take numbers ZooKeeper does not use. The byte layout of each message is
 * described in `docs/architecture/wire-format.md`.
 *
 * @module
 */
import { assertNever } from "../assert.js";
import type { ElectionRound, Epoch, ServerId, SessionId } from "../protocol/ids.js";
import type { LearnerRole, PeerMessage, PeerState, Ping, Txn } from "../protocol/messages.js";
import type { Zxid } from "../protocol/zxid.js";
import { decodeFrame, encodeFrame, type FrameDecodeOptions } from "./frame.js";
import type { FrameReader } from "./frame-reader.js";
import type { FrameSink } from "./frame-writer.js";
import { SERVER_ID_RANGE } from "./wire-domains.js";
import { wireEnum } from "./wire-enum.js";

const PEER_TYPES = wireEnum<PeerMessage["kind"]>({
  request: 1,
  proposal: 2,
  ack: 3,
  commit: 4,
  ping: 5,
  revalidate: 6,
  inform: 8,
  newLeader: 10,
  followerInfo: 11,
  upToDate: 12,
  diff: 13,
  trunc: 14,
  snap: 15,
  leaderInfo: 17,
  ackEpoch: 18,
  // ZooKeeper uses 19 (INFORMANDACTIVATE) and has no packets of its own for these.
  ackNewLeader: 20,
  snapChunk: 21,
  revalidateReply: 22,
  notification: 23,
});

/** The order of ZooKeeper's `QuorumPeer.ServerState`. */
const PEER_STATES = wireEnum<PeerState>({ looking: 0, following: 1, leading: 2, observing: 3 });

const LEARNER_ROLES = wireEnum<LearnerRole>({ follower: 0, observer: 1 });

/**
 * Encodes a peer message as one frame.
 *
 * @remarks
 * The result is a new buffer of exactly the frame's size, owned by the caller. Byte fields are
 * copied into it, so the message may be reused afterwards.
 * @param message - The message.
 * @returns The frame: version byte, type byte, then the fields in order.
 * @throws {@link ZabError} with code `"Invalid"` when a field is outside its wire domain, such
 *   as a server id of 0 or a `requestId` that does not fit in 64 unsigned bits.
 * @example
 * ```ts
 * import { decodePeerMessage, encodePeerMessage, zxid, epoch } from "@zab/core";
 * const frame = encodePeerMessage({ kind: "commit", zxid: zxid(epoch(1), 7) });
 * decodePeerMessage(frame); // { kind: "commit", zxid: 4294967303n }
 * ```
 * @see {@link https://zookeeper.apache.org/doc/current/zookeeperInternals.html | ZooKeeper internals}
 * @since 0.1.0
 */
export function encodePeerMessage(message: PeerMessage): Uint8Array {
  return encodeFrame(PEER_TYPES, message.kind, (sink) => writePeerBody(sink, message));
}

/**
 * Decodes one frame as a peer message.
 *
 * @remarks
 * The frame is checked against `frameBytesMax` before it is parsed, and decoding is strict: the
 * version must be {@link PROTOCOL_VERSION}, the type known, every length within the frame, every
 * boolean 0 or 1, every enum code known, every server id from 1 to 2^31 - 1, and no byte may
 * follow the message. Byte fields of the result are copies, so the caller may reuse `frame`.
 * zxids, session ids and election rounds come back as exact bigints.
 * @param frame - One whole frame, as delimited by the transport.
 * @param options - The frame size limit.
 * @returns The message.
 * @throws {@link ZabError} with code `"BadFrame"` for any frame that is not exactly one valid
 *   message; the message names the field and byte offset at fault. Nothing else is thrown.
 * @since 0.1.0
 */
export function decodePeerMessage(frame: Uint8Array, options?: FrameDecodeOptions): PeerMessage {
  return decodeFrame(frame, "peer frame", PEER_TYPES, options, readPeerBody);
}

function writePeerBody(sink: FrameSink, message: PeerMessage): void {
  switch (message.kind) {
    case "notification":
      sink.u32("leader", message.leader, SERVER_ID_RANGE);
      sink.u64("zxid", message.zxid);
      sink.u32("peerEpoch", message.peerEpoch);
      sink.u64("round", message.round);
      sink.enum("state", PEER_STATES, message.state);
      return;
    case "followerInfo":
      sink.enum("role", LEARNER_ROLES, message.role);
      sink.u32("acceptedEpoch", message.acceptedEpoch);
      sink.u64("lastZxid", message.lastZxid);
      return;
    case "leaderInfo":
      sink.u32("newEpoch", message.newEpoch);
      return;
    case "ackEpoch":
      sink.u32("currentEpoch", message.currentEpoch);
      sink.u64("lastZxid", message.lastZxid);
      return;
    case "diff":
      sink.u64("lastZxid", message.lastZxid);
      return;
    case "trunc":
      sink.u64("truncZxid", message.truncZxid);
      return;
    case "snap":
      sink.u64("zxid", message.zxid);
      sink.safeInteger("snapshotBytes", message.snapshotBytes);
      return;
    case "snapChunk":
      sink.bytes("data", message.data);
      sink.bool("last", message.last);
      return;
    case "newLeader":
    case "ackNewLeader":
      sink.u32("epoch", message.epoch);
      return;
    case "upToDate":
      return;
    case "proposal":
    case "inform":
      writeTxn(sink, message.txn);
      return;
    case "ack":
    case "commit":
      sink.u64("zxid", message.zxid);
      return;
    case "ping":
      sink.u64("lastZxid", message.lastZxid);
      sink.array("touchedSessions", message.touchedSessions, (element, session) => {
        element.u64("touchedSessions[]", session);
      });
      // Optional fields go last, behind a presence byte, so a ping without one pays one byte.
      sink.bool("hasDigest", message.digest !== undefined);
      if (message.digest !== undefined) {
        sink.u64("digest.zxid", message.digest.zxid);
        sink.u64("digest.digest", message.digest.digest);
      }
      return;
    case "request":
      sink.u64("requestId", message.requestId);
      sink.bytes("payload", message.payload);
      return;
    case "revalidate":
      sink.u64("sessionId", message.sessionId);
      sink.u32("timeoutMs", message.timeoutMs);
      return;
    case "revalidateReply":
      sink.u64("sessionId", message.sessionId);
      sink.bool("valid", message.valid);
      return;
    default:
      assertNever(message);
  }
}

// Object literals evaluate their properties in source order, so each literal below reads its
// fields in exactly the order writePeerBody wrote them.
function readPeerBody(reader: FrameReader, kind: PeerMessage["kind"]): PeerMessage {
  switch (kind) {
    case "notification":
      return {
        kind,
        leader: reader.u32("leader", SERVER_ID_RANGE) as ServerId,
        zxid: reader.u64("zxid") as Zxid,
        peerEpoch: reader.u32("peerEpoch") as Epoch,
        round: reader.u64("round") as ElectionRound,
        state: reader.enum("state", PEER_STATES),
      };
    case "followerInfo":
      return {
        kind,
        role: reader.enum("role", LEARNER_ROLES),
        acceptedEpoch: reader.u32("acceptedEpoch") as Epoch,
        lastZxid: reader.u64("lastZxid") as Zxid,
      };
    case "leaderInfo":
      return { kind, newEpoch: reader.u32("newEpoch") as Epoch };
    case "ackEpoch":
      return {
        kind,
        currentEpoch: reader.u32("currentEpoch") as Epoch,
        lastZxid: reader.u64("lastZxid") as Zxid,
      };
    case "diff":
      return { kind, lastZxid: reader.u64("lastZxid") as Zxid };
    case "trunc":
      return { kind, truncZxid: reader.u64("truncZxid") as Zxid };
    case "snap":
      return { kind, zxid: reader.u64("zxid") as Zxid, snapshotBytes: reader.safeInteger("snapshotBytes") };
    case "snapChunk":
      return { kind, data: reader.bytes("data"), last: reader.bool("last") };
    case "newLeader":
    case "ackNewLeader":
      return { kind, epoch: reader.u32("epoch") as Epoch };
    case "upToDate":
      return { kind };
    case "proposal":
    case "inform":
      return { kind, txn: readTxn(reader) };
    case "ack":
    case "commit":
      return { kind, zxid: reader.u64("zxid") as Zxid };
    case "ping": {
      const ping: Ping = {
        kind,
        lastZxid: reader.u64("lastZxid") as Zxid,
        touchedSessions: reader.array(
          "touchedSessions",
          8,
          (element) => element.u64("touchedSessions[]") as SessionId,
        ),
      };
      // An absent digest stays absent rather than `digest: undefined`, like the ping that was sent.
      if (!reader.bool("hasDigest")) return ping;
      return {
        ...ping,
        digest: { zxid: reader.u64("digest.zxid") as Zxid, digest: reader.u64("digest.digest") },
      };
    }
    case "request":
      return { kind, requestId: reader.u64("requestId"), payload: reader.bytes("payload") };
    case "revalidate":
      return { kind, sessionId: reader.u64("sessionId") as SessionId, timeoutMs: reader.u32("timeoutMs") };
    case "revalidateReply":
      return { kind, sessionId: reader.u64("sessionId") as SessionId, valid: reader.bool("valid") };
    default:
      return assertNever(kind);
  }
}

function writeTxn(sink: FrameSink, txn: Txn): void {
  sink.u64("txn.zxid", txn.zxid);
  sink.bytes("txn.payload", txn.payload);
}

function readTxn(reader: FrameReader): Txn {
  return { zxid: reader.u64("txn.zxid") as Zxid, payload: reader.bytes("txn.payload") };
}
