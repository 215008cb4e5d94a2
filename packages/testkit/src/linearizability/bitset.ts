/**
 * The set of operations linearized so far, as a fixed-size bitset in a `Uint32Array` with a hash
 * that is kept up to date as bits flip, so the checker never rescans the words to look the set
 * up in its cache.
 *
 * @module
 */

/**
 * A fixed-size bitset over operation indexes `0 … size - 1`, with an incremental hash.
 *
 * @remarks
 * The hash is the XOR of a well-mixed 32-bit code per set bit (Zobrist hashing), so setting or
 * clearing a bit updates it in O(1) and equal sets always hash equally.
 *
 * @internal
 * @since 0.1.0
 */
export class Bitset {
  /** The bits, 32 per word, least significant first. */
  readonly words: Uint32Array;
  #hash = 0;

  /** @param size - How many bits; fixed for the bitset's life. */
  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  /** The hash of the current contents (a signed 32-bit integer). */
  get hash(): number {
    return this.#hash;
  }

  /** Sets bit `index`, which must be clear. */
  set(index: number): void {
    const word = index >>> 5;
    this.words[word] = (this.words[word] ?? 0) | (1 << (index & 31));
    this.#hash ^= bitCode(index);
  }

  /** Clears bit `index`, which must be set. */
  clear(index: number): void {
    const word = index >>> 5;
    this.words[word] = (this.words[word] ?? 0) & ~(1 << (index & 31));
    this.#hash ^= bitCode(index);
  }
}

/**
 * A pseudo-random but fixed 32-bit code for a bit index: MurmurHash3's finalizer, which spreads
 * consecutive indexes over all bits so XORs of them rarely collide.
 */
function bitCode(index: number): number {
  let code = Math.imul(index + 1, 0x9e3779b1);
  code ^= code >>> 16;
  code = Math.imul(code, 0x85ebca6b);
  code ^= code >>> 13;
  code = Math.imul(code, 0xc2b2ae35);
  return code ^ (code >>> 16);
}
