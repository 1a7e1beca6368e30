// Seeded Gaussian source for latents and ancestral/LCM noise.
// xoshiro128** (Blackman & Vigna) on 32-bit integer maths, seeded through splitmix32, so the stream
// is bit-identical on every platform; normals come from Box-Muller on 53-bit uniforms.

/** A seeded random stream; `normal(n)` continues the stream where the previous call stopped. */
export interface Rng {
  readonly seed: number;
  /** Next raw 32-bit output (unsigned). */
  nextUint32(): number;
  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number;
  /** `n` standard-normal samples (mean 0, variance 1). */
  normal(n: number): Float32Array;
}

export class RngSeedError extends Error {
  constructor(seed: unknown) {
    super(`Seed must be an integer from 0 to 4294967295 (uint32), got ${String(seed)}.`);
    this.name = 'RngSeedError';
  }
}

/** True for integers 0..2^32-1, the seeds the UI, CLI and metadata accept. */
export function isValidSeed(seed: unknown): seed is number {
  return typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff;
}

/** splitmix32: spreads one 32-bit seed over the four state words (never all zero). */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [next, z >>> 0];
}

class Xoshiro128StarStar implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Second value of the last Box-Muller pair, so chunked calls give the same stream. */
  private spare: number | undefined;

  constructor(readonly seed: number) {
    let st = seed | 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(st);
      st = next;
      words.push(out);
    }
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  normal(n: number): Float32Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`normal(n) needs a count >= 0, got ${n}`);
    const out = new Float32Array(n);
    let i = 0;
    if (n > 0 && this.spare !== undefined) {
      out[i++] = this.spare;
      this.spare = undefined;
    }
    while (i < n) {
      // 1 - u keeps the logarithm's argument in (0, 1].
      const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
      const angle = 2 * Math.PI * this.uniform();
      out[i++] = radius * Math.cos(angle);
      const second = radius * Math.sin(angle);
      if (i < n) out[i++] = second;
      else this.spare = second;
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A fresh stream for `seed` (uint32); the same seed gives the same numbers everywhere. */
export function createRng(seed: number): Rng {
  if (!isValidSeed(seed)) throw new RngSeedError(seed);
  return new Xoshiro128StarStar(seed);
}
