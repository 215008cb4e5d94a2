/**
 * The checks a member runs on a client's operation before proposing it or serving it.
 *
 * They reject what no state of the tree could make valid: a bad path, oversize data, too many or
 * too large operations in a multi, a `check` outside a multi, a mode the tree does not support.
 * Rejecting these before proposal keeps them out of the log, so the leader never proposes a
 * transaction a follower cannot decode or that only fails on apply (research "bad inputs" 15, 16
 * and 20). Everything that depends on state (a missing parent, a version, the children limit) is
 * the data tree's to decide when it applies the transaction.
 *
 * @module
 */
import { assertNever } from "../assert.js";
import { ZabError } from "../errors.js";
import type { CheckOp, ClientOp, CreateOp, MultiItemOp, MultiOp } from "../protocol/client-messages.js";
import { createModeTraits } from "./create-mode.js";
import { quotePath, validatePath } from "./path.js";
import type { TreeLimits } from "./tree-limits.js";

/**
 * Checks a client operation against the data tree's rules and limits.
 *
 * @remarks
 * For a multi, every operation is checked; the first problem rejects the whole multi. Reads are
 * checked too (their paths), so a malformed path is `Invalid` rather than `NoNode`.
 * @param op - The operation, as decoded from the client's request.
 * @param limits - The limits, from {@link treeLimits}.
 * @returns Nothing when the operation may be proposed or served.
 * @throws {@link ZabError} with code `"Invalid"` carrying the path at fault: a path breaking
 *   ZooKeeper's rules or over `pathBytesMax`; data over `nodeDataBytesMax`; a `container` or TTL
 *   mode (not supported yet) or a non-zero `ttlMs`; deleting the root; a `check` outside a multi;
 *   a multi of more than `multiOpsMax` operations or `multiBytesMax` path and data bytes.
 * @example
 * ```ts
 * import { TREE_LIMITS_DEFAULT, validateTreeOp } from "@zab/core";
 * validateTreeOp({ op: "setData", path: "/a", data: new Uint8Array(8), version: -1 }, TREE_LIMITS_DEFAULT);
 * ```
 * @since 0.1.0
 */
export function validateTreeOp(op: ClientOp | CheckOp, limits: TreeLimits): void {
  switch (op.op) {
    case "create":
    case "delete":
    case "setData":
      validateItem(op, limits);
      return;
    case "check":
      throw new ZabError("Invalid", `check of ${quotePath(op.path)} is only valid inside a multi`, {
        path: op.path,
      });
    case "multi":
      validateMulti(op, limits);
      return;
    case "exists":
    case "getData":
    case "getChildren":
    case "sync":
    case "addWatch":
    case "removeWatches":
      validatePath(op.path, { sequential: false, pathBytesMax: limits.pathBytesMax });
      return;
    case "ping":
    case "closeSession":
      return;
    default:
      assertNever(op);
  }
}

function validateMulti(op: MultiOp, limits: TreeLimits): void {
  if (op.ops.length > limits.multiOpsMax) {
    throw new ZabError(
      "Invalid",
      `multi of ${op.ops.length} operations exceeds multiOpsMax ${limits.multiOpsMax}`,
    );
  }
  let bytes = 0;
  for (const item of op.ops) {
    bytes += validateItem(item, limits);
    if (bytes > limits.multiBytesMax) {
      throw new ZabError(
        "Invalid",
        `multi carries more than multiBytesMax ${limits.multiBytesMax} bytes of paths and data`,
        { path: item.path },
      );
    }
  }
}

/** Checks one write; returns the path and data bytes it carries. */
function validateItem(op: MultiItemOp, limits: TreeLimits): number {
  switch (op.op) {
    case "create":
      return validateCreate(op, limits);
    case "delete": {
      const pathBytes = validatePath(op.path, { sequential: false, pathBytesMax: limits.pathBytesMax });
      if (op.path === "/") throw new ZabError("Invalid", "the root cannot be deleted", { path: op.path });
      return pathBytes;
    }
    case "setData":
      return (
        validatePath(op.path, { sequential: false, pathBytesMax: limits.pathBytesMax }) +
        validateData(op.path, op.data, limits)
      );
    case "check":
      return validatePath(op.path, { sequential: false, pathBytesMax: limits.pathBytesMax });
    default:
      return assertNever(op);
  }
}

function validateCreate(op: CreateOp, limits: TreeLimits): number {
  const mode = createModeTraits(op.mode);
  if (mode === undefined) {
    throw new ZabError("Invalid", `create mode ${op.mode} is not supported yet`, { path: op.path });
  }
  if (op.ttlMs !== 0) {
    throw new ZabError("Invalid", `ttlMs ${op.ttlMs} given for create mode ${op.mode}, which has no TTL`, {
      path: op.path,
    });
  }
  return (
    validatePath(op.path, { sequential: mode.sequential, pathBytesMax: limits.pathBytesMax }) +
    validateData(op.path, op.data, limits)
  );
}

function validateData(path: string, data: Uint8Array, limits: TreeLimits): number {
  if (data.byteLength > limits.nodeDataBytesMax) {
    throw new ZabError(
      "Invalid",
      `data of ${data.byteLength} bytes for ${quotePath(path)} exceeds nodeDataBytesMax ${limits.nodeDataBytesMax}`,
      { path },
    );
  }
  return data.byteLength;
}
