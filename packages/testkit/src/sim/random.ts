/**
 * A small seeded pseudo-random generator (xoshiro128**), so that a simulation is reproduced
 * exactly from its seed.
 *
 * @module
 */

/**
 * A deterministic source of randomness: the same seed yields the same sequence on every machine.
 *
 * @since 0.1.0
 */
export class SeededRandom {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /**
   * @param seed - Any integer; it is spread over the 128-bit state with splitmix32.
   */
  constructor(seed: number) {
    let state = seed >>> 0;
    const next = () => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
  }

  /** @returns A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.#b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.#b << 9) >>> 0;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotateLeft(this.#d, 11);
    return result;
  }

  /** @returns A float in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /**
   * @param min - Smallest value.
   * @param max - Largest value (inclusive).
   * @returns An integer in [min, max].
   */
  int(min: number, max: number): number {
    return min + Math.floor(this.nextFloat() * (max - min + 1));
  }

  /**
   * @param probability - Between 0 and 1.
   * @returns `true` with that probability.
   */
  chance(probability: number): boolean {
    return this.nextFloat() < probability;
  }

  /**
   * @param items - A non-empty list.
   * @returns One of them, uniformly.
   */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.nextFloat() * items.length)];
    if (item === undefined) throw new RangeError("pick from an empty list");
    return item;
  }

  /**
   * @param length - How many.
   * @returns That many random bytes.
   */
  bytes(length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    for (let index = 0; index < length; index += 1) bytes[index] = this.nextUint32() & 0xff;
    return bytes;
  }

  /**
   * Derives an independent generator, so that one subsystem's draws do not shift another's.
   *
   * @returns A new generator seeded from this one.
   */
  fork(): SeededRandom {
    return new SeededRandom(this.nextUint32());
  }
}

function rotateLeft(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}
