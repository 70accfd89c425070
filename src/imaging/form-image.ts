/**
 * Image formation: exit waves → noise-free intensity → detector → recorded image.
 *
 * 1. For each frozen-phonon configuration the exit wave's spectrum is multiplied by the transfer
 *    function T = A·E_s·[E_t]·exp(−iχ), transformed back and squared; intensities are averaged
 *    over configurations (incoherent sum over phonon configurations).
 * 2. Temporal coherence: 'quasi-coherent' multiplies by the envelope E_t; 'explicit' averages the
 *    intensities of images at Gaussian-weighted defocus offsets (`defocusSamples` in optics, 25
 *    samples over ±3σ_f by default) without E_t, which stays exact for strong objects.
 * 3. Detector: the intensity's spectrum is multiplied by the MTF and cropped to the target pixel
 *    size (Fourier resampling). Fourier cropping is used rather than area binning because the
 *    stored exit waves are periodic and band-limited: cropping keeps every frequency below the new
 *    Nyquist unchanged, removes those above it without aliasing and keeps the mean exactly (the
 *    zero-frequency term), while binning would add its own sinc MTF on top of the detector's and
 *    fold high frequencies back. The detector's own blur is the MTF's job.
 * 4. Dose: counts = dose·(py·px)·I with I in units of the incident beam (1 in vacuum); negative
 *    values (ringing) are clipped to 0, then Poisson noise; optional median filter; random crop to
 *    the output size; optional standardisation to zero mean and unit variance.
 *
 * Sign convention: positive phase shift in the specimen and exp(−iχ) with Δf > 0 underfocus. A
 * weak phase object at Scherzer underfocus (Δf = √(1.5·Cs·λ)) gives sin χ ≈ −1 over the passband,
 * so I ≈ 1 − 2φ: atoms appear dark on a bright background.
 */

import { wavelength } from '../core/energy.js';
import { requireInteger, requirePositive } from '../core/errors.js';
import { Fft2, isSmooth235, nextFastLength } from '../core/fft.js';
import type { Rng } from '../core/rng.js';
import { defocusSamples, transferFunctionGrid } from '../optics/index.js';
import { defocusOf, type ImagingCondition, mtfValue, withDefocus } from './condition.js';
import { checkExitWaveSet, type ExitWaveSet } from './exit-waves.js';

/** How partial temporal coherence is modelled. */
export type TemporalCoherenceMode = 'quasi-coherent' | 'explicit';

/** Image-formation settings that belong to the domain rather than to one condition. */
export interface FormImageOptions {
  /** 'quasi-coherent' (envelope, default) or 'explicit' (defocus average). */
  temporalCoherence?: TemporalCoherenceMode;
  /** Number of defocus samples in 'explicit' mode (default 25). */
  defocusSamples?: number;
  /** Half-range of the defocus samples in units of σ_f (default 3). */
  defocusExtent?: number;
  /** Added to the condition's defocus [Å], e.g. from `calibrateZeroDefocus` (default 0). */
  defocusOffset?: number;
  /** Poisson noise (default true; with dose 0 there is never noise). */
  noise?: boolean;
  /** Odd median-filter window [px]; 0 = off (default). */
  medianFilter?: number;
  /** Random crop to `imageShape` (default true); false keeps the whole resampled field. */
  crop?: boolean;
  /** Zero mean, unit variance per image (default true). */
  standardize?: boolean;
}

/** A recorded image and its mask. */
export interface FormedImage {
  /** float32 (h, w): standardised, or counts [e/px] (dose > 0) or intensity [beam units]. */
  image: Float32Array;
  /** uint8 0/1 (h, w). */
  mask: Uint8Array;
  /** (h, w) [px]. */
  shape: [number, number];
  /** Actual pixel size (py, px) [Å] of the resampled grid. */
  pixelSize: [number, number];
  /** Top-left corner (y0, x0) [px] of the crop in the resampled grid. */
  cropOrigin: [number, number];
  /** Defocus [Å] the image was formed at (condition's + offset). */
  defocus: number;
  /** Mean and standard deviation removed by standardisation, or null if not standardised. */
  standardization: { mean: number; std: number } | null;
}

const fftPlans = new Map<string, Promise<Fft2>>();

/** A cached FFT plan for (ny, nx); plans live for the process (one per grid shape). */
function fftPlan(ny: number, nx: number): Promise<Fft2> {
  const key = `${ny}x${nx}`;
  let plan = fftPlans.get(key);
  if (!plan) {
    plan = Fft2.create(ny, nx);
    fftPlans.set(key, plan);
  }
  return plan;
}

const spectraCache = new WeakMap<ExitWaveSet, Float32Array>();

/**
 * Forward spectra of every configuration, transposed to (nx, ny) so that the transforms skip one
 * transpose each way (cached per set: they do not depend on the condition).
 */
async function waveSpectra(set: ExitWaveSet): Promise<Float32Array> {
  const cached = spectraCache.get(set);
  if (cached) return cached;
  const [ny, nx] = set.shape;
  const fft = await fftPlan(ny, nx);
  const spectra = set.waves.slice();
  const size = 2 * ny * nx;
  for (let c = 0; c < set.nconf; c++) {
    fft.forwardTransposed(spectra.subarray(c * size, (c + 1) * size));
  }
  spectraCache.set(set, spectra);
  return spectra;
}

/** A noise-free intensity and the grid it is sampled on. */
export interface IntensityField {
  /** float64 (ny, nx), units of the incident beam. */
  data: Float64Array;
  shape: [number, number];
  /** (sy, sx) [Å]. */
  sampling: [number, number];
}

/**
 * Grid on which |ψ|² is computed without aliasing below `outputNyquist`: the intensity of a wave
 * band-limited to k_w holds frequencies up to 2·k_w, and on a grid of Nyquist K those above K fold
 * back to 2K − f; none lands below k_out when K ≥ k_w + k_out/2. k_w is the smaller of the set's
 * band and the aperture cut-off. Returns the set's own grid when that suffices, else a zero-padded
 * (finer) grid of the same extent.
 * @param outputNyquist highest frequency of the result that must be exact [1/Å]
 */
export function intensityGrid(
  set: ExitWaveSet,
  condition: ImagingCondition,
  outputNyquist: number,
): { shape: [number, number]; sampling: [number, number] } {
  const lambda = wavelength(condition.optics.energy);
  const aperture = (condition.optics.aperture + condition.optics.apertureEdge / 2) / lambda;
  const gridBand = Math.min(1 / (2 * set.sampling[0]), 1 / (2 * set.sampling[1]));
  const waveBand = Math.min(set.band ?? gridBand, aperture);
  const needed = waveBand + outputNyquist / 2;
  const axis = (n: number, s: number) => {
    const nyquist = 1 / (2 * s);
    return nyquist >= needed * (1 - 1e-9)
      ? n
      : nextFastLength(Math.ceil((n * needed) / nyquist), 16);
  };
  const shape: [number, number] = [
    axis(set.shape[0], set.sampling[0]),
    axis(set.shape[1], set.sampling[1]),
  ];
  return {
    shape,
    sampling: [
      (set.shape[0] * set.sampling[0]) / shape[0],
      (set.shape[1] * set.sampling[1]) / shape[1],
    ],
  };
}

/**
 * Noise-free image intensity on the exit-wave grid, averaged over configurations (and over defocus
 * samples in 'explicit' mode), in units of the incident beam. Exact (free of aliasing) when the
 * image wave is band-limited to half the grid's Nyquist frequency; `formImage` pads the grid as
 * needed (see `intensityGrid`).
 * @returns float64 (ny, nx)
 */
export async function idealIntensity(
  set: ExitWaveSet,
  condition: ImagingCondition,
  options: FormImageOptions = {},
): Promise<Float64Array> {
  return (await intensityOn(set, condition, options, { shape: set.shape, sampling: set.sampling }))
    .data;
}

/**
 * The intensity on a grid of the set's extent with at least the set's number of pixels: the image
 * wave's spectrum is zero-padded to that grid before the inverse transform.
 */
export async function intensityOn(
  set: ExitWaveSet,
  condition: ImagingCondition,
  options: FormImageOptions,
  grid: { shape: [number, number]; sampling: [number, number] },
): Promise<IntensityField> {
  checkExitWaveSet(set);
  const [ny, nx] = set.shape;
  const [my, mx] = grid.shape;
  requireInteger('intensity grid ny', my, ny);
  requireInteger('intensity grid nx', mx, nx);
  const size = 2 * ny * nx;
  const explicit = options.temporalCoherence === 'explicit';
  const defocus = defocusOf(condition) + (options.defocusOffset ?? 0);
  const samples = explicit
    ? defocusSamples(
        condition.optics.focalSpread,
        options.defocusSamples ?? 25,
        options.defocusExtent ?? 3,
      )
    : { offsets: new Float64Array([0]), weights: new Float64Array([1]) };
  const padded = my !== ny || mx !== nx;
  const fft = await fftPlan(my, mx);
  const spectra = await waveSpectra(set);
  const transfer = new Float32Array(size);
  const transposed = new Float32Array(size);
  const product = new Float32Array(size);
  const work = padded ? new Float32Array(2 * my * mx) : product;
  // Transposed layout (kx, ky): row = x frequency. Index maps from the set's grid to the padded one.
  const mapX = padded ? embedMap(nx, mx) : null;
  const mapY = padded ? embedMap(ny, my) : null;
  const acc = new Float64Array(my * mx);
  const setGrid = { shape: set.shape, sampling: set.sampling };

  for (let s = 0; s < samples.offsets.length; s++) {
    const sampled = withDefocus(condition, defocus + samples.offsets[s]);
    transferFunctionGrid(sampled.optics, setGrid, { temporal: !explicit, spatial: true }, transfer);
    transposeComplex(transfer, transposed, ny, nx);
    const weight = samples.weights[s] / set.nconf;
    for (let c = 0; c < set.nconf; c++) {
      multiplyComplex(spectra, c * size, transposed, product);
      if (mapX && mapY) {
        work.fill(0);
        for (let ix = 0; ix < nx; ix++) {
          const src = 2 * ix * ny;
          const dst = 2 * mapX[ix] * my;
          for (let iy = 0; iy < ny; iy++) {
            work[dst + 2 * mapY[iy]] = product[src + 2 * iy];
            work[dst + 2 * mapY[iy] + 1] = product[src + 2 * iy + 1];
          }
        }
      }
      // The spectrum came from an (ny, nx) transform: scale so that amplitudes are kept.
      fft.inverseTransposed(work, 1 / (nx * ny));
      for (let i = 0; i < my * mx; i++) {
        const re = work[2 * i];
        const im = work[2 * i + 1];
        acc[i] += weight * (re * re + im * im);
      }
    }
  }
  return { data: acc, shape: [my, mx], sampling: grid.sampling };
}

/** For each index of an n-point spectrum, the index of the same frequency in an m-point one (m ≥ n). */
function embedMap(n: number, m: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const f = signedIndex(i, n);
    out[i] = f >= 0 ? f : f + m;
  }
  return out;
}

/** Copies a (rows, cols) complex array to (cols, rows). */
function transposeComplex(src: Float32Array, dst: Float32Array, rows: number, cols: number) {
  const a = new Float64Array(src.buffer, src.byteOffset, rows * cols);
  const b = new Float64Array(dst.buffer, dst.byteOffset, rows * cols);
  const block = 64;
  for (let i0 = 0; i0 < rows; i0 += block) {
    const i1 = Math.min(i0 + block, rows);
    for (let j0 = 0; j0 < cols; j0 += block) {
      const j1 = Math.min(j0 + block, cols);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) b[j * rows + i] = a[i * cols + j];
    }
  }
}

function multiplyComplex(a: Float32Array, offset: number, b: Float32Array, out: Float32Array) {
  for (let i = 0; i < out.length; i += 2) {
    const ar = a[offset + i];
    const ai = a[offset + i + 1];
    const br = b[i];
    const bi = b[i + 1];
    out[i] = ar * br - ai * bi;
    out[i + 1] = ar * bi + ai * br;
  }
}

/** Nearest 2^a·3^b·5^c integer to n (ties go up), so the resampled grid has a fast FFT. */
export function nearestSmooth(n: number): number {
  const r = Math.max(1, Math.round(n));
  for (let d = 0; ; d++) {
    if (isSmooth235(r + d)) return r + d;
    if (r - d >= 1 && isSmooth235(r - d)) return r - d;
  }
}

/**
 * Shape of the resampled grid for a target pixel size: m = L/p rounded to the nearest
 * 2^a·3^b·5^c integer on each axis (the actual pixel size L/m is reported with the image).
 * @throws RangeError if the pixel size is finer than the exit-wave sampling (no upsampling)
 */
export function resampledShape(set: ExitWaveSet, pixelSize: number): [number, number] {
  requirePositive('pixelSize', pixelSize, 'Å');
  const [ny, nx] = set.shape;
  const [sy, sx] = set.sampling;
  const finest = Math.max(sy, sx);
  if (pixelSize < finest * (1 - 1e-9)) {
    throw new RangeError(
      `pixelSize must be ≥ the exit-wave sampling ${finest} Å of ${set.structureId} (images are only downsampled), got ${pixelSize} Å`,
    );
  }
  return [
    Math.min(ny, nearestSmooth((ny * sy) / pixelSize)),
    Math.min(nx, nearestSmooth((nx * sx) / pixelSize)),
  ];
}

/**
 * Resamples a real field (ny, nx) to (my, mx) by Fourier cropping, optionally multiplying by the
 * detector MTF on the new grid. The zero-frequency term is kept, so the mean is preserved.
 * @param mtf detector MTF with q in units of the new grid's Nyquist frequency, or null
 * @returns float64 (my, mx)
 */
export async function resampleFourier(
  field: ArrayLike<number>,
  shape: [number, number],
  target: [number, number],
  mtf: ImagingCondition['mtf'] = null,
): Promise<Float64Array> {
  const [ny, nx] = shape;
  const [my, mx] = target;
  requireInteger('target ny', my, 1, ny);
  requireInteger('target nx', mx, 1, nx);
  if (my === ny && mx === nx && mtf === null) return Float64Array.from(field);
  const big = await fftPlan(ny, nx);
  const small = await fftPlan(my, mx);
  const work = new Float32Array(2 * ny * nx);
  for (let i = 0; i < ny * nx; i++) work[2 * i] = field[i];
  big.forwardTransposed(work);

  const out = new Float32Array(2 * my * mx);
  const mapY = frequencyMap(my, ny);
  const mapX = frequencyMap(mx, nx);
  const scale = (my * mx) / (ny * nx);
  for (let iy = 0; iy < my; iy++) {
    const sy = mapY[iy];
    if (sy < 0) continue;
    const qy = (2 * signedIndex(iy, my)) / my;
    for (let ix = 0; ix < mx; ix++) {
      const sx = mapX[ix];
      if (sx < 0) continue;
      let factor = scale;
      if (mtf) {
        const qx = (2 * signedIndex(ix, mx)) / mx;
        factor *= mtfValue(mtf, Math.sqrt(qx * qx + qy * qy));
      }
      const src = 2 * (sx * ny + sy);
      const dst = 2 * (ix * my + iy);
      out[dst] = work[src] * factor;
      out[dst + 1] = work[src + 1] * factor;
    }
  }
  small.inverseTransposed(out);
  const result = new Float64Array(my * mx);
  for (let i = 0; i < my * mx; i++) result[i] = out[2 * i];
  return result;
}

function signedIndex(i: number, n: number): number {
  return i < Math.ceil(n / 2) ? i : i - n;
}

/** For each index of an m-point spectrum, the index of the same frequency in an n-point one. */
function frequencyMap(m: number, n: number): Int32Array {
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const f = signedIndex(i, m);
    const inRange = f >= -Math.floor(n / 2) && f < Math.ceil(n / 2);
    out[i] = inRange ? (f >= 0 ? f : f + n) : -1;
  }
  return out;
}

const maskCache = new WeakMap<ExitWaveSet, Map<string, Uint8Array>>();

/**
 * The set's mask on the resampled grid: Fourier-resampled like the image (without MTF), then
 * binarised at 0.5. Independent of the condition except through the grid shape.
 * @returns uint8 0/1 (my, mx)
 */
export async function resampledMask(set: ExitWaveSet, target: [number, number]) {
  let byShape = maskCache.get(set);
  if (!byShape) {
    byShape = new Map();
    maskCache.set(set, byShape);
  }
  const key = target.join('x');
  const cached = byShape.get(key);
  if (cached) return cached;
  const field = await resampleFourier(set.mask, set.shape, target, null);
  const mask = new Uint8Array(field.length);
  for (let i = 0; i < field.length; i++) mask[i] = field[i] >= 0.5 ? 1 : 0;
  byShape.set(key, mask);
  return mask;
}

/**
 * Forms one recorded image (and its mask) from an exit-wave set under a condition.
 * @param set exit waves of one structure (energy must equal the condition's)
 * @param condition drawn imaging condition
 * @param options domain-level settings (coherence mode, median filter, standardisation)
 * @param rng the image's generator: Poisson noise uses `rng.fork('noise')`, the crop
 *   `rng.fork('crop')`, so the crop (and so the mask) does not depend on the condition
 * @returns image and mask of shape `condition.imageShape`
 * @throws RangeError for an energy mismatch, a pixel size finer than the exit waves, or an output
 *   larger than the resampled field
 */
export async function formImage(
  set: ExitWaveSet,
  condition: ImagingCondition,
  options: FormImageOptions,
  rng: Rng,
): Promise<FormedImage> {
  checkExitWaveSet(set);
  checkEnergy(set, condition.optics.energy);
  const target = resampledShape(set, condition.pixelSize);
  const [h, w] = options.crop === false ? target : condition.imageShape;
  if (h > target[0] || w > target[1]) {
    throw new RangeError(
      `imageSize (${h}, ${w}) px must fit the resampled field (${target[0]}, ${target[1]}) px of ${set.structureId} at ${condition.pixelSize} Å`,
    );
  }
  const median = options.medianFilter ?? 0;
  if (median !== 0) requireOddWindow(median);

  const pixelSize: [number, number] = [
    (set.shape[0] * set.sampling[0]) / target[0],
    (set.shape[1] * set.sampling[1]) / target[1],
  ];
  const outputNyquist = 1 / (2 * Math.min(pixelSize[0], pixelSize[1]));
  const grid = intensityGrid(set, condition, outputNyquist);
  const intensity = await intensityOn(set, condition, options, grid);
  const detected = await resampleFourier(intensity.data, intensity.shape, target, condition.mtf);
  recordCounts(detected, condition.dose, pixelSize, options.noise !== false, rng.fork('noise'));
  const filtered = median > 1 ? medianFilter(detected, target, median) : detected;

  const cropRng = rng.fork('crop');
  const y0 = cropRng.int(target[0] - h + 1);
  const x0 = cropRng.int(target[1] - w + 1);
  const image = cropToFloat32(filtered, target, [y0, x0], [h, w]);
  const fullMask = await resampledMask(set, target);
  const mask = cropMask(fullMask, target, [y0, x0], [h, w]);
  const standardization = options.standardize === false ? null : standardize(image);
  return {
    image,
    mask,
    shape: [h, w],
    pixelSize,
    cropOrigin: [y0, x0],
    defocus: defocusOf(condition) + (options.defocusOffset ?? 0),
    standardization,
  };
}

/**
 * @throws RangeError if the set's energy differs from `energy` by more than 1e-6 relative
 */
export function checkEnergy(set: { energy: number; structureId: string }, energy: number) {
  if (Math.abs(set.energy - energy) > 1e-6 * energy) {
    throw new RangeError(
      `exit waves of ${set.structureId} were computed at ${set.energy} eV but the condition asks for ${energy} eV; energy must match (recompute the exit waves or change the domain)`,
    );
  }
}

function requireOddWindow(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) {
    throw new RangeError(`medianFilter must be 0 or an odd window size [px], got ${size}`);
  }
}

/** In place: intensity → expected counts dose·area·I, clipped at 0, with Poisson noise. */
function recordCounts(
  field: Float64Array,
  dose: number,
  pixelSize: [number, number],
  noise: boolean,
  rng: Rng,
): void {
  if (dose === 0) return;
  const perPixel = dose * pixelSize[0] * pixelSize[1];
  for (let i = 0; i < field.length; i++) {
    const expected = Math.max(0, field[i] * perPixel);
    field[i] = noise ? poisson(rng, expected) : expected;
  }
}

/** Below this mean, Poisson deviates come from CDF inversion (one uniform); above, `Rng.poisson`. */
const INVERSION_LIMIT = 30;

/**
 * Poisson deviate with mean λ ≥ 0: sequential search of the CDF with one uniform for λ < 30
 * (exact; about λ cheap steps), Rng.poisson's transformed rejection above.
 */
export function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda >= INVERSION_LIMIT) return rng.poisson(lambda);
  const u = rng.random();
  let k = 0;
  let p = Math.exp(-lambda);
  let cdf = p;
  while (u > cdf && p > 0) {
    k++;
    p *= lambda / k;
    cdf += p;
  }
  return k;
}

/** Median over a size × size window, edges clamped. */
export function medianFilter(
  field: Float64Array,
  shape: [number, number],
  size: number,
): Float64Array {
  requireOddWindow(size);
  const [ny, nx] = shape;
  const r = (size - 1) / 2;
  const out = new Float64Array(field.length);
  const window = new Float64Array(size * size);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      let n = 0;
      for (let dy = -r; dy <= r; dy++) {
        const yy = Math.min(ny - 1, Math.max(0, y + dy));
        for (let dx = -r; dx <= r; dx++) {
          const xx = Math.min(nx - 1, Math.max(0, x + dx));
          window[n++] = field[yy * nx + xx];
        }
      }
      window.sort();
      out[y * nx + x] = window[(n - 1) / 2];
    }
  }
  return out;
}

function cropToFloat32(
  field: Float64Array,
  shape: [number, number],
  origin: [number, number],
  size: [number, number],
): Float32Array {
  const out = new Float32Array(size[0] * size[1]);
  for (let y = 0; y < size[0]; y++) {
    const row = (origin[0] + y) * shape[1] + origin[1];
    for (let x = 0; x < size[1]; x++) out[y * size[1] + x] = field[row + x];
  }
  return out;
}

function cropMask(
  mask: Uint8Array,
  shape: [number, number],
  origin: [number, number],
  size: [number, number],
): Uint8Array {
  const out = new Uint8Array(size[0] * size[1]);
  for (let y = 0; y < size[0]; y++) {
    const row = (origin[0] + y) * shape[1] + origin[1];
    out.set(mask.subarray(row, row + size[1]), y * size[1]);
  }
  return out;
}

/**
 * In place: subtracts the mean and divides by the standard deviation (population, float64 sums).
 * A constant image is only centred (std recorded as 0).
 */
export function standardize(image: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < image.length; i++) sum += image[i];
  const mean = sum / image.length;
  let ss = 0;
  for (let i = 0; i < image.length; i++) ss += (image[i] - mean) ** 2;
  const std = Math.sqrt(ss / image.length);
  const inv = std > 0 ? 1 / std : 1;
  for (let i = 0; i < image.length; i++) image[i] = (image[i] - mean) * inv;
  return { mean, std };
}
