import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts object keys at every level and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[true,null]},"b":1}',
    );
  });

  it('writes -0 as 0 so equal numbers hash equally', () => {
    expect(canonicalJson({ x: -0 })).toBe(canonicalJson({ x: 0 }));
  });

  it('rejects values JSON cannot hold, naming the path', () => {
    expect(() => canonicalJson({ a: [1, Number.NaN] }, 'params')).toThrow(
      new TypeError('params.a[1] must be a finite number to be stored as JSON, got NaN'),
    );
    expect(() => canonicalJson({ a: new Float32Array(2) }, 'params')).toThrow(
      /params\.a must be plain JSON .* got Float32Array/,
    );
    expect(() => canonicalJson({ a: undefined }, 'params')).toThrow(
      /params\.a must be plain JSON, got undefined/,
    );
  });
});

describe('sha256Hex', () => {
  it('matches the published SHA-256 of "abc" (FIPS 180-2 example)', () => {
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
