/**
 * The session a client command runs in: flags to ensemble, dial, connect with progress and a
 * deadline, run, close.
 *
 * @module
 */
import { type Coordination, connect } from "@zab/core";
import { integerFlag } from "../args/parse-command-args.js";
import type { CommandIo } from "../command-io.js";
import {
  ENSEMBLE_OPTIONS,
  ENSEMBLE_USAGE,
  type EnsembleFlagValues,
  ensembleTarget,
} from "../config/ensemble-target.js";
import { startDeadline } from "./deadline.js";
import { delayedNotice } from "./delayed-notice.js";
import { recordDialFailures } from "./dial-failures.js";

/**
 * The flags every client command takes, in `parseArgs` form.
 *
 * @since 0.1.0
 * @internal
 */
export const CLIENT_OPTIONS = { ...ENSEMBLE_OPTIONS, "timeout-ms": { type: "string" } } as const;

/**
 * The values of {@link CLIENT_OPTIONS} as parsed.
 *
 * @since 0.1.0
 * @internal
 */
export interface ClientFlagValues extends EnsembleFlagValues {
  readonly "timeout-ms"?: string | undefined;
}

/**
 * The usage lines of {@link CLIENT_OPTIONS}, shared by every client command's help.
 *
 * @since 0.1.0
 * @internal
 */
export const CLIENT_USAGE = `${ENSEMBLE_USAGE}
  --timeout-ms N                give up after N milliseconds (default 15000)`;

const TIMEOUT_MS_DEFAULT = 15_000;
/** Connecting normally takes milliseconds; past this, say what is being waited for. */
const CONNECT_NOTICE_MS = 1_000;

/**
 * Opens a session with the ensemble the flags name, runs `use` in it, and closes it.
 *
 * @param values - The parsed client flags.
 * @param io - The command's streams and stop signal.
 * @param command - The command, for messages ("zab get").
 * @param use - The work; it gets the session and a signal that fires at the deadline (connecting
 *   and `use` share `--timeout-ms`) or on the stop signal. Long-running work follows the stop
 *   signal only.
 * @returns What `use` returned.
 * @throws {@link ZabError} with code `"Invalid"` for bad flags, `"Timeout"` past the deadline,
 *   `"ConnectionLoss"` when no member accepted a session, or what `use` threw.
 * @since 0.1.0
 * @internal
 */
export async function withEnsembleSession<T>(
  values: ClientFlagValues,
  io: CommandIo,
  command: string,
  use: (session: Coordination, deadline: AbortSignal) => Promise<T>,
): Promise<T> {
  const timeoutMs =
    integerFlag("timeout-ms", values["timeout-ms"], { min: 1, max: 0x7fff_ffff }) ?? TIMEOUT_MS_DEFAULT;
  const target = await ensembleTarget(values);
  using deadline = startDeadline(io.signal, timeoutMs, command);
  await using dialer = recordDialFailures(target.dialer());
  let session: Coordination;
  {
    using _notice = delayedNotice(io.stderr, CONNECT_NOTICE_MS, `connecting to ${target.description}...`);
    session = await connect({ dialer, members: target.ids, signal: deadline.signal }).catch(
      (error: unknown) => {
        throw dialer.explain(error);
      },
    );
  }
  try {
    return await use(session, deadline.signal);
  } finally {
    // Closing asks the member to end the session (deleting its ephemeral nodes at once). If that
    // fails, the session is closed here all the same and the ensemble expires it on its own.
    await session.close().catch(() => undefined);
  }
}
