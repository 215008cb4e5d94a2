/**
 * The `zab` command: serve an ensemble member, inspect and drive an ensemble.
 *
 * Installed as a binary (`npx zab …`, or `zab …` once installed globally). Its commands are
 * described in the package README and by `zab help`:
 *
 * - `zab serve --config zab.json` runs one member over TCP until SIGINT or SIGTERM;
 * - `zab status` shows every member's role, epoch, zxids, lag, sessions, connections and watches;
 * - `zab ls|get|set|create|rm|watch PATH` work on znodes, like ZooKeeper's zkCli.
 *
 * The same command line runs in-process through {@link runZab}, for tools that embed it and for
 * tests.
 *
 * @example
 * ```ts
 * import { runZab } from "@zab/cli";
 *
 * const code = await runZab(["ls", "/", "--config", "zab.json"], {
 *   stdout: process.stdout,
 *   stderr: process.stderr,
 *   signal: AbortSignal.timeout(10_000),
 * });
 * ```
 * @packageDocumentation
 */
export type { CommandIo, OutputSink } from "./command-io.js";
export { type DemoOptions, runDemo } from "./demo/demo.js";
export { EXIT_STATUS } from "./exit-status.js";
export {
  type LocalDialer,
  LocalEnsemble,
  type LocalEnsembleOptions,
} from "./local-ensemble/local-ensemble.js";
export type { MemberExit } from "./local-ensemble/member-process.js";
export { runZab } from "./run-zab.js";
