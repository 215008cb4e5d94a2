/**
 * What `zab status` learns: every member's answer to a status request, asked all at once, and the
 * lag of each member behind the leader.
 *
 * @module
 */
import { counterOf, epochOf, type MemberStatus, queryMemberStatus, type ServerId, ZabError } from "@zab/core";
import type { EnsembleTarget } from "../config/ensemble-target.js";
import { describeError } from "../exit-status.js";

/**
 * One member's line in the status.
 *
 * @since 0.1.0
 * @internal
 */
export type MemberReport =
  | {
      readonly id: ServerId;
      readonly endpoint: string;
      readonly answered: true;
      readonly status: MemberStatus;
      /**
       * Transactions its log is behind the leader's, from the two answers; `undefined` for the
       * leader itself, without a leader, or when the member's log ends in an earlier epoch (the
       * count of what it misses is not known then).
       */
      readonly lag: number | undefined;
    }
  | {
      readonly id: ServerId;
      readonly endpoint: string;
      readonly answered: false;
      /** Why it did not answer: an error code (`ConnectionLoss`, `Timeout`, …) and message. */
      readonly error: { readonly code: string; readonly message: string };
    };

/**
 * Asks every member for its status, in parallel, each within `timeoutMs`.
 *
 * @param target - The ensemble.
 * @param options - The stop signal and the time each member has to answer.
 * @returns One report per member, in id order; a member that did not answer is reported, not thrown.
 * @since 0.1.0
 * @internal
 */
export async function queryEnsemble(
  target: EnsembleTarget,
  options: { readonly signal: AbortSignal; readonly timeoutMs: number },
): Promise<readonly MemberReport[]> {
  await using dialer = target.dialer();
  const answers = await Promise.all(
    target.ids.map(async (id): Promise<Answer> => {
      const endpoint = target.endpoints.get(id) ?? "";
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const signal = AbortSignal.any([options.signal, timeout]);
      try {
        return { id, endpoint, status: await queryMemberStatus({ dialer, member: id, signal }) };
      } catch (error) {
        const reason = timeout.aborted
          ? new ZabError("Timeout", `member ${id} did not answer within ${options.timeoutMs} ms`)
          : error;
        return { id, endpoint, error: describeError(reason) };
      }
    }),
  );
  const leader = leaderOf(answers.flatMap((answer) => ("status" in answer ? [answer.status] : [])));
  return answers.map(
    (answer): MemberReport =>
      "status" in answer
        ? { ...answer, answered: true, lag: lagBehind(answer.status, leader) }
        : { ...answer, answered: false },
  );
}

/** One member's answer, or why there is none. */
type Answer =
  | { readonly id: ServerId; readonly endpoint: string; readonly status: MemberStatus }
  | {
      readonly id: ServerId;
      readonly endpoint: string;
      readonly error: { readonly code: string; readonly message: string };
    };

/** The leader in broadcast; with two (a stale one cut off), the one of the newer epoch. */
function leaderOf(statuses: readonly MemberStatus[]): MemberStatus | undefined {
  return statuses
    .filter((status) => status.role === "leading" && status.phase === "broadcast")
    .sort((a, b) => (b.epoch ?? 0) - (a.epoch ?? 0))[0];
}

function lagBehind(status: MemberStatus, leader: MemberStatus | undefined): number | undefined {
  if (leader === undefined || status.serverId === leader.serverId) return undefined;
  const ours = status.lastLoggedZxid;
  const theirs = leader.lastLoggedZxid;
  if (epochOf(ours) !== epochOf(theirs)) return undefined;
  // The two answers were read at slightly different moments: a member may be seen ahead.
  return Math.max(0, counterOf(theirs) - counterOf(ours));
}
