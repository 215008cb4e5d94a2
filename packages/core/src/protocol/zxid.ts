/**
 * The ZooKeeper transaction id: epoch in the high 32 bits, counter in the low 32.
 *
 * A zxid is a `bigint`, never a `number`: a float loses the counter once the epoch passes 2^21.
 * zxids compare as plain integers, which is the lexicographic (epoch, counter) order of ZAB.
 *
 * @module
 */
import { ZabError } from "../errors.js";
import { type Brand, type Epoch, UINT32_MAX } from "./ids.js";

/**
 * A transaction id, exact: `(epoch << 32) | counter`.
 *
 * @since 0.1.0
 */
export type Zxid = bigint & Brand<"Zxid">;

/**
 * The zxid before any transaction: epoch 0, counter 0.
 *
 * @since 0.1.0
 */
export const ZXID_ZERO = 0n as Zxid;

/**
 * Builds a zxid from its epoch and counter.
 *
 * @param epochValue - The epoch, 0 to 2^32 - 1.
 * @param counter - The counter within the epoch, 0 to 2^32 - 1.
 * @returns The zxid.
 * @throws {@link ZabError} with code `"Invalid"` when either part is out of range.
 * @example
 * ```ts
 * import { zxid, epochOf, counterOf, epoch } from "@zab/core";
 * const z = zxid(epoch(3), 7);
 * epochOf(z); // 3
 * counterOf(z); // 7
 * ```
 * @since 0.1.0
 */
export function zxid(epochValue: Epoch, counter: number): Zxid {
  if (!Number.isInteger(epochValue) || epochValue < 0 || epochValue > UINT32_MAX) {
    throw new ZabError("Invalid", `zxid epoch out of range: ${epochValue}`);
  }
  if (!Number.isInteger(counter) || counter < 0 || counter > UINT32_MAX) {
    throw new ZabError("Invalid", `zxid counter out of range: ${counter}`);
  }
  return ((BigInt(epochValue) << 32n) | BigInt(counter)) as Zxid;
}

/**
 * Brands a raw 64-bit value as a zxid.
 *
 * @param value - An integer from 0 to 2^64 - 1.
 * @returns The zxid.
 * @throws {@link ZabError} with code `"Invalid"` when out of range.
 * @since 0.1.0
 */
export function zxidFromBigInt(value: bigint): Zxid {
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) {
    throw new ZabError("Invalid", `zxid must fit in 64 unsigned bits, got ${value}`);
  }
  return value as Zxid;
}

/**
 * The epoch half of a zxid.
 *
 * @param z - The zxid.
 * @returns Its epoch.
 * @since 0.1.0
 */
export function epochOf(z: Zxid): Epoch {
  return Number(z >> 32n) as Epoch;
}

/**
 * The counter half of a zxid.
 *
 * @param z - The zxid.
 * @returns Its counter within the epoch.
 * @since 0.1.0
 */
export function counterOf(z: Zxid): number {
  return Number(z & 0xffff_ffffn);
}

/**
 * Orders two zxids: by epoch, then by counter.
 *
 * @param a - One zxid.
 * @param b - The other.
 * @returns A negative number when `a < b`, 0 when equal, positive when `a > b`.
 * @since 0.1.0
 */
export function compareZxid(a: Zxid, b: Zxid): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Formats a zxid the way ZooKeeper logs do: `0x` and 16 hex digits.
 *
 * @param z - The zxid.
 * @returns For example `0x0000000300000007`.
 * @since 0.1.0
 */
export function formatZxid(z: Zxid): string {
  return `0x${z.toString(16).padStart(16, "0")}`;
}
