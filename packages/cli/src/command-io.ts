/**
 * What a command gets from the process that runs it: where its output goes, and when to stop.
 *
 * Commands never touch `process` themselves, so a test (or another program) runs them in-process
 * with writers of its own, and the `zab` binary is a thin wrapper that passes the real streams.
 *
 * @module
 */

/**
 * Where a command writes: a stream such as `process.stdout`, or anything that collects text.
 *
 * @since 0.1.0
 */
export interface OutputSink {
  /**
   * Writes text (or raw bytes, for znode data) as it is; lines end with `"\n"`.
   *
   * @param chunk - What to write.
   */
  write(chunk: string | Uint8Array): unknown;
}

/**
 * The streams and the stop signal a command runs with.
 *
 * @since 0.1.0
 */
export interface CommandIo {
  /** Results: the ready line, command output, watch events, the status table. */
  readonly stdout: OutputSink;
  /** Logs, progress notices and errors. */
  readonly stderr: OutputSink;
  /**
   * Fires when the command must stop (SIGINT or SIGTERM in the binary). Long-running commands
   * (`serve`, `watch`, `create --ephemeral`) then shut down cleanly and succeed; others give up.
   */
  readonly signal: AbortSignal;
}
