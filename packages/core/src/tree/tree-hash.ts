/**
 * The hash behind the data tree's digest: 64 bits as two 32-bit lanes, computed with 32-bit
 * integer arithmetic only.
 *
 * Lane `a` mixes each 32-bit word as MurmurHash3's block step does, lane `b` as xxHash32's round
 * does, and each ends with MurmurHash3's avalanche. A per-byte `bigint` FNV would cost a bigint
 * multiplication per byte, far too slow for a megabyte of node data on the apply path; this runs
 * at a few words per nanosecond. It is not cryptographic: the digest detects divergence caused by
 * bugs and corruption, not by an adversary. Its values are part of the snapshot format (a
 * snapshot stores the digest it was taken with), so changing it means a new snapshot version.
 *
 * @internal
 * @module
 */

const MURMUR_C1 = 0xcc9e2d51;
const MURMUR_C2 = 0x1b873593;
const XXH_PRIME_1 = 0x9e3779b1;
const XXH_PRIME_2 = 0x85ebca77;
const TWO_POW_32 = 2 ** 32;

/**
 * A streaming hasher: feed it words, integers, strings and bytes, then read both lanes.
 *
 * @remarks
 * Variable-length inputs are prefixed with their length, so the sequence of fed values is
 * recovered unambiguously from the stream of words, and two different sequences only collide by
 * chance.
 * @since 0.1.0
 * @internal
 */
export class Hash64 {
  #a: number;
  #b: number;
  #words = 0;

  /** @param seed - Separates the domains hashed with this class (nodes, sessions, data). */
  constructor(seed: number) {
    this.#a = seed | 0;
    this.#b = (seed ^ XXH_PRIME_1) | 0;
  }

  /**
   * Feeds one 32-bit word; only its low 32 bits count.
   *
   * @param value - An integer.
   * @returns This hasher.
   */
  word(value: number): this {
    this.#a = murmurStep(this.#a, value);
    this.#b = xxhashStep(this.#b, value);
    this.#words++;
    return this;
  }

  /**
   * Feeds a non-negative safe integer as two words.
   *
   * @param value - An integer from 0 to 2^53 - 1.
   * @returns This hasher.
   */
  safeInteger(value: number): this {
    return this.word(Math.floor(value / TWO_POW_32)).word(value >>> 0);
  }

  /**
   * Feeds a 64-bit unsigned integer as two words.
   *
   * @param value - A bigint from 0 to 2^64 - 1.
   * @returns This hasher.
   */
  u64(value: bigint): this {
    return this.word(Number(value >> 32n)).word(Number(value & 0xffff_ffffn));
  }

  /**
   * Feeds a string's UTF-16 code units, two per word, after its length.
   *
   * @param value - Any string.
   * @returns This hasher.
   */
  string(value: string): this {
    const length = value.length;
    this.word(length);
    let index = 0;
    for (; index + 1 < length; index += 2) {
      this.word(value.charCodeAt(index) | (value.charCodeAt(index + 1) << 16));
    }
    if (index < length) this.word(value.charCodeAt(index));
    return this;
  }

  /**
   * Feeds bytes, four per little-endian word (the last one zero-padded), after their length.
   *
   * @param value - Any bytes.
   * @returns This hasher.
   */
  bytes(value: Uint8Array): this {
    const length = value.length;
    this.word(length);
    const whole = length & ~3;
    // Node data is the one large input, hashed on every create and setData, so the lanes live in
    // locals through the loop, and `| 0` tells V8 they are int32: without it the loop runs on
    // doubles, three times slower. Words are read little-endian explicitly, so that every
    // platform reads the same words.
    const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
    let a = this.#a | 0;
    let b = this.#b | 0;
    for (let index = 0; index < whole; index += 4) {
      const word = view.getInt32(index, true);
      a = murmurStep(a, word);
      b = xxhashStep(b, word);
    }
    this.#a = a;
    this.#b = b;
    this.#words += whole >>> 2;
    if (whole < length) {
      let tail = 0;
      for (let index = whole, shift = 0; index < length; index++, shift += 8) {
        tail |= (value[index] as number) << shift;
      }
      this.word(tail);
    }
    return this;
  }

  /** Lane `a` after the avalanche, an unsigned 32-bit integer. */
  get high(): number {
    return avalanche(this.#a ^ this.#words);
  }

  /** Lane `b` after the avalanche, an unsigned 32-bit integer. */
  get low(): number {
    return avalanche(this.#b ^ Math.imul(this.#words, XXH_PRIME_2));
  }
}

/** MurmurHash3's block step: mixes one word into lane `a`. */
function murmurStep(lane: number, word: number): number {
  let k = Math.imul(word, MURMUR_C1);
  k = Math.imul((k << 15) | (k >>> 17), MURMUR_C2);
  const mixed = lane ^ k;
  return (Math.imul((mixed << 13) | (mixed >>> 19), 5) + 0xe6546b64) | 0;
}

/** xxHash32's round: mixes one word into lane `b`. */
function xxhashStep(lane: number, word: number): number {
  const sum = (lane + Math.imul(word, XXH_PRIME_2)) | 0;
  return Math.imul((sum << 13) | (sum >>> 19), XXH_PRIME_1);
}

/** MurmurHash3's fmix32: every input bit affects every output bit. */
function avalanche(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
