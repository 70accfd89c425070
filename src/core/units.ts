/**
 * Units and physical constants used everywhere in hrtem-ood.
 *
 * Base units: energies in eV (the electron's kinetic energy, i.e. acceleration voltage times e),
 * lengths in Å, angles in rad, spatial frequencies in 1/Å (cycles per Å, no factor 2π), dose in
 * electrons per Å², potentials in V and projected potentials in V·Å. Any other unit is named in
 * the identifier (`convergenceMrad`, `timeoutMs`).
 *
 * Array layout: a 2D field of shape (ny, nx) is stored row-major, index = iy * nx + ix, so that
 * `numpy.load` followed by `imshow` shows x to the right and y down. Complex fields are interleaved
 * (re, im) float32 (NumPy complex64) or float64 (complex128) pairs.
 *
 * Constants are CODATA 2018 exact or recommended values.
 */

/** Planck constant h [J·s] (exact, CODATA 2018). */
export const PLANCK_J_S = 6.62607015e-34;
/** Speed of light in vacuum c [m/s] (exact). */
export const SPEED_OF_LIGHT_M_S = 299_792_458;
/** Elementary charge e [C] (exact). */
export const ELEMENTARY_CHARGE_C = 1.602176634e-19;
/** Electron rest mass m_e [kg] (CODATA 2018). */
export const ELECTRON_MASS_KG = 9.1093837015e-31;

/** Electron rest energy m_e c² [eV]. */
export const ELECTRON_REST_ENERGY_EV =
  (ELECTRON_MASS_KG * SPEED_OF_LIGHT_M_S ** 2) / ELEMENTARY_CHARGE_C;

/** h·c [eV·Å]. */
export const HC_EV_ANGSTROM = ((PLANCK_J_S * SPEED_OF_LIGHT_M_S) / ELEMENTARY_CHARGE_C) * 1e10;

/** Milliradians per radian. */
export const MRAD_PER_RAD = 1000;
/** Ångström per nanometre. */
export const ANGSTROM_PER_NM = 10;
/** Ångström per millimetre (for Cs and Cc quoted in mm). */
export const ANGSTROM_PER_MM = 1e7;
