/**
 * Relativistic electron wavelength and interaction parameter.
 *
 * With E the kinetic energy [eV] and m c² the electron rest energy [eV]:
 *   λ = h c / √(E (2 m c² + E))                       (Kirkland 2010, eq. 2.5)
 *   σ = (2π / (λ E)) · (m c² + E) / (2 m c² + E)       (Kirkland 2010, eq. 5.6)
 * σ is in rad/(V·Å): a projected potential v_z [V·Å] shifts the phase by σ·v_z.
 */
import { requirePositive } from './errors.js';
import { ELECTRON_REST_ENERGY_EV, HC_EV_ANGSTROM } from './units.js';

/**
 * Relativistic electron wavelength.
 * @param energy kinetic energy [eV], > 0 (e.g. 300e3 for 300 kV)
 * @returns wavelength λ [Å]
 * @throws RangeError if energy is not a finite positive number
 * @example wavelength(300e3) // ≈ 0.019687 Å
 */
export function wavelength(energy: number): number {
  requirePositive('energy', energy, 'eV');
  return HC_EV_ANGSTROM / Math.sqrt(energy * (2 * ELECTRON_REST_ENERGY_EV + energy));
}

/**
 * Interaction parameter σ.
 * @param energy kinetic energy [eV], > 0
 * @returns σ [rad/(V·Å)]
 * @throws RangeError if energy is not a finite positive number
 * @example interactionParameter(300e3) // ≈ 6.526e-4 rad/(V·Å)
 */
export function interactionParameter(energy: number): number {
  const lambda = wavelength(energy);
  const mc2 = ELECTRON_REST_ENERGY_EV;
  return ((2 * Math.PI) / (lambda * energy)) * ((mc2 + energy) / (2 * mc2 + energy));
}

/** Plausible beam energies for transmission electron microscopy [eV]: 1 keV to 3 MeV. */
export const BEAM_ENERGY_RANGE_EV: readonly [number, number] = [1e3, 3e6];

/**
 * Checks a beam energy given by a user (file, flag or library caller) before any work: finite,
 * > 0, and within {@link BEAM_ENERGY_RANGE_EV}. A value below 1 keV is almost always a voltage
 * typed in kV, so the message suggests the value in eV. The physics functions themselves
 * (`wavelength`, `interactionParameter`) accept any positive energy.
 * @param name the parameter as the user wrote it (e.g. `energy`, `simulation.energy`)
 * @param energy kinetic energy [eV]
 * @throws RangeError naming the parameter, the rule and the unit
 * @example requireBeamEnergy('energy', 300) // throws: "… if you meant 300 kV, give 300000"
 */
export function requireBeamEnergy(name: string, energy: number): void {
  requirePositive(name, energy, 'eV');
  const problem = beamEnergyProblem(energy);
  if (problem) throw new RangeError(`${name} is in eV and ${problem}`);
}

/**
 * The rule a beam energy [eV] breaks, as the end of a message ("must be in [1000, 3000000] eV
 * for TEM, got 300 eV; if you meant 300 kV, give 300000"), or undefined when it lies in
 * {@link BEAM_ENERGY_RANGE_EV}. Shared by `requireBeamEnergy` and the sweep-file schema.
 */
export function beamEnergyProblem(energy: number): string | undefined {
  const [lo, hi] = BEAM_ENERGY_RANGE_EV;
  if (energy >= lo && energy <= hi) return undefined;
  const kv = energy * 1e3;
  const hint = kv >= lo && kv <= hi ? `; if you meant ${energy} kV, give ${kv}` : '';
  return `must be in [${lo}, ${hi}] eV for TEM, got ${energy} eV${hint}`;
}
