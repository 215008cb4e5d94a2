/**
 * The memo of the Wing–Gong–Lowe search: every (set of linearized operations, model state) pair
 * the search has reached. Reaching a pair again means repeating work already known to fail, so
 * the search skips it (Lowe's improvement, which turns an exponential search into one that is
 * usually fast).
 *
 * Entries live in typed arrays (bitset words, chain links, state ids) rather than one object
 * each, so the cache is compact and its memory use can be bounded up front.
 *
 * @module
 */
import type { Bitset } from "./bitset.js";
import type { Model } from "./model.js";

/**
 * What {@link LinearizationCache.add} did.
 *
 * @internal
 * @since 0.1.0
 */
export type CacheAddResult = "added" | "present" | "full";

/**
 * Bytes that the caches of one check may still reserve, shared by all of them so that the
 * check as a whole stays within one memory bound.
 *
 * @internal
 * @since 0.1.0
 */
export interface CacheBudget {
  /** Bytes not yet reserved by any cache; caches subtract what they reserve and add it back. */
  bytesLeft: number;
}

/**
 * Options for a {@link LinearizationCache}.
 *
 * @internal
 * @since 0.1.0
 */
export interface LinearizationCacheOptions<State> {
  /** Words in each bitset that will be added (all the same size). */
  readonly bitsetWords: number;
  /** Where the cache reserves memory as it grows. */
  readonly budget: CacheBudget;
  /** Supplies `equal` and `hash` for states. */
  readonly model: Pick<Model<State, unknown, unknown>, "equal" | "hash">;
}

/**
 * Estimated bytes per entry besides its bitset words: chain link and state id (4 each), the
 * state slot (8), the key map and state-id map entries, and a share of the states they keep
 * alive. Measured: about 190 bytes per entry with the key-value model on Porcupine's 50-client
 * histories (string states), less with numeric states; so a budget is an honest bound for
 * small states, and large states need a smaller budget.
 */
const entryOverheadBytes = 192;
/** Entries reserved by the first growth, so small searches allocate little. */
const initialEntries = 1024;
const noEntry = -1;

/**
 * A set of (bitset, state) pairs whose memory is reserved from a {@link CacheBudget}.
 *
 * @remarks
 * Pairs are found by a 32-bit key mixing the bitset's incremental hash with an id interned from
 * `model.hash(state)`; pairs sharing a key are chained and compared exactly (bitset words, then
 * `model.equal`), so hash collisions never cause a wrong answer. Storage grows by doubling,
 * reserving each growth from the budget before allocating it.
 *
 * @internal
 * @since 0.1.0
 */
export class LinearizationCache<State> {
  readonly #bitsetWords: number;
  readonly #entryBytes: number;
  readonly #budget: CacheBudget;
  readonly #model: Pick<Model<State, unknown, unknown>, "equal" | "hash">;
  /** First entry of each key's chain. */
  readonly #chainHeads = new Map<number, number>();
  /** Interned `model.hash` keys: equal states get equal ids, so unequal ids prove inequality. */
  readonly #stateIds = new Map<string | number, number>();
  readonly #states: State[] = [];
  #words = new Uint32Array(0);
  #chainNext = new Int32Array(0);
  #stateIdOf = new Int32Array(0);
  #size = 0;

  /** @param options - Sizes, budget and model; see {@link LinearizationCacheOptions}. */
  constructor(options: LinearizationCacheOptions<State>) {
    this.#bitsetWords = options.bitsetWords;
    this.#entryBytes = entryOverheadBytes + 4 * options.bitsetWords;
    this.#budget = options.budget;
    this.#model = options.model;
  }

  /**
   * Adds a pair unless it is already present.
   *
   * @param bitset - The linearized set; its words are copied.
   * @param state - The model state reached with that set.
   * @returns `"added"`, `"present"`, or `"full"` when it is absent and the budget cannot pay
   *   for more room.
   */
  add(bitset: Bitset, state: State): CacheAddResult {
    const stateId = this.#internState(state);
    const key = (bitset.hash ^ Math.imul(stateId, 0x9e3779b1)) | 0;
    const head = this.#chainHeads.get(key) ?? noEntry;
    for (let entry = head; entry !== noEntry; entry = this.#chainNext[entry] ?? noEntry) {
      if (
        this.#stateIdOf[entry] === stateId &&
        this.#sameWords(entry, bitset.words) &&
        // The entry index is below #size, so the slot holds a stored state.
        this.#model.equal(this.#states[entry] as State, state)
      ) {
        return "present";
      }
    }
    const entry = this.#size;
    if (entry === this.#chainNext.length && !this.#grow()) return "full";
    this.#words.set(bitset.words, entry * this.#bitsetWords);
    this.#chainNext[entry] = head;
    this.#stateIdOf[entry] = stateId;
    this.#states.push(state);
    this.#chainHeads.set(key, entry);
    this.#size = entry + 1;
    return "added";
  }

  /** Returns every reserved byte to the budget; the cache must not be used afterwards. */
  release(): void {
    this.#budget.bytesLeft += this.#chainNext.length * this.#entryBytes;
    this.#words = new Uint32Array(0);
    this.#chainNext = new Int32Array(0);
    this.#stateIdOf = new Int32Array(0);
    this.#chainHeads.clear();
    this.#stateIds.clear();
    this.#states.length = 0;
  }

  #internState(state: State): number {
    const hash = this.#model.hash(state);
    let id = this.#stateIds.get(hash);
    if (id === undefined) {
      id = this.#stateIds.size;
      this.#stateIds.set(hash, id);
    }
    return id;
  }

  #sameWords(entry: number, words: Uint32Array): boolean {
    const offset = entry * this.#bitsetWords;
    for (let index = 0; index < this.#bitsetWords; index += 1) {
      if (this.#words[offset + index] !== words[index]) return false;
    }
    return true;
  }

  /**
   * Doubles the capacity, or adds what the budget still affords, so growth costs amortized O(1)
   * per entry.
   *
   * @returns False when the budget affords no entry at all.
   */
  #grow(): boolean {
    const old = this.#chainNext.length;
    const affordable = Math.floor(this.#budget.bytesLeft / this.#entryBytes);
    const added = Math.min(Math.max(old, initialEntries), affordable);
    if (added <= 0) return false;
    this.#budget.bytesLeft -= added * this.#entryBytes;
    const capacity = old + added;
    const words = new Uint32Array(capacity * this.#bitsetWords);
    words.set(this.#words);
    this.#words = words;
    const chainNext = new Int32Array(capacity);
    chainNext.set(this.#chainNext);
    this.#chainNext = chainNext;
    const stateIdOf = new Int32Array(capacity);
    stateIdOf.set(this.#stateIdOf);
    this.#stateIdOf = stateIdOf;
    return true;
  }
}
