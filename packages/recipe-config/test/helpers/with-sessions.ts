/**
 * Sessions a test opens, in order, and closes again whatever the test did: the frame of every
 * simulated test that works through real sessions.
 *
 * @module
 */
import type { Coordination } from "@zab/core";

/**
 * Opens the sessions one after the other (the order is part of a seeded schedule), runs `work`
 * with them, then closes them in the reverse order, even when `work` failed.
 *
 * @param open - How to open each session.
 * @param work - The test's work, given the sessions in the order of `open`.
 * @returns What `work` returned.
 */
export async function withSessions<Sessions extends readonly Coordination[], T>(
  open: { readonly [Index in keyof Sessions]: () => Promise<Sessions[Index]> },
  work: (...sessions: Sessions) => Promise<T>,
): Promise<T> {
  const opened: Coordination[] = [];
  try {
    for (const opener of open) opened.push(await opener());
    return await work(...(opened as unknown as Sessions));
  } finally {
    for (const session of opened.reverse()) await session.close();
  }
}
