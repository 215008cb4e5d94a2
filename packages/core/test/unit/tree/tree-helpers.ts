// Shared helpers for the data tree tests: a driver that applies operations as committed
// transactions with increasing zxids, operation builders, and an expectation on ZabError codes.

import { expect } from "vitest";
import { ZabError, type ZabErrorCode } from "../../../src/errors.js";
import type { CreateMode, CreateOp, Stat } from "../../../src/protocol/client-messages.js";
import { epoch, type SessionId, sessionId } from "../../../src/protocol/ids.js";
import type { Txn } from "../../../src/protocol/messages.js";
import { type Zxid, zxid } from "../../../src/protocol/zxid.js";
import { DataTree, type DataTreeOptions } from "../../../src/tree/data-tree.js";
import type { TreeApplied } from "../../../src/tree/tree-applied.js";
import type { TreeTxnOp } from "../../../src/tree/tree-txn.js";
import { encodeTreeTxn } from "../../../src/tree/tree-txn-codec.js";

export const SYSTEM = sessionId(0n);

/** The time a transaction at `counter` carries: distinct per transaction, so stats show it. */
export function timeAt(counter: number): number {
  return 1_700_000_000_000 + counter;
}

/** A deterministic 16-byte password for a session. */
export function passwordFor(id: bigint): Uint8Array {
  return Uint8Array.from({ length: 16 }, (_, index) => Number((id * 31n + BigInt(index)) & 0xffn));
}

/** The transaction at position `counter` of epoch 1. */
export function txnAt(
  counter: number,
  op: TreeTxnOp,
  options?: { readonly sessionId?: SessionId; readonly cxid?: number },
): Txn {
  return {
    zxid: zxid(epoch(1), counter),
    payload: encodeTreeTxn({
      sessionId: options?.sessionId ?? SYSTEM,
      cxid: options?.cxid ?? counter,
      timeMs: timeAt(counter),
      op,
    }),
  };
}

/** Applies operations to a tree as consecutive committed transactions. */
export class TreeDriver {
  readonly tree: DataTree;
  /** Every transaction applied so far, to replay elsewhere. */
  readonly txns: Txn[] = [];
  #counter = 0;

  constructor(options?: DataTreeOptions) {
    this.tree = new DataTree(options);
  }

  /** The zxid the next transaction gets. */
  get nextZxid(): Zxid {
    return zxid(epoch(1), this.#counter + 1);
  }

  apply(op: TreeTxnOp, options?: { readonly sessionId?: SessionId; readonly cxid?: number }): TreeApplied {
    this.#counter++;
    const txn = txnAt(this.#counter, op, options);
    this.txns.push(txn);
    return this.tree.apply(txn);
  }

  openSession(id: bigint, timeoutMs = 30_000): SessionId {
    const session = sessionId(id);
    const applied = this.apply({
      op: "createSession",
      sessionId: session,
      timeoutMs,
      password: passwordFor(id),
    });
    expect(applied.outcome.op).toBe("createSession");
    return session;
  }
}

export function create(
  path: string,
  options?: { readonly data?: string; readonly mode?: CreateMode },
): CreateOp {
  return {
    op: "create",
    path,
    data: new TextEncoder().encode(options?.data ?? ""),
    mode: options?.mode ?? "persistent",
    ttlMs: 0,
  };
}

/** Runs `action` and expects a ZabError with `code`; returns it for finer checks. */
export function expectZabError(action: () => unknown, code: ZabErrorCode): ZabError {
  try {
    action();
  } catch (error) {
    expect(ZabError.isInstance(error), `expected a ZabError, got ${String(error)}`).toBe(true);
    expect((error as ZabError).code, (error as ZabError).message).toBe(code);
    return error as ZabError;
  }
  return expect.fail(`expected ZabError ${code}, but nothing was thrown`);
}

/** The stat of a node, failing the test when it is absent. */
export function statOf(tree: DataTree, path: string): Stat {
  return tree.exists(path).stat;
}

/** Every node's path, data, stat and children, read through the public reads from the root. */
export function readAll(
  tree: DataTree,
): { path: string; data: Uint8Array; stat: Stat; children: readonly string[] }[] {
  const nodes: { path: string; data: Uint8Array; stat: Stat; children: readonly string[] }[] = [];
  const pending = ["/"];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    const { data, stat } = tree.getData(path);
    const { children } = tree.getChildren(path);
    nodes.push({ path, data, stat, children });
    for (const name of children) pending.push(path === "/" ? `/${name}` : `${path}/${name}`);
  }
  return nodes;
}
