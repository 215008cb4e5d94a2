/**
 * What each create mode means to the data tree, and which modes it supports.
 *
 * Container and TTL nodes need a member-side reaper that proposes their deletion (ZooKeeper's
 * `ContainerManager`); until it exists those modes are refused, both before proposal and at apply
 * time, with `Invalid`.
 *
 * @internal
 * @module
 */
import type { CreateMode } from "../protocol/client-messages.js";

/**
 * The traits of a supported create mode.
 *
 * @since 0.1.0
 * @internal
 */
export interface CreateModeTraits {
  /** The node belongs to the creating session and goes when it closes. */
  readonly ephemeral: boolean;
  /** The name gets the parent's 10-digit sequence counter appended. */
  readonly sequential: boolean;
}

// A Map, not a record, so a forged mode such as "constructor" finds nothing inherited.
const SUPPORTED_CREATE_MODES: ReadonlyMap<CreateMode, CreateModeTraits> = new Map([
  ["persistent", { ephemeral: false, sequential: false }],
  ["ephemeral", { ephemeral: true, sequential: false }],
  ["persistentSequential", { ephemeral: false, sequential: true }],
  ["ephemeralSequential", { ephemeral: true, sequential: true }],
]);

/**
 * The traits of a create mode the data tree supports.
 *
 * @param mode - A create mode.
 * @returns Its traits, or `undefined` for `container` and the TTL modes.
 * @since 0.1.0
 * @internal
 */
export function createModeTraits(mode: CreateMode): CreateModeTraits | undefined {
  return SUPPORTED_CREATE_MODES.get(mode);
}
