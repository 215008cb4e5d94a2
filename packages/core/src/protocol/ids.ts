/**
 * Branded numeric types for the identities and counters of ZAB.
 *
 * Each is a plain `number` or `bigint` at run time; the brand only stops the compiler from mixing
 * a server id with an epoch, or a zxid with a session id.
 *
 * @module
 */
import { ZabError } from "../errors.js";

/**
 * The key of every brand. It is declared, never defined: it exists only for the type checker, so
 * no value carries it at run time and no code outside this module can name it to forge a brand.
 */
declare const brand: unique symbol;

/**
 * The compile-time tag that turns a plain `number` or `bigint` into a distinct id type, such as
 * `number & Brand<"ServerId">`.
 *
 * @remarks
 * A brand has no run-time existence: a {@link ServerId} is an ordinary `number` and a
 * {@link Zxid} an ordinary `bigint`, with no wrapper and no cost. Its only effect is that the
 * compiler refuses to pass an {@link Epoch} where a {@link ServerId} is expected, or a
 * {@link Zxid} where a {@link SessionId} is, although both sides share a primitive type. The
 * checked constructors ({@link serverId}, {@link epoch}, {@link zxid}, …) are the way to obtain a
 * branded value; a cast (`as ServerId`) skips their range checks and belongs only where the range
 * is already guaranteed, as in the codec's decoders.
 * @typeParam Name - The name that tells one branded type from another.
 * @since 0.1.0
 */
export interface Brand<Name extends string> {
  /**
   * The brand's name. It exists only in the type: no value has this property at run time, and
   * its key is a `unique symbol` private to this module, so code elsewhere cannot name it.
   */
  readonly [brand]: Name;
}

/**
 * A member's id in the ensemble (ZooKeeper's `myid`): an integer from 1 to 2^31 - 1.
 *
 * @remarks
 * Ids identify members in votes, in every {@link PeerTransport} channel and in the quorum. When
 * two votes tie on epoch and zxid, the higher id wins the election.
 * @since 0.1.0
 */
export type ServerId = number & Brand<"ServerId">;

/**
 * An epoch (ZAB's "e"): a 32-bit unsigned integer, the high half of a zxid.
 *
 * @remarks
 * Each leadership has its own epoch, one above the highest epoch accepted by the members (a
 * quorum of voters at least) that connected to its leader, so every transaction it proposes
 * carries a zxid larger than any an earlier established leader proposed.
 * @since 0.1.0
 */
export type Epoch = number & Brand<"Epoch">;

/**
 * A session id: 64 bits, exact.
 *
 * @remarks
 * A `bigint`, because 64 bits do not fit a `number` exactly.
 * @since 0.1.0
 */
export type SessionId = bigint & Brand<"SessionId">;

/**
 * An election round (ZooKeeper's `logicalclock`): 64 bits, exact.
 *
 * @remarks
 * A member increments its round each time it starts looking and adopts any higher round it hears
 * of; votes only count towards a decision when they carry the same round.
 * @since 0.1.0
 */
export type ElectionRound = bigint & Brand<"ElectionRound">;

/**
 * The largest epoch and the largest zxid counter: 2^32 - 1.
 *
 * @since 0.1.0
 */
export const UINT32_MAX = 0xffff_ffff;

/** 2^64 - 1, the largest session id and election round. */
const UINT64_MAX = (1n << 64n) - 1n;

/**
 * Checks and brands a server id.
 *
 * @param value - An integer from 1 to 2^31 - 1.
 * @returns The same value, branded.
 * @throws {@link ZabError} with code `"Invalid"` when out of range or not an integer.
 * @since 0.1.0
 */
export function serverId(value: number): ServerId {
  if (!Number.isInteger(value) || value < 1 || value > 0x7fff_ffff) {
    throw new ZabError("Invalid", `server id must be an integer from 1 to 2^31-1, got ${value}`);
  }
  return value as ServerId;
}

/**
 * Checks and brands an epoch.
 *
 * @param value - An integer from 0 to 2^32 - 1.
 * @returns The same value, branded.
 * @throws {@link ZabError} with code `"Invalid"` when out of range or not an integer.
 * @since 0.1.0
 */
export function epoch(value: number): Epoch {
  if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
    throw new ZabError("Invalid", `epoch must be an integer from 0 to 2^32-1, got ${value}`);
  }
  return value as Epoch;
}

/**
 * Checks and brands a session id.
 *
 * @param value - An integer from 0 to 2^64 - 1.
 * @returns The same value, branded.
 * @throws {@link ZabError} with code `"Invalid"` when out of range.
 * @since 0.1.0
 */
export function sessionId(value: bigint): SessionId {
  if (value < 0n || value > UINT64_MAX) {
    throw new ZabError("Invalid", `session id must fit in 64 unsigned bits, got ${value}`);
  }
  return value as SessionId;
}

/**
 * Checks and brands an election round.
 *
 * @param value - An integer from 0 to 2^64 - 1.
 * @returns The same value, branded.
 * @throws {@link ZabError} with code `"Invalid"` when out of range.
 * @since 0.1.0
 */
export function electionRound(value: bigint): ElectionRound {
  if (value < 0n || value > UINT64_MAX) {
    throw new ZabError("Invalid", `election round must fit in 64 unsigned bits, got ${value}`);
  }
  return value as ElectionRound;
}
