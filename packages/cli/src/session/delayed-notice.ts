/**
 * A progress line printed only when something takes long enough for a person to wonder.
 *
 * @module
 */
import type { OutputSink } from "../command-io.js";

/**
 * Writes `line` to `sink` after `delayMs`, unless disposed first.
 *
 * @param sink - Where the line goes (stderr: progress never mixes with results).
 * @param delayMs - How long to stay quiet.
 * @param line - The notice, without its line break.
 * @returns A handle; dispose it when the wait is over.
 * @since 0.1.0
 * @internal
 */
export function delayedNotice(sink: OutputSink, delayMs: number, line: string): Disposable {
  const timer = setTimeout(() => sink.write(`${line}\n`), delayMs);
  return { [Symbol.dispose]: () => clearTimeout(timer) };
}
