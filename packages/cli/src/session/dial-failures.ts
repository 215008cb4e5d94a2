/**
 * Why connecting failed, beyond "it took too long": a dialer that remembers its last failure, so
 * that a command which runs out of time can say what kept failing (a refused NATS token, a wrong
 * secret, nobody listening) instead of only that time ran out.
 *
 * @module
 */
import { type ClientChannel, type ServerId, ZabError } from "@zab/core";
import type { EnsembleDialer } from "../config/ensemble-target.js";
import { describeError } from "../exit-status.js";

/**
 * A dialer that remembers the last dial that failed.
 *
 * @since 0.1.0
 * @internal
 */
export interface DialFailures extends EnsembleDialer {
  /**
   * Adds the last dial failure to an error connecting threw, when it says more.
   *
   * @param error - What connecting threw.
   * @returns The error to report: a {@link ZabError} of the same code whose message ends with the
   *   last dial failure, or `error` itself when no dial failed or it was not a ZabError.
   */
  explain(error: unknown): unknown;
}

/**
 * Wraps a dialer to remember its failures.
 *
 * @param dialer - The dialer; disposing the wrapper disposes it.
 * @returns The wrapper.
 * @since 0.1.0
 * @internal
 */
export function recordDialFailures(dialer: EnsembleDialer): DialFailures {
  let last: { readonly member: ServerId; readonly error: unknown } | undefined;
  return {
    async dial(member: ServerId, options?: { readonly signal?: AbortSignal }): Promise<ClientChannel> {
      try {
        return await dialer.dial(member, options);
      } catch (error) {
        // An abort is ours (the deadline), not a reason the member could not be reached.
        if (options?.signal?.aborted !== true) last = { member, error };
        throw error;
      }
    },
    explain(error: unknown): unknown {
      if (last === undefined || !ZabError.isInstance(error)) return error;
      const { code, message } = describeError(last.error);
      return new ZabError(
        error.code,
        `${error.message}; the last attempt, to member ${last.member}, failed: ${code}: ${message}`,
        {
          cause: error,
        },
      );
    },
    [Symbol.asyncDispose]: () => dialer[Symbol.asyncDispose](),
  };
}
