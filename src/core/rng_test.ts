import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(sa);
  });

  it('pins the first outputs of seed 1 so that a change of generator is noticed', () => {
    const rng = new Rng(1);
    const values = Array.from({ length: 3 }, () => rng.nextUint32());
    expect(values).toMatchInlineSnapshot(`
      [
        2442144158,
        3238099751,
        3819917871,
      ]
    `);
  });

  it('draws uniforms in [0, 1) with mean 1/2 and normals with mean 0 and variance 1', () => {
    const rng = new Rng(7);
    const n = 200_000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.random();
      if (!(u >= 0 && u < 1)) throw new Error(`uniform out of range: ${u}`);
      su += u;
      const z = rng.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(Math.abs(su / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(sn / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });

  it.each([0.5, 4, 29, 31, 400, 5000])(
    'draws Poisson deviates with mean and variance λ = %d',
    (lambda) => {
      const rng = new Rng(11);
      const n = 100_000;
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const k = rng.poisson(lambda);
        if (!(Number.isInteger(k) && k >= 0)) throw new Error(`bad Poisson deviate ${k}`);
        s += k;
        s2 += k * k;
      }
      const mean = s / n;
      const variance = s2 / n - mean * mean;
      expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / n));
      expect(Math.abs(variance / lambda - 1)).toBeLessThan(0.03);
    },
  );

  it('forks independent streams by label', () => {
    const rng = new Rng(3);
    expect(rng.fork('a').nextUint32()).toBe(new Rng(3).fork('a').nextUint32());
    expect(rng.fork('a').nextUint32()).not.toBe(rng.fork('b').nextUint32());
  });

  it('rejects a non-finite seed', () => {
    expect(() => new Rng(Number.NaN)).toThrow('seed must be a finite number');
  });
});
