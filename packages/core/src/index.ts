/**
 * ZooKeeper's ZAB protocol for Node.js: the wire messages and codec, durable storage, and (as
 * they land) the pure protocol state machine, the replicated data tree, the server runtime and
 * the client.
 *
 * @example
 * ```ts
 * import { zxid, epoch, formatZxid } from "@zab/core";
 * formatZxid(zxid(epoch(1), 42)); // "0x000000010000002a"
 * ```
 * @packageDocumentation
 */
export { AssertionError, assert, assertNever } from "./assert.js";
export { ZabError, type ZabErrorCode } from "./errors.js";
export {
  type ElectionRound,
  type Epoch,
  electionRound,
  epoch,
  type ServerId,
  type SessionId,
  serverId,
  sessionId,
  UINT32_MAX,
} from "./protocol/ids.js";
export type {
  Ack,
  AckEpoch,
  AckNewLeader,
  Commit,
  Diff,
  FollowerInfo,
  Inform,
  LeaderInfo,
  LearnerRole,
  NewLeader,
  Notification,
  PeerMessage,
  PeerState,
  Ping,
  Proposal,
  Request,
  Revalidate,
  RevalidateReply,
  Snap,
  SnapChunk,
  Trunc,
  Txn,
  UpToDate,
} from "./protocol/messages.js";
export {
  compareZxid,
  counterOf,
  epochOf,
  formatZxid,
  ZXID_ZERO,
  type Zxid,
  zxid,
  zxidFromBigInt,
} from "./protocol/zxid.js";
export type { ResolvedZabConfig, ZabConfig } from "./protocol/config.js";
export { resolveZabConfig } from "./protocol/config.js";
export { isNextZxid } from "./protocol/history.js";
export type {
  Applied,
  ForwardedRequest,
  NumberedWrite,
  Outbound,
  Phase,
  Ready,
  Role,
  StorageWrite,
  Transition,
} from "./protocol/ready.js";
export type { StateMachine } from "./protocol/state-machine.js";
export { isBetterVote, isSameVote, type Vote } from "./protocol/vote.js";
export { type ProposeResult, type RestoredState, ZabNode } from "./protocol/zab-node.js";
