import { describe, expect, it } from 'vitest';
import { parseOpticalCondition } from './condition.js';
import { domainOverlap, informationContent, spectralGrid, transferOnGrid } from './information.js';

const at = (defocus: number, extra: Record<string, number> = {}) =>
  parseOpticalCondition({ energy: 300e3, defocus, Cs: -2e4, focalSpread: 10, ...extra });

describe('CTF information framework', () => {
  const grid = spectralGrid(2.5, (k) => Math.exp(-k));

  it('gives overlap 1 and shift 0 for a domain with itself (single condition)', () => {
    const t = transferOnGrid([at(80)], grid);
    const o = domainOverlap(t, t, grid);
    expect(o.signed).toBeCloseTo(1, 12);
    expect(o.magnitude).toBeCloseTo(1, 12);
    expect(o.signedShift).toBeCloseTo(0, 12);
  });

  it('gives signed overlap −1 when every frequency is contrast-reversed', () => {
    const t = transferOnGrid([at(80)], grid);
    const flipped = t.map((x) => x.map((v) => -v));
    const o = domainOverlap(t, flipped, grid);
    expect(o.signed).toBeCloseTo(-1, 12);
    expect(o.magnitude).toBeCloseTo(1, 12);
  });

  it('shrinks the overlap as defocus moves away, on average monotonically', () => {
    const ref = transferOnGrid([at(0)], grid);
    const shifts = [0, 25, 50, 100, 200].map(
      (d) => domainOverlap(ref, transferOnGrid([at(d)], grid), grid).magnitudeShift,
    );
    for (let i = 1; i < shifts.length; i++) expect(shifts[i]).toBeGreaterThan(shifts[i - 1]);
  });

  it('information content is small at zero defocus for a weak-Cs microscope and larger away from it', () => {
    const eps0 = informationContent(transferOnGrid([at(0)], grid), grid);
    const eps100 = informationContent(transferOnGrid([at(100)], grid), grid);
    expect(eps0).toBeLessThan(eps100);
    expect(eps0).toBeGreaterThanOrEqual(0);
    expect(eps100).toBeLessThanOrEqual(1);
  });

  it('matches a hand-computed ε for constant transfer', () => {
    // An aperture-free, envelope-free condition whose sin χ is replaced by a constant is not
    // expressible; instead check the quadrature: ⟨1⟩_W = 1 for any W.
    const ones = [new Float64Array(grid.weight.length).fill(1)];
    expect(informationContent(ones, grid)).toBeCloseTo(1, 12);
    const half = [new Float64Array(grid.weight.length).fill(Math.SQRT1_2)];
    expect(informationContent(half, grid)).toBeCloseTo(0.5, 12);
  });

  it('rejects an empty domain and a zero spectrum', () => {
    expect(() => informationContent([], grid)).toThrow(RangeError);
    expect(() => spectralGrid(1, () => 0)).toThrow('objectSpectrum must be positive');
  });
});
