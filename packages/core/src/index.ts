/**
 * ZooKeeper's ZAB protocol for Node.js: the pure protocol state machine ({@link ZabNode}), the
 * server runtime that drives it ({@link ZabServer}), the wire messages and their codec, and
 * durable storage; the replicated data tree and the client follow as they land.
 *
 * How the pieces fit is described in the architecture notes:
 * [overview](../../../docs/architecture/overview.md),
 * [ZAB phase by phase](../../../docs/architecture/zab-phases.md),
 * [durability](../../../docs/architecture/durability.md),
 * [determinism](../../../docs/architecture/determinism.md) and
 * [wire format](../../../docs/architecture/wire-format.md).
 *
 * @example
 * ```ts
 * import { zxid, epoch, formatZxid } from "@zab/core";
 * formatZxid(zxid(epoch(1), 42)); // "0x000000010000002a"
 * ```
 * @packageDocumentation
 */
export { AssertionError, assert, assertNever } from "./assert.js";
export { type ConnectOptions, connect, connectDefaults } from "./client/client-session.js";
export {
  type CallOptions,
  type ConnectionState,
  type Coordination,
  type CreateOptions,
  type EventStream,
  MultiError,
  type NodeChildren,
  type NodeData,
  type NodeExistence,
  type ReadOptions,
  type ReadResult,
  type StatesOptions,
  type VersionOptions,
  type Watched,
  type WatchOptions,
} from "./client/coordination.js";
export {
  LOCAL_CHANNEL_BUFFERED_BYTES_MAX_DEFAULT,
  type LocalChannelOptions,
  localChannelPair,
} from "./client/local-channel.js";
export { type QueryMemberStatusOptions, queryMemberStatus } from "./client/query-member-status.js";
export {
  decodeClientToMember,
  decodeMemberToClient,
  decodeStatusResponse,
  encodeClientToMember,
  encodeMemberToClient,
  encodeStatusResponse,
  SESSION_PASSWORD_BYTES,
} from "./codec/client-codec.js";
export { FRAME_BYTES_MAX_DEFAULT, type FrameDecodeOptions, PROTOCOL_VERSION } from "./codec/frame.js";
export { decodePeerMessage, encodePeerMessage } from "./codec/peer-codec.js";
export { ZabError, type ZabErrorCode } from "./errors.js";
export { Counter } from "./metrics/counter.js";
export { PROMETHEUS_CONTENT_TYPE } from "./metrics/exposition-format.js";
export { Gauge } from "./metrics/gauge.js";
export { Histogram, type HistogramSnapshot } from "./metrics/histogram.js";
export {
  type CounterOptions,
  type GaugeOptions,
  type HistogramOptions,
  type MetricOptions,
  MetricsRegistry,
} from "./metrics/metrics-registry.js";
export type {
  ClientAcceptor,
  ClientChannel,
  ClientChannelListener,
  ClientDialer,
} from "./ports/client-channel.js";
export { type Clock, systemClock, type TimerHandle } from "./ports/clock.js";
export type { EpochStore } from "./ports/epoch-store.js";
export { type Logger, silentLogger } from "./ports/logger.js";
export type { PeerTransport, PeerTransportListener } from "./ports/peer-transport.js";
export type { SkippedSnapshot, Snapshot, SnapshotLoad, SnapshotStore } from "./ports/snapshot-store.js";
export type { OpenedStorage, PurgeResult, RecoveryEvent, Storage, StorageRecovery } from "./ports/storage.js";
export type { TxnLog, TxnLogReadRange } from "./ports/txn-log.js";
export type {
  AddWatchMode,
  AddWatchOp,
  AddWatchResult,
  CheckOp,
  CheckResult,
  ClientOp,
  ClientReply,
  ClientRequest,
  ClientToMemberMessage,
  CloseSessionOp,
  CloseSessionResult,
  ConnectRequest,
  ConnectResponse,
  CreateMode,
  CreateOp,
  CreateResult,
  DeleteOp,
  DeleteResult,
  ExistsOp,
  ExistsResult,
  GetChildrenOp,
  GetChildrenResult,
  GetDataOp,
  GetDataResult,
  MemberStatus,
  MemberToClientMessage,
  MultiItemOp,
  MultiItemOutcome,
  MultiOp,
  MultiResult,
  OpError,
  OpName,
  OpResult,
  PingOp,
  PingResult,
  RemoveWatchesOp,
  RemoveWatchesResult,
  SetDataOp,
  SetDataResult,
  Stat,
  StatusRequest,
  StatusResponse,
  SyncOp,
  SyncResult,
  WatchEvent,
  WatchEventType,
  WatcherType,
} from "./protocol/client-messages.js";
export type { ResolvedZabConfig, ZabConfig } from "./protocol/config.js";
export { resolveZabConfig } from "./protocol/config.js";
export type { DigestCheckStats, DigestMismatch } from "./protocol/digest-check.js";
export { isNextZxid } from "./protocol/history.js";
export {
  type Brand,
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
  StateDigest,
  Trunc,
  Txn,
  UpToDate,
} from "./protocol/messages.js";
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
export {
  CoordinationMember,
  type CoordinationMemberOptions,
  type CoordinationSettings,
  type RoleAndPhase,
  type ZabRuntimeView,
} from "./server/coordination-member.js";
export { CoordinationServer, type CoordinationServerOptions } from "./server/coordination-server.js";
export { sessionExpiryGraceMs } from "./server/session-expiry.js";
export {
  ZabServer,
  type ZabServerHooks,
  type ZabServerOptions,
  type ZabServerStatus,
} from "./server/zab-server.js";
export {
  type FileStorage,
  type FileStorageOptions,
  fileStorageDefaults,
  openFileStorage,
} from "./storage/file-storage.js";
export type { FileTxnLogStats } from "./storage/file-txn-log.js";
export {
  type MemoryCrashOptions,
  MemoryDataDir,
  type MemoryDataDirOptions,
} from "./storage/memory-data-dir.js";
export { type MemoryStorageOptions, openMemoryStorage } from "./storage/memory-storage.js";
export { type DeliveryTime, PeerDelivery, type PeerDeliveryLink } from "./transport/peer-delivery.js";
export { DataTree, type DataTreeOptions } from "./tree/data-tree.js";
export { nodeName, parentOf, SEQUENCE_MAX, sequentialPath, validatePath } from "./tree/path.js";
export { validateTreeOp } from "./tree/request-validation.js";
export type {
  AttachSessionResult,
  CreateSessionResult,
  TreeApplied,
  TreeChange,
  TreeOutcome,
} from "./tree/tree-applied.js";
export { TREE_LIMITS_DEFAULT, type TreeLimits, treeLimits } from "./tree/tree-limits.js";
export type { TreeSession } from "./tree/tree-session.js";
export type {
  AttachSessionTxnOp,
  CloseSessionTxnOp,
  CreateSessionTxnOp,
  TreeTxn,
  TreeTxnOp,
} from "./tree/tree-txn.js";
export { decodeTreeTxn, encodeTreeTxn } from "./tree/tree-txn-codec.js";
export { untilAborted } from "./until-aborted.js";
