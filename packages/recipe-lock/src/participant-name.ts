/**
 * The names of the nodes a recipe's participants create in its directory: Curator's protected
 * names, `_c_<guid>-<kind>-<sequence>`.
 *
 * The GUID is drawn once per acquisition attempt and written into the name before the create is
 * sent, so that after a create whose outcome is unknown (the channel broke before the reply) the
 * client can still recognise its own node among the children. The kind says what the participant
 * wants (an exclusive lock, a read lock, a lease, a place in an election); the 10-digit sequence
 * is the member's, and orders the queue.
 *
 * @module
 */
import { assert, type Clock } from "@zab/core";

/** The prefix of every participant's name (Curator's `PROTECTED_PREFIX`). */
const PROTECTED_PREFIX = "_c_";
/** How many random bytes a GUID holds: 128 bits, so two attempts never draw the same one. */
const GUID_BYTES = 16;
const PARTICIPANT_NAME = /^_c_([0-9a-f]{32})-([a-z]+)-(\d{10})$/;

/**
 * What a participant's node stands for: the exclusive lock of a {@link Mutex} (or the write side
 * of a {@link ReadWriteLock}), the read side, a {@link Semaphore} lease, or a candidate of a
 * {@link LeaderElection}.
 *
 * @since 0.1.0
 */
export type ParticipantKind = "lock" | "read" | "write" | "lease" | "latch";

const KINDS: ReadonlySet<string> = new Set<ParticipantKind>(["lock", "read", "write", "lease", "latch"]);

/**
 * A participant's node name, parsed.
 *
 * @since 0.1.0
 */
export interface ParticipantName {
  /** The whole child name. */
  readonly name: string;
  /** The attempt's GUID, 32 hex digits. */
  readonly guid: string;
  /** What the participant wants. */
  readonly kind: ParticipantKind;
  /** The member-assigned sequence: the participant's place in the queue. */
  readonly sequence: number;
}

/**
 * Draws a new GUID for an acquisition attempt.
 *
 * @param clock - Where random bytes come from (seeded in a simulation).
 * @returns 32 lowercase hex digits.
 */
export function newGuid(clock: Clock): string {
  const bytes = clock.randomBytes(GUID_BYTES);
  assert(bytes.length === GUID_BYTES, "the clock returned as many random bytes as asked");
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * The name prefix to create a participant with; the member appends the sequence.
 *
 * @param guid - The attempt's GUID.
 * @param kind - What the participant wants.
 * @returns `_c_<guid>-<kind>-`.
 */
export function participantPrefix(guid: string, kind: ParticipantKind): string {
  assert(/^[0-9a-f]{32}$/.test(guid), `bad guid ${guid}`);
  return `${PROTECTED_PREFIX}${guid}-${kind}-`;
}

/**
 * Parses a child name; anything that is not a participant (a guard node, a user's node) gives
 * `undefined` and is ignored by the recipes.
 *
 * @param name - A child name.
 * @returns The parsed participant, or `undefined`.
 * @example
 * ```ts
 * import { parseParticipantName } from "@zab/recipe-lock";
 *
 * parseParticipantName("_c_0123456789abcdef0123456789abcdef-lock-0000000007")?.sequence; // 7
 * ```
 * @since 0.1.0
 */
export function parseParticipantName(name: string): ParticipantName | undefined {
  const match = PARTICIPANT_NAME.exec(name);
  if (match === null) return undefined;
  const [, guid, kind, digits] = match;
  if (guid === undefined || kind === undefined || digits === undefined || !KINDS.has(kind)) return undefined;
  return { name, guid, kind: kind as ParticipantKind, sequence: Number(digits) };
}

/**
 * The participants among a directory's children, in queue order (by sequence).
 *
 * @param children - Child names, in any order.
 * @returns The participants, sorted by sequence; a new array the caller owns.
 * @since 0.1.0
 */
export function participantsOf(children: readonly string[]): ParticipantName[] {
  const participants: ParticipantName[] = [];
  for (const child of children) {
    const parsed = parseParticipantName(child);
    if (parsed !== undefined) participants.push(parsed);
  }
  // Sequences are unique within one incarnation of the directory, which is all a children list shows.
  return participants.sort((a, b) => a.sequence - b.sequence);
}
