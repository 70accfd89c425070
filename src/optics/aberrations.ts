/**
 * The aberration function χ(k, φ) from polar aberration coefficients.
 *
 *   χ(k, φ) = (2π/λ) Σ_nm C_nm (λk)^(n+1) cos(m(φ − φ_nm)) / (n + 1)
 *
 * (Krivanek's polar notation; Kirkland 2010 eq. 10.9 for the low orders). C_nm are lengths [Å],
 * φ_nm angles [rad], k the spatial frequency [1/Å], φ its azimuth [rad] measured from +x towards
 * +y. The image wave is the exit wave times exp(−iχ); defocus Δf = −C10, so Δf > 0 (underfocus)
 * makes χ negative at low k.
 */
import { InputError, requireFinite } from '../core/errors.js';

/** One polar aberration term: order n, multiplicity m, and the names of its coefficient. */
export interface AberrationTerm {
  readonly n: number;
  readonly m: number;
  /** Coefficient name, e.g. 'C12' [Å]. */
  readonly symbol: string;
  /** Azimuth name, e.g. 'phi12' [rad], or null for round aberrations (m = 0). */
  readonly angle: string | null;
}

function term(n: number, m: number): AberrationTerm {
  return { n, m, symbol: `C${n}${m}`, angle: m === 0 ? null : `phi${n}${m}` };
}

/** Every term supported, up to fifth order. */
export const ABERRATION_TERMS: readonly AberrationTerm[] = [
  term(1, 0),
  term(1, 2),
  term(2, 1),
  term(2, 3),
  term(3, 0),
  term(3, 2),
  term(3, 4),
  term(4, 1),
  term(4, 3),
  term(4, 5),
  term(5, 0),
  term(5, 2),
  term(5, 4),
  term(5, 6),
];

/** Word aliases accepted at the API edge, mapped to (symbol, sign). */
export const ABERRATION_ALIASES: Readonly<Record<string, { symbol: string; sign: 1 | -1 }>> = {
  defocus: { symbol: 'C10', sign: -1 },
  Cs: { symbol: 'C30', sign: 1 },
  C5: { symbol: 'C50', sign: 1 },
  astigmatism: { symbol: 'C12', sign: 1 },
  astigmatismAngle: { symbol: 'phi12', sign: 1 },
};

/** Polar aberration coefficients: C_nm [Å] and φ_nm [rad]; missing entries are zero. */
export type Aberrations = Partial<Record<string, number>>;

const KNOWN_NAMES = new Set<string>([
  ...ABERRATION_TERMS.flatMap((t) => (t.angle ? [t.symbol, t.angle] : [t.symbol])),
]);

/** True if `name` is a polar symbol (C10, phi12, …) or an alias (defocus, Cs, …). */
export function isAberrationName(name: string): boolean {
  return KNOWN_NAMES.has(name) || name in ABERRATION_ALIASES;
}

/**
 * Resolves aliases into polar symbols and checks every value.
 * @param input coefficient values by symbol or alias (`defocus` [Å] = −C10, `Cs` = C30,
 *   `C5` = C50, `astigmatism` = C12, `astigmatismAngle` = φ12), lengths in Å, angles in rad
 * @returns coefficients by polar symbol only
 * @throws InputError for an unknown name or for a symbol given twice (e.g. both `defocus`
 *   and `C10`); RangeError for a non-finite value
 * @example resolveAberrations({ defocus: 100, Cs: 1.2e7 }) // { C10: -100, C30: 1.2e7 }
 */
export function resolveAberrations(
  input: Readonly<Record<string, number | undefined>>,
): Aberrations {
  const out: Aberrations = {};
  const source: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const alias = ABERRATION_ALIASES[name];
    if (!alias && !KNOWN_NAMES.has(name)) {
      throw new InputError(
        `unknown aberration '${name}'; expected one of ${[...KNOWN_NAMES].join(', ')} or the aliases ${Object.keys(ABERRATION_ALIASES).join(', ')}`,
      );
    }
    const symbol = alias ? alias.symbol : name;
    const unit = symbol.startsWith('phi') ? 'rad' : 'Å';
    requireFinite(name, value, unit);
    if (symbol in source) {
      throw new InputError(
        `aberration ${symbol} given twice, as '${source[symbol]}' and as '${name}'; give only one (defocus = −C10)`,
      );
    }
    source[symbol] = name;
    out[symbol] = alias ? alias.sign * value : value;
  }
  return out;
}

/** The non-zero terms of `aberrations`, with coefficient and azimuth, for fast evaluation. */
export interface ActiveTerm {
  n: number;
  m: number;
  coefficient: number;
  angle: number;
}

/** Lists the terms with a non-zero coefficient. */
export function activeTerms(aberrations: Aberrations): ActiveTerm[] {
  const terms: ActiveTerm[] = [];
  for (const t of ABERRATION_TERMS) {
    const c = aberrations[t.symbol] ?? 0;
    if (c !== 0)
      terms.push({
        n: t.n,
        m: t.m,
        coefficient: c,
        angle: t.angle ? (aberrations[t.angle] ?? 0) : 0,
      });
  }
  return terms;
}

/**
 * χ at one spatial frequency.
 * @param k spatial frequency magnitude [1/Å], ≥ 0
 * @param phi azimuth [rad]
 * @param lambda electron wavelength [Å]
 * @param terms from `activeTerms`
 * @returns χ [rad]
 */
export function chiAt(
  k: number,
  phi: number,
  lambda: number,
  terms: readonly ActiveTerm[],
): number {
  const theta = lambda * k;
  let sum = 0;
  for (const t of terms) {
    const radial = (t.coefficient * theta ** (t.n + 1)) / (t.n + 1);
    sum += t.m === 0 ? radial : radial * Math.cos(t.m * (phi - t.angle));
  }
  return ((2 * Math.PI) / lambda) * sum;
}

/**
 * |∇_θ χ|², the squared gradient of χ with respect to the scattering angle θ = λk (a 2D vector
 * with polar components ∂χ/∂θ and (1/θ)∂χ/∂φ). Used by the spatial-coherence envelope.
 * @returns |∇_θ χ|² [rad²/rad²]
 */
export function chiGradientSquared(
  k: number,
  phi: number,
  lambda: number,
  terms: readonly ActiveTerm[],
): number {
  const theta = lambda * k;
  let radial = 0;
  let azimuthal = 0;
  for (const t of terms) {
    const power = t.coefficient * theta ** t.n;
    if (t.m === 0) {
      radial += power;
    } else {
      const a = t.m * (phi - t.angle);
      radial += power * Math.cos(a);
      azimuthal -= (power * t.m * Math.sin(a)) / (t.n + 1);
    }
  }
  const scale = (2 * Math.PI) / lambda;
  return scale * scale * (radial * radial + azimuthal * azimuthal);
}
