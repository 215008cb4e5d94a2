/**
 * The {@link EpochStore} both storages use: ordering and invariants here, the durable write
 * supplied by the file store or its memory twin.
 *
 * @internal
 * @module
 */
import { assert } from "../assert.js";
import type { EpochStore } from "../ports/epoch-store.js";
import type { Epoch } from "../protocol/ids.js";
import type { EpochName } from "./epoch-rule.js";
import type { FailStop } from "./fail-stop.js";
import { SerialQueue } from "./serial-queue.js";

/**
 * An {@link EpochStore} over a `persist` function that durably writes one epoch file.
 *
 * @internal
 */
export class SerialEpochStore implements EpochStore {
  readonly #persist: (name: EpochName, epoch: Epoch) => Promise<void>;
  readonly #failStop: FailStop;
  readonly #queue = new SerialQueue();
  #acceptedEpoch: Epoch;
  #currentEpoch: Epoch;
  // The last values asked for: the invariants are checked against them, so that two writes in
  // flight cannot together break what each alone respects.
  #acceptedRequested: Epoch;
  #currentRequested: Epoch;

  /**
   * @param options - The recovered epochs, the durable write, and the storage's fail-stop state.
   */
  constructor(options: {
    readonly acceptedEpoch: Epoch;
    readonly currentEpoch: Epoch;
    readonly persist: (name: EpochName, epoch: Epoch) => Promise<void>;
    readonly failStop: FailStop;
  }) {
    assert(options.acceptedEpoch >= options.currentEpoch, "recovered acceptedEpoch is below currentEpoch");
    this.#acceptedEpoch = this.#acceptedRequested = options.acceptedEpoch;
    this.#currentEpoch = this.#currentRequested = options.currentEpoch;
    this.#persist = options.persist;
    this.#failStop = options.failStop;
  }

  get acceptedEpoch(): Epoch {
    return this.#acceptedEpoch;
  }

  get currentEpoch(): Epoch {
    return this.#currentEpoch;
  }

  writeAcceptedEpoch(epoch: Epoch): Promise<void> {
    assert(
      epoch >= this.#acceptedRequested,
      `acceptedEpoch would decrease from ${this.#acceptedRequested} to ${epoch}`,
    );
    this.#acceptedRequested = epoch;
    return this.#write("acceptedEpoch", epoch, () => {
      this.#acceptedEpoch = epoch;
    });
  }

  writeCurrentEpoch(epoch: Epoch): Promise<void> {
    assert(
      epoch >= this.#currentRequested,
      `currentEpoch would decrease from ${this.#currentRequested} to ${epoch}`,
    );
    assert(
      epoch <= this.#acceptedRequested,
      `currentEpoch ${epoch} would exceed acceptedEpoch ${this.#acceptedRequested}`,
    );
    this.#currentRequested = epoch;
    return this.#write("currentEpoch", epoch, () => {
      this.#currentEpoch = epoch;
    });
  }

  /** Resolves once every write requested so far has settled. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  #write(name: EpochName, epoch: Epoch, done: () => void): Promise<void> {
    // The fail-stop check happens inside the queue (guard), so calls reject rather than throw.
    return this.#queue.run(async () => {
      await this.#failStop.guard(`${name} write`, () => this.#persist(name, epoch));
      done();
    });
  }
}
