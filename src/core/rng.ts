/**
 * Seeded pseudo-random numbers: xoshiro128** (Blackman & Vigna 2018) seeded through splitmix32.
 * Every random choice in hrtem-ood draws from an `Rng` passed in by the caller, so a seed fixes a
 * whole run. `fork(label)` derives an independent stream from a label, so that adding a random
 * draw in one stage does not shift the numbers of another.
 */
import { requireFinite } from './errors.js';

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** FNV-1a hash of a string to 32 bits, for deriving seeds from labels. */
export function hashString32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seeded generator of uniform and normal deviates. */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;
  /** The seed this generator was created from. */
  readonly seed: number;

  /**
   * @param seed any finite number; non-integers and values beyond 32 bits are hashed
   * @throws RangeError if the seed is not finite
   */
  constructor(seed: number) {
    requireFinite('seed', seed, '(integer)');
    this.seed = seed;
    let state = Number.isSafeInteger(seed)
      ? (seed ^ Math.floor(seed / 2 ** 32)) | 0
      : hashString32(String(seed));
    [state, this.s0] = splitmix32(state);
    [state, this.s1] = splitmix32(state);
    [state, this.s2] = splitmix32(state);
    [state, this.s3] = splitmix32(state);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform deviate in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform deviate in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** Normal deviate with the given mean and standard deviation (Marsaglia polar method). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.random() - 1;
      v = 2 * this.random() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return mean + std * u * f;
  }

  /** Poisson deviate with mean `lambda` ≥ 0 (Knuth for small means, PTRS-free normal-free split). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda < 30) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.random();
      while (p > limit) {
        k++;
        p *= this.random();
      }
      return k;
    }
    return poissonPtrs(this, lambda);
  }

  /** An independent generator derived from this one's seed and a label. */
  fork(label: string): Rng {
    return new Rng(hashString32(`${this.seed}/${label}`));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Hörmann's PTRS transformed-rejection Poisson sampler (1993), exact for λ ≥ 10. */
function poissonPtrs(rng: Rng, lambda: number): number {
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.random() - 0.5;
    const v = rng.random();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    const lhs = Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b);
    const rhs = -lambda + k * loglam - logFactorial(k);
    if (lhs <= rhs) return k;
  }
}

function logFactorial(k: number): number {
  if (k < 2) return 0;
  // Stirling series with three correction terms: error < 1e-10 for k ≥ 2.
  const x = k + 1;
  return (
    (x - 0.5) * Math.log(x) -
    x +
    0.5 * Math.log(2 * Math.PI) +
    1 / (12 * x) -
    1 / (360 * x ** 3) +
    1 / (1260 * x ** 5)
  );
}
