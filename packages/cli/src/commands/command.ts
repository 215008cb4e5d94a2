/**
 * What every `zab` command is: a name, a one-line summary, its usage, and a function of its
 * arguments.
 *
 * @module
 */
import type { CommandIo } from "../command-io.js";

/**
 * One `zab` command.
 *
 * @since 0.1.0
 * @internal
 */
export interface Command {
  /** The word that selects it: `zab <name> …`. */
  readonly name: string;
  /** One line for `zab help`. */
  readonly summary: string;
  /** The full usage, for `zab help <name>` and `zab <name> --help`. */
  readonly usage: string;
  /**
   * Runs the command.
   *
   * @param args - The arguments after its name.
   * @param io - Output streams and the stop signal.
   * @returns The exit status.
   * @throws Any error; the caller prints it as `error: <code>: <message>`.
   */
  run(args: readonly string[], io: CommandIo): Promise<number>;
}
