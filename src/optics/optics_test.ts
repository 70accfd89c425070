import { describe, expect, it } from 'vitest';
import { wavelength } from '../core/energy.js';
import { InputError } from '../core/errors.js';
import { hasReference, readReferenceJson } from '../test-utils/reference.js';
import { ABERRATION_TERMS, activeTerms, chiAt, resolveAberrations } from './aberrations.js';
import { parseOpticalCondition, parseOpticalConditionFile } from './condition.js';
import {
  ctfZeros,
  informationLimit,
  pointResolution,
  scherzerAperture,
  scherzerDefocus,
} from './derived.js';
import {
  defocusSamples,
  focalSpreadFromInstrument,
  fwhmToStd,
  spatialEnvelope,
  temporalEnvelope,
} from './envelopes.js';
import { radialProfile, transferFunctionGrid } from './transfer.js';

interface OpticsReference {
  _conventions: { tolerance: string };
  ctf_zeros: { energy_eV: number; defocus_A: number; Cs_A: number; first_zeros_per_A: number[] }[];
  scherzer: {
    energy_eV: number;
    Cs_A: number;
    scherzer_defocus_A: number;
    point_resolution_A: number;
    scherzer_aperture_mrad: number;
  }[];
  envelopes: {
    energy_eV: number;
    defocus_A: number;
    Cs_A: number;
    focal_spread_std_A: number;
    convergence_mrad: number;
    k_per_A: number;
    temporal: number;
    spatial: number;
  }[];
}

const reference = hasReference
  ? readReferenceJson<OpticsReference>('optics.json')
  : { _conventions: { tolerance: '' }, ctf_zeros: [], scherzer: [], envelopes: [] };
/** The reference file states 1e-4 relative for zeros and Scherzer values. */
const REL_TOL = 1e-4;
const relErr = (a: number, b: number) => Math.abs(a / b - 1);

describe.skipIf(!hasReference)('reference values (shared/reference/optics.json)', () => {
  it('has rows of every kind', () => {
    expect(
      reference.ctf_zeros.length * reference.scherzer.length * reference.envelopes.length,
    ).toBeGreaterThan(0);
  });

  it.each(reference.ctf_zeros)(
    'ctfZeros at $energy_eV eV, defocus $defocus_A Å, Cs $Cs_A Å match to 1e-4',
    (row) => {
      const ab = resolveAberrations({ defocus: row.defocus_A, Cs: row.Cs_A });
      const zeros = ctfZeros(row.energy_eV, ab, row.first_zeros_per_A.length);
      expect(zeros).toHaveLength(row.first_zeros_per_A.length);
      for (const [i, z] of zeros.entries()) {
        expect(relErr(z, row.first_zeros_per_A[i])).toBeLessThan(REL_TOL);
      }
    },
  );

  it.each(reference.scherzer)(
    'Scherzer values at $energy_eV eV, Cs $Cs_A Å match to 1e-4',
    (row) => {
      expect(relErr(scherzerDefocus(row.energy_eV, row.Cs_A), row.scherzer_defocus_A)).toBeLessThan(
        REL_TOL,
      );
      expect(relErr(pointResolution(row.energy_eV, row.Cs_A), row.point_resolution_A)).toBeLessThan(
        REL_TOL,
      );
      expect(
        relErr(scherzerAperture(row.energy_eV, row.Cs_A) * 1e3, row.scherzer_aperture_mrad),
      ).toBeLessThan(REL_TOL);
    },
  );

  it.each(reference.envelopes)('envelopes at k = $k_per_A 1/Å match to 1e-6 relative', (row) => {
    const condition = parseOpticalCondition({
      energy: row.energy_eV,
      defocus: row.defocus_A,
      Cs: row.Cs_A,
      focalSpread: row.focal_spread_std_A,
      convergenceMrad: row.convergence_mrad,
    });
    const profile = radialProfile(condition, [row.k_per_A]);
    expect(relErr(profile.temporal[0], row.temporal)).toBeLessThan(1e-6);
    expect(relErr(profile.spatial[0], row.spatial)).toBeLessThan(1e-6);
  });
});

describe('aberration function χ', () => {
  it('is invariant under φ → φ + 2π/m for every term', () => {
    const lambda = wavelength(300e3);
    const k = 0.37;
    for (const t of ABERRATION_TERMS.filter((x) => x.m > 0)) {
      // A coefficient that makes the term's radial factor 1 rad at k.
      const coefficient = ((t.n + 1) * lambda) / (2 * Math.PI * (lambda * k) ** (t.n + 1));
      const terms = activeTerms({ [t.symbol]: coefficient, [t.angle!]: 0.3 });
      for (const phi of [0, 0.7, 2.1, 4]) {
        const a = chiAt(k, phi, lambda, terms);
        const b = chiAt(k, phi + (2 * Math.PI) / t.m, lambda, terms);
        expect(Math.abs(a - b)).toBeLessThan(1e-9 * Math.max(1, Math.abs(a)));
      }
      // …and is not invariant under a smaller rotation, so the test can fail.
      const a = chiAt(k, 0.1, lambda, terms);
      const c = chiAt(k, 0.1 + Math.PI / t.m, lambda, terms);
      expect(Math.abs(a - c)).toBeGreaterThan(0.1);
    }
  });

  it('is −πλΔf·k² for pure defocus (positive defocus is underfocus, χ < 0)', () => {
    const lambda = wavelength(200e3);
    const terms = activeTerms(resolveAberrations({ defocus: 500 }));
    expect(chiAt(0.2, 0, lambda, terms)).toBeCloseTo(-Math.PI * lambda * 500 * 0.04, 12);
  });

  it('has no zero of sin χ below the point-resolution frequency at Scherzer defocus', () => {
    for (const [energy, Cs] of [
      [300e3, 1.2e7],
      [200e3, 1.3e7],
      [80e3, -2e5],
    ]) {
      const ab = resolveAberrations({ defocus: scherzerDefocus(energy, Cs), Cs });
      const kRes = 1 / pointResolution(energy, Cs);
      const zeros = ctfZeros(energy, ab, 1);
      expect(zeros[0]).toBeGreaterThan(kRes * (1 - 1e-6));
      const profile = radialProfile(
        parseOpticalCondition({ energy, defocus: scherzerDefocus(energy, Cs), Cs }),
        Array.from({ length: 999 }, (_, i) => ((i + 1) / 1000) * kRes),
      );
      const signs = new Set(Array.from(profile.sinChi, Math.sign));
      expect(signs.size).toBe(1);
    }
  });
});

describe('envelopes', () => {
  const lambda = wavelength(300e3);
  const condition = parseOpticalCondition({
    energy: 300e3,
    defocus: 300,
    Cs: 1.2e7,
    focalSpread: 20,
    convergenceMrad: 0.3,
  });
  const ks = Array.from({ length: 400 }, (_, i) => i * 0.005);

  it('are 1 at k = 0 and decrease monotonically for pure defocus + Cs (overfocus)', () => {
    // With C10 and C30 of the same sign (overfocus for Cs > 0) the gradient of χ grows
    // monotonically with k, so both envelopes fall monotonically.
    for (const defocus of [0, -150, -600]) {
      const c = parseOpticalCondition({
        energy: 300e3,
        defocus,
        Cs: 1.2e7,
        focalSpread: 20,
        convergenceMrad: 0.3,
      });
      const profile = radialProfile(c, ks);
      expect(profile.temporal[0]).toBe(1);
      expect(profile.spatial[0]).toBe(1);
      for (let i = 1; i < ks.length; i++) {
        expect(profile.temporal[i]).toBeLessThan(profile.temporal[i - 1]);
        expect(profile.spatial[i]).toBeLessThanOrEqual(profile.spatial[i - 1]);
      }
      expect(profile.spatial[ks.length - 1]).toBeLessThan(1e-3);
    }
  });

  it('spatial envelope returns to 1 where χ is stationary in underfocus', () => {
    // For Δf > 0 and Cs > 0, ∂χ/∂θ vanishes at θ* = √(Δf/Cs): partial spatial coherence does not
    // damp that frequency. A monotone E_s here would be wrong.
    const kStar = Math.sqrt(300 / 1.2e7) / lambda;
    const profile = radialProfile(condition, [kStar / 2, kStar]);
    expect(profile.spatial[0]).toBeLessThan(0.9995);
    expect(profile.spatial[1]).toBeCloseTo(1, 12);
  });

  it('match an explicit Gaussian defocus average of a weak phase object to 1e-3 where E_t > 0.1', () => {
    // Weak phase object: the image spectrum is proportional to sin χ; averaging sin χ over a
    // Gaussian defocus distribution gives sin χ · E_t analytically.
    const samples = defocusSamples(condition.focalSpread, 201, 6);
    const terms = activeTerms(condition.aberrations);
    let checked = 0;
    for (let k = 0.01; k < 1.2; k += 0.01) {
      const envelope = temporalEnvelope(k, lambda, condition.focalSpread);
      if (envelope <= 0.1) continue;
      let average = 0;
      for (let i = 0; i < samples.offsets.length; i++) {
        const shifted = activeTerms({ ...condition.aberrations, C10: -(300 + samples.offsets[i]) });
        average += samples.weights[i] * Math.sin(chiAt(k, 0, lambda, shifted));
      }
      const quasi = Math.sin(chiAt(k, 0, lambda, terms)) * envelope;
      expect(Math.abs(average - quasi)).toBeLessThan(1e-3);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('spatial envelope for round aberrations equals the textbook C10/C30 form', () => {
    const alpha = 0.5e-3;
    const terms = activeTerms({ C10: -120, C30: 1e7 });
    for (const k of [0.1, 0.4, 0.8]) {
      const textbook = Math.exp(
        -(((Math.PI * alpha) / lambda) ** 2) * (1e7 * lambda ** 3 * k ** 3 - 120 * lambda * k) ** 2,
      );
      expect(relErr(spatialEnvelope(k, 0.4, lambda, alpha, terms), textbook)).toBeLessThan(1e-12);
    }
  });

  it('focal spread from instrument values counts the lens current twice', () => {
    expect(focalSpreadFromInstrument({ Cc: 1e7, energySpreadRelStd: 3e-6 })).toBeCloseTo(30, 10);
    expect(focalSpreadFromInstrument({ Cc: 1e7, currentRelStd: 1e-6 })).toBeCloseTo(20, 10);
    expect(fwhmToStd(2.3548200450309493)).toBeCloseTo(1, 12);
  });

  it('information limit is where E_t = e⁻²', () => {
    const d = informationLimit(300e3, 10);
    expect(temporalEnvelope(1 / d, lambda, 10)).toBeCloseTo(Math.exp(-2), 12);
  });
});

describe('transferFunctionGrid', () => {
  it('takes the round-aberration fast path with the same values as the general evaluation', () => {
    const input = {
      energy: 300e3,
      defocus: 150,
      Cs: -2e4,
      C5: 3e6,
      focalSpread: 12,
      convergenceMrad: 0.4,
      apertureMrad: 25,
    };
    const grid = { shape: [30, 42] as const, sampling: [0.2, 0.11] as const };
    const fast = transferFunctionGrid(parseOpticalCondition(input), grid);
    // A zero-length astigmatism keeps the round path off without changing the physics.
    const general = transferFunctionGrid(parseOpticalCondition({ ...input, C32: 1e-300 }), grid);
    let worst = 0;
    for (let i = 0; i < fast.length; i++) worst = Math.max(worst, Math.abs(fast[i] - general[i]));
    expect(worst).toBeLessThan(2e-6);
  });

  it('matches the radial profile on a non-square grid and is not transposed', () => {
    const condition = parseOpticalCondition({
      energy: 200e3,
      defocus: 200,
      Cs: 1e6,
      astigmatism: 40,
      astigmatismAngle: 0.3,
      focalSpread: 15,
      convergenceMrad: 0.2,
      apertureMrad: 20,
      apertureEdgeMrad: 0.5,
    });
    const grid = { shape: [48, 80] as const, sampling: [0.15, 0.1] as const };
    const t = transferFunctionGrid(condition, grid);
    for (const [iy, ix] of [
      [3, 5],
      [40, 7],
      [11, 70],
    ]) {
      const ky = (iy < 24 ? iy : iy - 48) / (48 * 0.15);
      const kx = (ix < 40 ? ix : ix - 80) / (80 * 0.1);
      const p = radialProfile(condition, [Math.hypot(kx, ky)], Math.atan2(ky, kx));
      const amplitude = p.aperture[0] * p.temporal[0] * p.spatial[0];
      const idx = 2 * (iy * 80 + ix);
      expect(t[idx]).toBeCloseTo(amplitude * Math.cos(p.chi[0]), 5);
      expect(t[idx + 1]).toBeCloseTo(-amplitude * Math.sin(p.chi[0]), 5);
    }
    expect(t[0]).toBe(1);
    expect(t[1]).toBeCloseTo(0, 12);
  });
});

describe('input validation', () => {
  it('refuses both defocus and C10', () => {
    expect(() => parseOpticalCondition({ energy: 3e5, defocus: 10, C10: -10 })).toThrow(
      new InputError(
        "aberration C10 given twice, as 'defocus' and as 'C10'; give only one (defocus = −C10)",
      ),
    );
  });
  it('refuses unknown aberration names', () => {
    expect(() => parseOpticalCondition({ energy: 3e5, C99: 1 })).toThrow(
      /unknown aberration 'C99'/,
    );
  });
  it('refuses a convergence that looks like mrad', () => {
    expect(() => parseOpticalCondition({ energy: 3e5, convergence: 0.5 })).toThrow(
      /convergence is a semi-angle in rad .* give convergenceMrad: 0.5/,
    );
  });
  it('refuses bad energies and NaN', () => {
    expect(() => parseOpticalCondition({ energy: -3 })).toThrow('energy must be > 0 eV, got -3 eV');
    expect(() => parseOpticalCondition({ energy: 3e5, Cs: Number.NaN })).toThrow(
      'Cs must be a finite number in Å, got NaN',
    );
    expect(() => scherzerDefocus(3e5, 0)).toThrow(RangeError);
  });
  it('names the key and its unit when a condition file has a value of the wrong type', () => {
    expect(() =>
      parseOpticalConditionFile(
        { energy: '300 kV', defocus: 'abc', focalSpread: [1], phi12: 'x', apertureMrad: null },
        'c.yaml',
      ),
    ).toThrow(
      new InputError(
        'c.yaml: energy: must be a number in eV; focalSpread: must be a number in Å (standard deviation); apertureMrad: must be a number in mrad; phi12: must be a number in rad; defocus: must be a number in Å',
      ),
    );
    expect(() => parseOpticalCondition({ energy: 300 })).toThrow(
      'if you meant 300 kV, give 300000',
    );
  });
});
