/**
 * Majority quorums over the voting members of an ensemble.
 *
 * @module
 */
import { ZabError } from "../errors.js";
import type { ServerId } from "./ids.js";

/**
 * The voting membership of an ensemble and its quorum rule: a strict majority of the voters.
 *
 * @remarks
 * An ensemble of 2f + 1 voters tolerates f failures: a quorum is f + 1 votes (2 of 3, 3 of 5).
 * Observers never count.
 * @internal
 */
export class MajorityQuorum {
  /** The voting members, sorted ascending. */
  readonly voters: readonly ServerId[];
  /** How many voters make a quorum. */
  readonly size: number;
  readonly #voterSet: ReadonlySet<ServerId>;

  /**
   * @param voters - The voting members; at least one, no duplicates.
   * @throws {@link ZabError} with code `"Invalid"` when empty or duplicated.
   */
  constructor(voters: readonly ServerId[]) {
    this.#voterSet = new Set(voters);
    if (voters.length === 0 || this.#voterSet.size !== voters.length) {
      throw new ZabError("Invalid", `voters must be a non-empty list without duplicates, got [${voters}]`);
    }
    this.voters = [...voters].sort((a, b) => a - b);
    this.size = Math.floor(voters.length / 2) + 1;
  }

  /**
   * Tells whether `id` is a voter.
   *
   * @param id - A member id.
   * @returns `true` for a voter.
   */
  isVoter(id: ServerId): boolean {
    return this.#voterSet.has(id);
  }

  /**
   * Tells whether the voters among `members` form a quorum.
   *
   * @param members - Any member ids; non-voters are ignored.
   * @returns `true` when at least {@link MajorityQuorum.size} of them are voters.
   */
  containsQuorum(members: Iterable<ServerId>): boolean {
    let count = 0;
    for (const id of new Set(members)) if (this.#voterSet.has(id)) count += 1;
    return count >= this.size;
  }
}
