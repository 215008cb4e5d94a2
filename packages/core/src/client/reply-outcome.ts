/**
 * What a reply means to the caller: the operation's result, or the {@link ZabError} it failed
 * with, carrying the path it was about.
 *
 * @module
 */
import { assert } from "../assert.js";
import { ZabError, type ZabErrorCode } from "../errors.js";
import type {
  CheckOp,
  ClientOp,
  ClientReply,
  MultiItemOp,
  MultiItemOutcome,
  MultiOp,
} from "../protocol/client-messages.js";
import { MultiError } from "./coordination.js";

/**
 * A successful reply to the operation named `Name`.
 *
 * @since 0.1.0
 * @internal
 */
export type ResultOf<Name extends ClientOp["op"]> = Extract<ClientReply, { readonly op: Name }>;

/**
 * The operation a reply answers: its result's name, or the name of the operation that failed.
 *
 * @param reply - A reply.
 * @returns The operation's name.
 * @since 0.1.0
 * @internal
 */
export function answeredOp(reply: ClientReply): ClientOp["op"] {
  return reply.op === "error" ? reply.failedOp : reply.op;
}

/**
 * The error an operation failed with, as the caller sees it.
 *
 * @param op - The operation.
 * @param code - Its error code.
 * @returns A {@link ZabError} naming the operation and carrying its path, when it has one.
 * @since 0.1.0
 * @internal
 */
export function operationError(op: ClientOp | CheckOp, code: ZabErrorCode): ZabError {
  const path = "path" in op ? op.path : undefined;
  const message = path === undefined ? `${op.op} failed: ${code}` : `${op.op} ${path} failed: ${code}`;
  return new ZabError(code, message, path === undefined ? {} : { path });
}

/**
 * The result a reply carries for `op`.
 *
 * @param op - The operation the reply answers.
 * @param reply - Its reply; the connection already checked that it answers `op`.
 * @returns The result.
 * @throws {@link ZabError} with the reply's code, when the operation failed.
 * @since 0.1.0
 * @internal
 */
export function resultOf<Op extends ClientOp>(op: Op, reply: ClientReply): ResultOf<Op["op"]> {
  if (reply.op === "error") throw operationError(op, reply.code);
  assert(answers<Op["op"]>(reply, op.op), `a ${reply.op} reply answers a ${op.op} request`);
  return reply;
}

function answers<Name extends ClientOp["op"]>(reply: ClientReply, name: Name): reply is ResultOf<Name> {
  return reply.op === name;
}

/**
 * The outcomes of a multi, or the {@link MultiError} it failed with.
 *
 * @param op - The multi.
 * @param reply - Its reply.
 * @returns One outcome per operation, none of them an error.
 * @throws {@link MultiError} when an operation failed: the first whose code is not `"RolledBack"`
 *   is the one at fault. {@link ZabError} with the reply's code when the whole multi was refused,
 *   `"BadFrame"` when the outcomes do not match the operations one for one.
 * @since 0.1.0
 * @internal
 */
export function multiOutcomes(op: MultiOp, reply: ClientReply): readonly MultiItemOutcome[] {
  const outcomes = resultOf(op, reply).results;
  const mismatch =
    outcomes.length !== op.ops.length ||
    outcomes.some((outcome, index) => {
      const item = op.ops[index] as MultiItemOp;
      return (outcome.op === "error" ? outcome.failedOp : outcome.op) !== item.op;
    });
  if (mismatch) {
    throw new ZabError(
      "BadFrame",
      `the member answered a multi of ${op.ops.length} operations with other outcomes`,
    );
  }
  const errors = outcomes.flatMap((outcome, index) => (outcome.op === "error" ? [{ outcome, index }] : []));
  if (errors.length === 0) return outcomes;
  const fault =
    errors.find(({ outcome }) => outcome.code !== "RolledBack") ?? (errors[0] as (typeof errors)[number]);
  const item = op.ops[fault.index] as MultiItemOp;
  throw new MultiError(
    fault.outcome.code,
    `multi failed at operation ${fault.index}: ${operationError(item, fault.outcome.code).message}`,
    outcomes,
    fault.index,
    { path: item.path },
  );
}
