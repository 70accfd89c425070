/**
 * Electron scattering factors of neutral atoms and the projected potentials they imply.
 *
 * Two published parametrizations, read from `data/potential/*.json` (each file cites its table):
 *   Kirkland (2010, Appendix C):  f_e(k) = Σ_{i≤3} a_i / (k² + b_i) + Σ_{i≤3} c_i exp(−d_i k²)
 *   Lobato & Van Dyck (2014):     f_e(k) = Σ_{i≤5} a_i (2 + b_i k²) / (1 + b_i k²)²
 * with k = 2 sin(θ)/λ [1/Å] and f_e [Å].
 *
 * Link to the potential (Kirkland 2010, eq. 5.9, first Born approximation): the 3D Fourier
 * transform of the atomic potential is V(k) = (h² / (2π m₀ e)) f_e(k). Projecting along z keeps
 * the k_z = 0 plane, so the 2D Fourier transform of the projected potential v_z(x, y) [V·Å] is
 *   v_z(k) = C_f · f_e(k),   C_f = h² / (2π m₀ e) = 2π a₀ e/(4πε₀) = 2π · a₀ · 14.3996 V·Å
 * with a₀ the Bohr radius: C_f ≈ 47.8788 V·Å². Its real-space forms (used to check the Fourier
 * route) are Kirkland's eq. C.20 and, for Lobato, the Hankel transform of each term:
 *   a/(k² + b)           → 2π a K0(2π r √b)
 *   c exp(−d k²)         → (π c / d) exp(−π² r² / d)
 *   a/(1 + b k²)         → (2π a / b) K0(2π r / √b)
 *   a/(1 + b k²)²        → (2π² a r / b^{3/2}) K1(2π r / √b)
 * each multiplied by C_f. Both diverge logarithmically at r = 0 (the singular core); on a grid the
 * potential is built in Fourier space, where f_e(0) is finite, so the grid's band limit is the
 * only regularisation, as in abTEM's infinite projection.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import { besselK0, besselK1 } from './bessel.js';

/** Bohr radius a₀ [Å] (CODATA 2018). */
export const BOHR_RADIUS_ANGSTROM = 0.529177210903;
/** e / (4π ε₀) [V·Å] (CODATA 2018: e²/(4πε₀) = 14.399645 eV·Å). */
export const COULOMB_V_ANGSTROM = 14.3996454784;
/** C_f = h²/(2π m₀ e) [V·Å²]: projected potential per unit scattering factor (Kirkland eq. 5.9). */
export const SCATTERING_FACTOR_TO_POTENTIAL =
  2 * Math.PI * BOHR_RADIUS_ANGSTROM * COULOMB_V_ANGSTROM;

/** Names of the supported parametrizations. */
export type ParametrizationName = 'kirkland' | 'lobato';

/** Parameters of one element. */
export interface ElementParameters {
  symbol: string;
  a: number[];
  b: number[];
  c?: number[];
  d?: number[];
}

/** A scattering-factor parametrization for Z = 1 … `maxZ`. */
export interface Parametrization {
  readonly name: ParametrizationName;
  /** Citation of the table. */
  readonly source: string;
  /** Largest atomic number with parameters. */
  readonly maxZ: number;
  /** True if parameters exist for atomic number z. */
  has(z: number): boolean;
  /** Chemical symbol of atomic number z. */
  symbol(z: number): string;
  /**
   * Electron scattering factor f_e [Å] at squared spatial frequency k2 [1/Å²].
   * @throws InputError if z has no parameters
   */
  scatteringFactor(z: number, k2: number): number;
  /** Projected potential v_z [V·Å] of one atom at distance r > 0 [Å] from its column. */
  projectedPotential(z: number, r: number): number;
  /** ∫ v_z d²r [V·Å³] = C_f · f_e(0): the projected potential integrated over the plane. */
  projectedIntegral(z: number): number;
}

const dataDir = new URL('../../data/potential/', import.meta.url);
const cache = new Map<ParametrizationName, Parametrization>();

interface TableFile {
  source: string;
  elements: Record<string, ElementParameters>;
}

/**
 * Loads a parametrization (cached per process).
 * @param name 'kirkland' or 'lobato'
 * @throws InputError for an unknown name
 */
export function getParametrization(name: ParametrizationName): Parametrization {
  const hit = cache.get(name);
  if (hit) return hit;
  if (name !== 'kirkland' && name !== 'lobato') {
    throw new InputError(`parametrization must be 'kirkland' or 'lobato', got '${name}'`);
  }
  const table = JSON.parse(readFileSync(new URL(`${name}.json`, dataDir), 'utf8')) as TableFile;
  const p = new TableParametrization(name, table);
  cache.set(name, p);
  return p;
}

class TableParametrization implements Parametrization {
  readonly maxZ: number;
  readonly source: string;
  private readonly elements: (ElementParameters | undefined)[] = [];

  constructor(
    readonly name: ParametrizationName,
    table: TableFile,
  ) {
    this.source = table.source;
    for (const [z, p] of Object.entries(table.elements)) this.elements[Number(z)] = p;
    this.maxZ = this.elements.length - 1;
  }

  has(z: number): boolean {
    return this.elements[z] !== undefined;
  }

  symbol(z: number): string {
    return this.get(z).symbol;
  }

  private get(z: number): ElementParameters {
    const p = this.elements[z];
    if (!p) {
      throw new InputError(
        `the ${this.name} parametrization has no parameters for atomic number Z = ${z} (it covers Z = 1–${this.maxZ})`,
      );
    }
    return p;
  }

  scatteringFactor(z: number, k2: number): number {
    const { a, b, c, d } = this.get(z);
    let f = 0;
    if (this.name === 'kirkland') {
      for (let i = 0; i < 3; i++) f += a[i] / (k2 + b[i]) + c![i] * Math.exp(-d![i] * k2);
    } else {
      for (let i = 0; i < 5; i++) {
        const q = 1 + b[i] * k2;
        f += (a[i] * (1 + q)) / (q * q);
      }
    }
    return f;
  }

  projectedPotential(z: number, r: number): number {
    const { a, b, c, d } = this.get(z);
    let v = 0;
    if (this.name === 'kirkland') {
      for (let i = 0; i < 3; i++) {
        v += 2 * Math.PI * a[i] * besselK0(2 * Math.PI * r * Math.sqrt(b[i]));
        v += ((Math.PI * c![i]) / d![i]) * Math.exp((-Math.PI * Math.PI * r * r) / d![i]);
      }
    } else {
      for (let i = 0; i < 5; i++) {
        const x = (2 * Math.PI * r) / Math.sqrt(b[i]);
        v += ((2 * Math.PI * a[i]) / b[i]) * besselK0(x);
        v += ((2 * Math.PI * Math.PI * a[i] * r) / b[i] ** 1.5) * besselK1(x);
      }
    }
    return SCATTERING_FACTOR_TO_POTENTIAL * v;
  }

  projectedIntegral(z: number): number {
    return SCATTERING_FACTOR_TO_POTENTIAL * this.scatteringFactor(z, 0);
  }
}
