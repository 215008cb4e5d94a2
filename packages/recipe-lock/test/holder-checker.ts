/**
 * The checkers of the lock simulations: who believes they hold a lock at each instant, and a
 * protected resource that admits writes by fencing token.
 *
 * @module
 */
import { InvariantViolation } from "@zab/testkit";
import { FencingGate, type Lease, type ParticipantKind } from "../src/index.js";

/**
 * Tracks belief: a holder believes from the moment its acquire returns until its lease's signal
 * fires or it starts releasing. `compatible` says which sets of kinds may believe together (one
 * lock holder; any readers or one writer; up to `permits` leases); `exclusive` kinds must get a
 * token above every token granted before.
 */
export class HolderChecker {
  readonly #believers = new Map<number, { readonly lease: Lease; readonly kind: ParticipantKind }>();
  readonly #compatible: (kinds: readonly ParticipantKind[]) => boolean;
  readonly #exclusive: ReadonlySet<ParticipantKind>;
  readonly #seed: number;
  #highestToken: bigint | undefined;
  /** How many grants were checked. */
  grants = 0;
  /** The most holders that believed at once. */
  overlapMax = 0;

  constructor(options: {
    readonly seed: number;
    readonly compatible: (kinds: readonly ParticipantKind[]) => boolean;
    readonly exclusive: readonly ParticipantKind[];
  }) {
    this.#seed = options.seed;
    this.#compatible = options.compatible;
    this.#exclusive = new Set(options.exclusive);
  }

  /** A holder's acquire returned: it believes until its signal fires or it releases. */
  enter(holder: number, lease: Lease, kind: ParticipantKind): void {
    if (lease.signal.aborted) return;
    this.grants += 1;
    if (this.#believers.has(holder)) this.#fail(`holder ${holder} was granted a lease while it holds one`);
    this.#believers.set(holder, { lease, kind });
    const kinds = [...this.#believers.values()].map((believer) => believer.kind);
    if (!this.#compatible(kinds)) {
      const who = [...this.#believers.entries()].map(
        ([id, held]) => `${id} (${held.kind}, token ${held.lease.fencingToken})`,
      );
      this.#fail(`${this.#believers.size} holders believe at once: ${who.join(", ")}`);
    }
    this.overlapMax = Math.max(this.overlapMax, this.#believers.size);
    if (
      this.#exclusive.has(kind) &&
      this.#highestToken !== undefined &&
      lease.fencingToken <= this.#highestToken
    ) {
      this.#fail(`holder ${holder} got token ${lease.fencingToken} after token ${this.#highestToken}`);
    }
    if (this.#highestToken === undefined || lease.fencingToken > this.#highestToken) {
      this.#highestToken = lease.fencingToken;
    }
    // Belief ends the moment the signal fires: synchronously, as the holder's work would stop.
    lease.signal.addEventListener("abort", () => this.exit(holder, lease), { once: true });
  }

  /** A holder stops believing (its signal fired, or it is about to release). */
  exit(holder: number, lease: Lease): void {
    if (this.#believers.get(holder)?.lease === lease) this.#believers.delete(holder);
  }

  #fail(message: string): never {
    throw new InvariantViolation(`seed ${this.#seed}: ${message}`);
  }
}

/**
 * A resource behind a {@link FencingGate}: records every write it admits, and counts refusals.
 */
export class FencedResource {
  readonly gate = new FencingGate();
  /** The tokens of admitted writes, in order. */
  readonly admitted: bigint[] = [];
  refused = 0;

  /** A write carrying `token`; returns whether it was admitted. */
  write(token: bigint): boolean {
    if (!this.gate.admit(token as Lease["fencingToken"])) {
      this.refused += 1;
      return false;
    }
    this.admitted.push(token);
    return true;
  }
}
