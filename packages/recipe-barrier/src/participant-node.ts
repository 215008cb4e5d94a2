/**
 * A participant's ephemeral node under a barrier: named after a GUID, so that a create whose
 * outcome is unknown is never turned into two nodes, and removed for sure when the participant
 * gives up.
 *
 * The node is `_c_<GUID>-p`, the GUID drawn before the first attempt (Curator's "protected"
 * prefix). When a create fails with an unknown outcome (the channel broke before the reply), the
 * node may or may not exist, so the participant simply creates it again: `"NodeExists"` means an
 * earlier attempt made it, since nobody else uses the GUID. A sequential node cannot be retried
 * that way — a lookup by GUID can miss a create still in flight that commits later and so count
 * one participant twice — which is why no barrier here uses one.
 *
 * @module
 */
import { type Clock, type Coordination, ZabError } from "@zab/core";
import { isTransient, retryPauseMs } from "./transient-failure.js";
import type { WaitScope } from "./wait-scope.js";
import { childPath, ensurePath } from "./znode-path.js";

const PARTICIPANT_NAME = /^_c_[0-9a-f]{32}-p$/;

/**
 * Tells whether a child of a barrier node is a participant node.
 *
 * @param name - A child's name.
 * @returns `false` for any other child (the `ready` node, strays).
 * @internal
 */
export function isParticipantName(name: string): boolean {
  return PARTICIPANT_NAME.test(name);
}

/**
 * The participant nodes among a barrier node's children, in the order of their names (an order
 * every participant computes alike), other children left out.
 *
 * @param children - The barrier node's children, in any order.
 * @returns A new array, sorted.
 * @internal
 */
export function participantsInOrder(children: readonly string[]): string[] {
  return children.filter(isParticipantName).sort();
}

/**
 * A fresh GUID for a node's name: 16 bytes of the clock's randomness, in hex.
 *
 * @param clock - The source of randomness (seeded in a simulation).
 * @returns 32 hex digits.
 * @internal
 */
export function newGuid(clock: Clock): string {
  return Array.from(clock.randomBytes(16), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Pauses on `clock` without a signal: the pauses of a background cleanup.
 *
 * @param clock - The clock.
 * @param ms - How long.
 * @returns Resolves after `ms`.
 * @internal
 */
export function pause(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/**
 * The error for a participant whose node vanished without its deleting it: its session expired
 * (the ensemble deleted its ephemeral nodes), so it no longer counts.
 *
 * @param path - The barrier node.
 * @param what - The wait, for the message.
 * @returns A `"SessionExpired"` error.
 * @internal
 */
export function participantLost(path: string, what: string): ZabError {
  return new ZabError(
    "SessionExpired",
    `${what}: our participant node under ${path} is gone, so our session expired and we no longer count`,
    { path },
  );
}

/**
 * One participant's node under one barrier node: created once whatever the failures, deleted for
 * sure.
 *
 * @internal
 */
export class ParticipantNode {
  /** The node's name: `_c_<GUID>-p`. */
  readonly name: string;
  /** The node's path. */
  readonly path: string;
  #mayExist = false;

  /**
   * @param session - The participant's session.
   * @param parent - The barrier node.
   * @param clock - Randomness for the GUID, and pauses.
   */
  constructor(
    private readonly session: Coordination,
    private readonly parent: string,
    private readonly clock: Clock,
  ) {
    this.name = `_c_${newGuid(clock)}-p`;
    this.path = childPath(parent, this.name);
  }

  /**
   * Creates the node (and the barrier node's missing ancestors), riding out transient failures.
   *
   * @param scope - Bounds the attempts.
   * @throws {@link @zab/core!ZabError} with the scope's reason when it fires, `"SessionExpired"`
   *   or `"Closed"` when the session ends, or a code of `create` for a bad path.
   */
  async create(scope: WaitScope): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        this.#mayExist = true;
        await this.session.create(this.path, { mode: "ephemeral", signal: scope.signal });
        return;
      } catch (error) {
        // An earlier attempt of ours, whose reply was lost, created it: the GUID is ours alone.
        if (ZabError.isInstance(error, "NodeExists")) return;
        if (scope.signal.aborted) scope.rethrow(error);
        if (ZabError.isInstance(error, "NoNode")) {
          // The barrier node is missing: create it, and its ancestors, then try again.
          await this.#ensureParent(scope);
          continue;
        }
        if (!isTransient(error)) throw error;
        await scope.sleep(retryPauseMs(attempt));
      }
    }
  }

  /**
   * Deletes the node; a node already gone is fine.
   *
   * @param signal - Bounds the call.
   * @throws {@link @zab/core!ZabError} as `delete` does, `"NoNode"` excepted.
   */
  async delete(signal: AbortSignal): Promise<void> {
    try {
      await this.session.delete(this.path, { signal });
    } catch (error) {
      // Gone already: an earlier attempt of ours whose reply was lost deleted it.
      if (!ZabError.isInstance(error, "NoNode")) throw error;
    }
  }

  /**
   * Deletes the node, if it was (or may have been) created, retrying until it is gone or the
   * session ends (which deletes it too). Meant to run in the background after a participant
   * passed or gave up; never rejects for a transient failure.
   *
   * @returns Resolves once the node is gone.
   * @throws {@link @zab/core!ZabError} only for a failure that is neither transient nor final (a bug).
   */
  async release(): Promise<void> {
    if (!this.#mayExist) return;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.session.delete(this.path);
        return;
      } catch (error) {
        // Gone already, or the session ended: an ephemeral node goes with its session.
        if (ZabError.isInstance(error, "NoNode")) return;
        if (ZabError.isInstance(error, "SessionExpired") || ZabError.isInstance(error, "Closed")) return;
        if (!isTransient(error)) throw error;
        await pause(this.clock, retryPauseMs(attempt));
      }
    }
  }

  async #ensureParent(scope: WaitScope): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await ensurePath(this.session, this.parent, scope.signal);
        return;
      } catch (error) {
        if (scope.signal.aborted) scope.rethrow(error);
        if (!isTransient(error)) throw error;
        await scope.sleep(retryPauseMs(attempt));
      }
    }
  }
}
