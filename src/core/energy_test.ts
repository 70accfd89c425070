import { describe, expect, it } from 'vitest';
import { hasReference, readReferenceJson } from '../test-utils/reference.js';
import { interactionParameter, wavelength } from './energy.js';

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
});
