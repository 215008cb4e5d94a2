/**
 * The one error class for expected, typed failures.
 *
 * Codes mirror ZooKeeper's `KeeperException.Code` where one exists, so code written against
 * ZooKeeper or Curator ports over line for line.
 *
 * @module
 */

/**
 * Every code a {@link ZabError} can carry.
 *
 * - `NoNode`, `NodeExists`, `BadVersion`, `NotEmpty`, `NoChildrenForEphemerals`: data tree outcomes.
 * - `SessionExpired`, `SessionMoved`, `ConnectionLoss`, `Unavailable`, `Throttled`: session and
 *   ensemble state.
 * - `Invalid`: a bad argument (path syntax, oversize data, a limit exceeded).
 * - `RolledBack`: an operation of a multi that was not applied because another operation of the
 *   same multi failed (ZooKeeper's `RUNTIMEINCONSISTENCY`); the failing operation carries its own code.
 * - `Timeout`, `Aborted`, `Closed`: the caller's deadline, its AbortSignal, or a disposed handle.
 * - `BadFrame`: bytes that do not decode as a message of the protocol version spoken here.
 * - `Corrupt`: stored data that fails its checksum or structure checks.
 * - `Locked`: a data directory already in use by another process.
 * - `StorageFailed`: an I/O failure that makes the storage unusable (fail-stop).
 * - `WatchOverflow`: a persistent watch stream cannot go on without a gap: after a reconnection,
 *   the member no longer holds every change since the stream's last event, or the stream's
 *   consumer fell more events behind than its buffer holds. Read the node again and watch anew.
 *
 * @since 0.1.0
 */
export type ZabErrorCode =
  | "NoNode"
  | "NodeExists"
  | "BadVersion"
  | "NotEmpty"
  | "NoChildrenForEphemerals"
  | "SessionExpired"
  | "SessionMoved"
  | "ConnectionLoss"
  | "Unavailable"
  | "Throttled"
  | "Invalid"
  | "Timeout"
  | "Aborted"
  | "Closed"
  | "BadFrame"
  | "Corrupt"
  | "Locked"
  | "StorageFailed"
  | "RolledBack"
  | "WatchOverflow";

const marker = Symbol.for("zab.error");

/**
 * An expected failure with a machine-readable {@link ZabError.code}.
 *
 * @remarks
 * Check for it with {@link ZabError.isInstance} rather than `instanceof`, which fails when two
 * copies of `@zab/core` are installed. Errors caused by another error chain it as `cause`.
 *
 * @example
 * ```ts
 * import { ZabError } from "@zab/core";
 *
 * try {
 *   throw new ZabError("NoNode", "no node at /config", { path: "/config" });
 * } catch (error) {
 *   if (ZabError.isInstance(error, "NoNode")) console.log("create it first");
 * }
 * ```
 * @since 0.1.0
 */
export class ZabError extends Error {
  /** Brand that survives duplicate installs and realms. */
  readonly [marker] = true;
  /** What went wrong, as one of a fixed set of codes. */
  readonly code: ZabErrorCode;
  /** The znode path or file the error is about, when there is one. */
  readonly path: string | undefined;

  /**
   * @param code - The error code.
   * @param message - A sentence for humans.
   * @param options - `cause` to chain, `path` for the znode or file concerned.
   */
  constructor(code: ZabErrorCode, message: string, options?: ErrorOptions & { readonly path?: string }) {
    super(message, options);
    this.name = "ZabError";
    this.code = code;
    this.path = options?.path;
  }

  /**
   * Tells whether `error` is a {@link ZabError}, optionally with a given code.
   *
   * @param error - Anything caught.
   * @param code - When given, the code it must carry.
   * @returns `true` when `error` is a ZabError (with `code`, if given).
   */
  static isInstance(error: unknown, code?: ZabErrorCode): error is ZabError {
    if (typeof error !== "object" || error === null || !(marker in error)) return false;
    return code === undefined || (error as ZabError).code === code;
  }
}
