/**
 * How many participants a barrier may wait for, and the check of a count given to it.
 *
 * @module
 */
import { ZabError } from "@zab/core";

/**
 * The most participants a double barrier (or parties a cyclic barrier) can wait for: a trip is
 * one `multi` that checks each of them, within the members' default `multiOpsMax` of 1000.
 *
 * @since 0.1.0
 */
export const PARTICIPANTS_MAX = 999;

/**
 * Checks a participant count: an integer from 1 to {@link PARTICIPANTS_MAX}.
 *
 * @param count - The count.
 * @param name - The option's name, for the message.
 * @param path - The recipe's path.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` otherwise.
 * @internal
 */
export function checkParticipantCount(count: number, name: string, path: string): void {
  if (!Number.isSafeInteger(count) || count < 1 || count > PARTICIPANTS_MAX) {
    throw new ZabError("Invalid", `${name} must be an integer from 1 to ${PARTICIPANTS_MAX}, got ${count}`, {
      path,
    });
  }
}
