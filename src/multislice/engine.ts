/**
 * The multislice loop (Cowley & Moodie; Kirkland 2010, eq. 6.92): for each slice s,
 *   ψ ← F⁻¹{ P_s(k) · F{ ψ · t_s } },   t_s = exp(i σ v_z,s),   P_s(k) = exp(−iπ λ Δz_s k²)
 * transmission first, then propagation through the slice's thickness (abTEM's order, so the exit
 * wave is taken at the bottom face of the cell). σ is the relativistic interaction parameter,
 * v_z the slice's projected potential [V·Å].
 *
 * Band limit (anti-aliasing): both P_s and t_s are multiplied in Fourier space by a circular
 * aperture A(k) = 1 for |k| ≤ k_c − w, a raised cosine to 0 over (k_c − w, k_c], 0 beyond, with
 * k_c = fraction / (2·max(sx, sy)) and w = taper / max(sx, sy) (abTEM 1.0's antialias aperture;
 * its defaults are fraction 2/3 and taper 0.01). Beam tilt (θx, θy) [rad] multiplies P_s by
 * exp(−2πi Δz_s (kx tan θx + ky tan θy)), i.e. the wave walks sideways by Δz tan θ per slice.
 *
 * Approximations: first-order paraxial (Fresnel) propagator; projected potential per slice
 * (infinite projection); float32 (complex64) arithmetic, float64 for phase factors.
 */
import { interactionParameter, wavelength } from '../core/energy.js';
import type { Fft2 } from '../core/fft.js';
import { fftFrequencies, type Grid } from '../core/grid.js';
import type { SlicePotentialBuilder } from '../potential/projected-potential.js';
import { sliceThicknessOf } from './slicing.js';
import { expiInto } from './transmission.js';

/** Circular band limit in units of the grid's Nyquist frequency. */
export interface BandLimit {
  /** Cut-off k_c as a fraction of the Nyquist frequency 1/(2·max(sx, sy)), in (0, 1]. */
  fraction: number;
  /** Width of the raised-cosine edge w times max(sx, sy) (abTEM's `taper`), ≥ 0. */
  taper: number;
}

/** Options of a `MultisliceEngine`. */
export interface EngineOptions {
  /** Electron energy [eV]. */
  energy: number;
  /** Cell thickness c [Å]. */
  thickness: number;
  /** Slice thickness Δz [Å]. */
  sliceThickness: number;
  /** Band limit on propagator and transmission; `null` for none. */
  bandLimit: BandLimit | null;
  /** Also band-limit each transmission function (abTEM does); default true. */
  bandLimitTransmission: boolean;
  /** Beam tilt (θx, θy) [rad]. */
  beamTilt: [number, number];
}

/** Band-limit aperture A(k) on a grid, laid out (ny, nx) or transposed (nx, ny). */
export function bandLimitAperture(grid: Grid, band: BandLimit, transposed = false): Float64Array {
  const [ny, nx] = grid.shape;
  const [sy, sx] = grid.sampling;
  const kx = fftFrequencies(nx, sx);
  const ky = fftFrequencies(ny, sy);
  const smax = Math.max(sx, sy);
  const cutoff = band.fraction / (2 * smax);
  const taper = band.taper / smax;
  const out = new Float64Array(nx * ny);
  for (let iy = 0; iy < ny; iy++) {
    for (let ix = 0; ix < nx; ix++) {
      const r = Math.sqrt(kx[ix] ** 2 + ky[iy] ** 2);
      let a: number;
      if (taper > 0) {
        if (r > cutoff) a = 0;
        else if (r > cutoff - taper)
          a = 0.5 * (1 + Math.cos((Math.PI * (r - cutoff + taper)) / taper));
        else a = 1;
      } else {
        a = r < cutoff ? 1 : 0;
      }
      out[transposed ? ix * ny + iy : iy * nx + ix] = a;
    }
  }
  return out;
}

/** Band-limit cut-off k_c [1/Å] of a grid. */
export function bandLimitCutoff(grid: Grid, band: BandLimit | null): number {
  const smax = Math.max(grid.sampling[0], grid.sampling[1]);
  return (band ? band.fraction : 1) / (2 * smax);
}

/**
 * Runs multislice on one grid with buffers and plans made once. Not thread-safe; make one per
 * worker.
 */
export class MultisliceEngine {
  readonly grid: Grid;
  private readonly fft: Fft2;
  private readonly builder: SlicePotentialBuilder;
  private readonly options: EngineOptions;
  private readonly sigma: number;
  private readonly potential: Float32Array;
  private readonly transmission: Float32Array;
  private readonly aperture: Float32Array | null;
  private readonly propagators = new Map<number, Float32Array>();

  constructor(grid: Grid, fft: Fft2, builder: SlicePotentialBuilder, options: EngineOptions) {
    this.grid = grid;
    this.fft = fft;
    this.builder = builder;
    this.options = options;
    this.sigma = interactionParameter(options.energy);
    const n = grid.shape[0] * grid.shape[1];
    this.potential = new Float32Array(n);
    this.transmission = new Float32Array(2 * n);
    if (options.bandLimit && options.bandLimitTransmission) {
      const a = bandLimitAperture(grid, options.bandLimit, true);
      this.aperture = new Float32Array(n);
      for (let i = 0; i < n; i++) this.aperture[i] = a[i] / n;
    } else {
      this.aperture = null;
    }
  }

  /** Propagator P(k)·A(k)/N for thickness dz, transposed layout, cached per thickness. */
  propagator(dz: number): Float32Array {
    const hit = this.propagators.get(dz);
    if (hit) return hit;
    const [ny, nx] = this.grid.shape;
    const [sy, sx] = this.grid.sampling;
    const n = nx * ny;
    const kx = fftFrequencies(nx, sx);
    const ky = fftFrequencies(ny, sy);
    const lambda = wavelength(this.options.energy);
    const [tx, ty] = this.options.beamTilt;
    const a = this.options.bandLimit
      ? bandLimitAperture(this.grid, this.options.bandLimit, true)
      : null;
    const out = new Float32Array(2 * n);
    for (let ix = 0; ix < nx; ix++) {
      for (let iy = 0; iy < ny; iy++) {
        const i = ix * ny + iy;
        const chi =
          -Math.PI * lambda * dz * (kx[ix] ** 2 + ky[iy] ** 2) -
          2 * Math.PI * dz * (kx[ix] * Math.tan(tx) + ky[iy] * Math.tan(ty));
        const amp = (a ? a[i] : 1) / n;
        out[2 * i] = amp * Math.cos(chi);
        out[2 * i + 1] = amp * Math.sin(chi);
      }
    }
    this.propagators.set(dz, out);
    return out;
  }

  /**
   * Propagates `wave` (interleaved complex64, (ny, nx)) through the slices in place.
   * @param positions interleaved (x, y, z) [Å]
   * @param numbers atomic numbers
   * @param slices atom indices per slice (from `assignSlices`)
   * @param wave the incident wave on entry, the exit wave on return
   * @param onSlice called after each slice with the slice index
   * @param options `flatIncidence`: the incident wave is a plane wave (skip leading empty slices,
   *   exact); `mergeEmptySlices`: propagate runs of empty slices in one step (exact without a
   *   band-limit taper; with it, the taper ring is applied once instead of once per slice)
   */
  run(
    positions: Float64Array,
    numbers: Uint8Array,
    slices: Int32Array[],
    wave: Float32Array,
    onSlice?: (s: number) => void,
    options: { flatIncidence?: boolean; mergeEmptySlices?: boolean } = {},
  ): void {
    const n = this.grid.shape[0] * this.grid.shape[1];
    const { thickness, sliceThickness } = this.options;
    // A plane wave is unchanged by free space (only k = 0, where P = 1), so empty slices before
    // the first atom are skipped exactly when the caller says the incident wave is flat.
    let flat = options.flatIncidence === true;
    let pending = 0;
    for (let s = 0; s < slices.length; s++) {
      const dz = sliceThicknessOf(s, thickness, sliceThickness);
      if (slices[s].length === 0) {
        if (!flat) {
          if (options.mergeEmptySlices) pending += dz;
          else this.propagate(wave, dz, n);
        }
        onSlice?.(s);
        continue;
      }
      if (pending > 0) {
        this.propagate(wave, pending, n);
        pending = 0;
      }
      flat = false;
      this.builder.build(positions, numbers, slices[s], this.potential);
      this.transmit(wave, n);
      this.propagate(wave, dz, n);
      onSlice?.(s);
    }
    if (pending > 0) this.propagate(wave, pending, n);
  }

  /** ψ ← ψ · t with t = exp(iσ v_z) of the current potential, band-limited if asked. */
  private transmit(wave: Float32Array, n: number): void {
    const t = this.transmission;
    expiInto(this.potential, this.sigma, t);
    if (this.aperture) {
      const a = this.aperture;
      this.fft.forwardTransposed(t);
      for (let i = 0; i < n; i++) {
        t[2 * i] *= a[i];
        t[2 * i + 1] *= a[i];
      }
      this.fft.inverseTransposed(t, 1);
    }
    for (let i = 0; i < n; i++) {
      const wr = wave[2 * i];
      const wi = wave[2 * i + 1];
      const tr = t[2 * i];
      const ti = t[2 * i + 1];
      wave[2 * i] = wr * tr - wi * ti;
      wave[2 * i + 1] = wr * ti + wi * tr;
    }
  }

  /** Free-space propagation by dz [Å] (may be negative), with the band limit and tilt. */
  propagate(wave: Float32Array, dz: number, n = this.grid.shape[0] * this.grid.shape[1]): void {
    const p = this.propagator(dz);
    this.fft.forwardTransposed(wave);
    for (let i = 0; i < n; i++) {
      const wr = wave[2 * i];
      const wi = wave[2 * i + 1];
      const pr = p[2 * i];
      const pi = p[2 * i + 1];
      wave[2 * i] = wr * pr - wi * pi;
      wave[2 * i + 1] = wr * pi + wi * pr;
    }
    this.fft.inverseTransposed(wave, 1);
  }

  /** The projected potential [V·Å] of the slice last built (for inspection). */
  lastPotential(): Float32Array {
    return this.potential;
  }
}
