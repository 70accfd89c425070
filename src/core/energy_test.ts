import { describe, expect, it } from 'vitest';
import { hasReference, readReferenceJson } from '../test-utils/reference.js';
import { interactionParameter, requireBeamEnergy, wavelength } from './energy.js';

interface Reference {
  wavelength_sigma: { energy_eV: number; wavelength_A: number; sigma_rad_per_V_A: number }[];
}
const reference = hasReference
  ? readReferenceJson<Reference>('optics.json')
  : { wavelength_sigma: [] };

describe('wavelength and interaction parameter', () => {
  it.skipIf(!hasReference)('has reference rows to compare against', () => {
    expect(reference.wavelength_sigma.length).toBeGreaterThanOrEqual(6);
  });

  it.each(reference.wavelength_sigma)(
    'match the CODATA 2018 reference at $energy_eV eV to 1e-6 relative',
    (row) => {
      expect(Math.abs(wavelength(row.energy_eV) / row.wavelength_A - 1)).toBeLessThan(1e-6);
      expect(
        Math.abs(interactionParameter(row.energy_eV) / row.sigma_rad_per_V_A - 1),
      ).toBeLessThan(1e-6);
    },
  );

  it('rejects zero, negative and non-finite energies naming the unit', () => {
    expect(() => wavelength(0)).toThrow(new RangeError('energy must be > 0 eV, got 0 eV'));
    expect(() => wavelength(-1)).toThrow(RangeError);
    expect(() => interactionParameter(Number.NaN)).toThrow(
      'energy must be a finite number in eV, got NaN',
    );
  });

  it('refuses beam energies outside 1 keV – 3 MeV at the input edge, suggesting kV → eV', () => {
    expect(() => requireBeamEnergy('simulation.energy', 300)).toThrow(
      'simulation.energy is in eV and must be in [1000, 3000000] eV for TEM, got 300 eV; if you meant 300 kV, give 300000',
    );
    expect(() => requireBeamEnergy('energy', 5e6)).toThrow(/must be in \[1000, 3000000\] eV/);
    expect(() => requireBeamEnergy('energy', 0)).toThrow('energy must be > 0 eV, got 0 eV');
    for (const e of [1e3, 60e3, 300e3, 3e6])
      expect(() => requireBeamEnergy('energy', e)).not.toThrow();
    // No kV hint when the value in kV would be out of range too.
    expect(() => requireBeamEnergy('energy', 0.5)).toThrow(/got 0\.5 eV$/);
    // The physics function itself stays defined for any positive energy (300 eV: 0.70797 Å).
    expect(wavelength(300)).toBeCloseTo(0.70797, 5);
  });
});
