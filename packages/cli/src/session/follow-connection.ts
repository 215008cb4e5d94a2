/**
 * What a long-running client command (`watch`, `create --ephemeral`) says about its session while
 * it runs: a line on stderr when the connection is lost and when it comes back.
 *
 * @module
 */
import { type Coordination, ZabError } from "@zab/core";
import type { OutputSink } from "../command-io.js";

/**
 * Follows the session's connection state until `signal` fires.
 *
 * @param session - The session.
 * @param signal - The command's stop signal.
 * @param stderr - Where the notices go.
 * @returns When `signal` fired or the session was closed.
 * @throws {@link ZabError} with code `"SessionExpired"` when the session is lost.
 * @since 0.1.0
 * @internal
 */
export async function followConnection(
  session: Coordination,
  signal: AbortSignal,
  stderr: OutputSink,
): Promise<void> {
  try {
    for await (const state of session.states({ signal })) {
      if (state === "suspended") stderr.write("connection lost; resuming the session on another member...\n");
      else if (state === "reconnected") stderr.write("reconnected\n");
      else if (state === "lost") throw new ZabError("SessionExpired", "the session expired");
    }
  } catch (error) {
    // The stream ends with the signal's error when the command is told to stop: a clean end.
    if (!signal.aborted) throw error;
  }
}
