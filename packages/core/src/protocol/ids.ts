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
 * A member's id in the ensemble (ZooKeeper's `myid`): an integer from 1 to 2^31 - 1.
 *
 * @since 0.1.0
 */
export type ServerId = number & { readonly __brand: "ServerId" };

/**
 * An epoch (ZAB's "e"): a 32-bit unsigned integer, the high half of a zxid.
 *
 * @since 0.1.0
 */
export type Epoch = number & { readonly __brand: "Epoch" };

/**
 * A session id: 64 bits, exact.
 *
 * @since 0.1.0
 */
export type SessionId = bigint & { readonly __brand: "SessionId" };

/**
 * An election round (ZooKeeper's `logicalclock`): 64 bits, exact.
 *
 * @since 0.1.0
 */
export type ElectionRound = bigint & { readonly __brand: "ElectionRound" };

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
