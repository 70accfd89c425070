/**
 * Exit waves of a scene: validate, choose the grid, slice, and run multislice once per
 * frozen-phonon configuration, keeping every configuration.
 */
import type { Atoms } from '../core/atoms.js';
import { requireBeamEnergy, wavelength } from '../core/energy.js';
import { InputError, requireFinite, requireInteger, requirePositive } from '../core/errors.js';
import { Fft2, isSmooth235, nextFastLength } from '../core/fft.js';
import { type Grid, makeGrid } from '../core/grid.js';
import {
  getParametrization,
  type Parametrization,
  type ParametrizationName,
} from '../potential/parametrization.js';
import { type Placement, SlicePotentialBuilder } from '../potential/projected-potential.js';
import { type BandLimit, bandLimitCutoff, MultisliceEngine } from './engine.js';
import { DEFAULT_RMS_DISPLACEMENT, displacePositions, rmsDisplacement } from './phonons.js';
import { assignSlices, sliceCount } from './slicing.js';

/** Version of the exit-wave algorithm, recorded in the metadata; bump when results change. */
export const EXIT_WAVE_CODE_VERSION = 'hrtem-ood multislice 1';

/** Smallest band-limited scattering angle λ·k_c [rad] below which a warning is raised. */
export const MIN_BAND_ANGLE = 0.05;

/** Frozen-phonon settings. */
export interface PhononSettings {
  /** Number of configurations N ≥ 1. */
  configurations: number;
  /** Seed of the displacements. */
  seed: number;
  /** rms displacement along one axis [Å] per chemical symbol, overriding the table. */
  rms?: Record<string, number>;
}

/** Settings of an exit-wave simulation; every field but `energy` has a default. */
export interface ExitWaveSettings {
  /** Electron energy [eV], e.g. 300e3. */
  energy: number;
  /**
   * Target pixel size [Å] (default 0.1). The grid has n = the smallest 2^a·3^b·5^c multiple of
   * 16 with n ≥ L/sampling pixels per axis, so the actual pixel size L/n may be slightly smaller.
   */
  sampling?: number;
  /** Exact grid shape (ny, nx), overriding `sampling`. */
  shape?: [number, number];
  /** Slice thickness Δz [Å] (default 1). */
  sliceThickness?: number;
  /** Scattering-factor table (default 'lobato', abTEM's default). */
  parametrization?: ParametrizationName;
  /** Structure-factor placement (default 'bilinear', abTEM's infinite projection). */
  placement?: Placement;
  /** Band limit (default 2/3 of Nyquist, taper 0.01, as abTEM); `false` switches it off. */
  bandLimit?: BandLimit | false;
  /** Band-limit each transmission function too (default true, as abTEM). */
  bandLimitTransmission?: boolean;
  /** Beam tilt (θx, θy) [rad] (default (0, 0)). */
  beamTilt?: [number, number];
  /** Frozen phonons; omitted = one configuration without displacements. */
  phonons?: PhononSettings;
  /**
   * The band [1/Å] the caller needs in the exit wave (optional). The grid must have at least two
   * pixels per Å per 1/Å of it, 1/max(sx, sy) ≥ 2·band (Nyquist), else an InputError.
   */
  band?: number;
  /** Identifier of the structure, copied into the metadata. */
  structureId?: string;
  /**
   * Propagate runs of empty slices in one step (default false). Exact without a band-limit
   * taper; used for label simulations of particles in vacuum.
   */
  mergeEmptySlices?: boolean;
}

/** What an exit-wave set records about how it was made. */
export interface ExitWaveMetadata {
  format: 'hrtem-ood exit waves';
  formatVersion: 1;
  codeVersion: string;
  structureId: string | null;
  energy: number;
  wavelength: number;
  /** (Lx, Ly, c) [Å]. */
  cell: [number, number, number];
  /** (nconf, ny, nx) of the waves. */
  shape: [number, number, number];
  /** (sy, sx) [Å]. */
  sampling: [number, number];
  /** Simulation grid (ny, nx) before any storage crop. */
  simulationShape: [number, number];
  simulationSampling: [number, number];
  sliceThickness: number;
  sliceCount: number;
  parametrization: ParametrizationName;
  parametrizationSource: string;
  placement: Placement;
  projection: 'infinite';
  bandLimit: (BandLimit & { cutoff: number; transmission: boolean }) | null;
  /** Highest spatial frequency [1/Å] kept in the stored waves (after any crop). */
  storedBand: number;
  beamTilt: [number, number];
  phonons: {
    configurations: number;
    seed: number | null;
    rms: Record<string, number>;
    source: string;
  };
  /** Mean of |ψ|² per configuration. */
  meanIntensity: number[];
  atomCount: number;
}

/** Exit waves of every configuration. */
export interface ExitWaveResult {
  /** Interleaved complex64, shape (nconf, ny, nx). */
  waves: Float32Array;
  shape: [number, number, number];
  metadata: ExitWaveMetadata;
}

/** Progress and warning callbacks (library code never prints). */
export interface SimulationCallbacks {
  onProgress?: (p: { stage: string; done: number; total: number }) => void;
  onWarning?: (w: { code: string; message: string }) => void;
}

/** Settings with every default filled in. */
export interface ResolvedSettings {
  energy: number;
  grid: Grid;
  sliceThickness: number;
  parametrization: Parametrization;
  placement: Placement;
  bandLimit: BandLimit | null;
  bandLimitTransmission: boolean;
  beamTilt: [number, number];
  phonons: PhononSettings | null;
  structureId: string | null;
}

/**
 * Checks the atoms and settings and fills in defaults.
 * @throws InputError for atoms outside the cell, elements without parameters, or a grid too coarse
 *   for the requested band; RangeError for out-of-range numbers
 */
export function resolveSettings(
  atoms: Atoms,
  settings: ExitWaveSettings,
  callbacks: SimulationCallbacks = {},
): ResolvedSettings {
  requireBeamEnergy('energy', settings.energy);
  const [a, b, c] = atoms.cell;
  requirePositive('cell a', a, 'Å');
  requirePositive('cell b', b, 'Å');
  requirePositive('cell c', c, 'Å');
  const n = atoms.numbers.length;
  if (atoms.positions.length !== 3 * n || atoms.labels.length !== n) {
    throw new TypeError(
      `atoms: positions must hold 3 values and labels 1 value per atom (${n} atoms), got ${atoms.positions.length} and ${atoms.labels.length}`,
    );
  }
  checkInsideCell(atoms);
  const parametrization = getParametrization(settings.parametrization ?? 'lobato');
  for (const z of new Set(atoms.numbers)) {
    if (!parametrization.has(z)) {
      throw new InputError(
        `the ${parametrization.name} parametrization has no parameters for atomic number Z = ${z} (it covers Z = 1–${parametrization.maxZ}); remove those atoms or choose another parametrization`,
      );
    }
  }
  const grid = resolveGrid(atoms.cell, settings);
  const sliceThickness = settings.sliceThickness ?? 1;
  requirePositive('sliceThickness', sliceThickness, 'Å');
  const bandLimit =
    settings.bandLimit === false ? null : (settings.bandLimit ?? { fraction: 2 / 3, taper: 0.01 });
  if (bandLimit) {
    if (!(bandLimit.fraction > 0 && bandLimit.fraction <= 1)) {
      throw new RangeError(
        `bandLimit.fraction must be in (0, 1] of Nyquist, got ${bandLimit.fraction}`,
      );
    }
    requireFinite('bandLimit.taper', bandLimit.taper, '(× max sampling, 1/Å·Å)');
  }
  const beamTilt = settings.beamTilt ?? [0, 0];
  requireFinite('beamTilt x', beamTilt[0], 'rad');
  requireFinite('beamTilt y', beamTilt[1], 'rad');
  checkBand(grid, settings, bandLimit, callbacks);
  if (settings.phonons) {
    requireInteger('phonons.configurations', settings.phonons.configurations, 1);
    requireFinite('phonons.seed', settings.phonons.seed, '(integer)');
  }
  return {
    energy: settings.energy,
    grid,
    sliceThickness,
    parametrization,
    placement: settings.placement ?? 'bilinear',
    bandLimit,
    bandLimitTransmission: settings.bandLimitTransmission ?? true,
    beamTilt: [beamTilt[0], beamTilt[1]],
    phonons: settings.phonons ?? null,
    structureId: settings.structureId ?? null,
  };
}

function checkInsideCell(atoms: Atoms): void {
  const [a, b, c] = atoms.cell;
  const p = atoms.positions;
  for (let j = 0; j < atoms.numbers.length; j++) {
    const x = p[3 * j];
    const y = p[3 * j + 1];
    const z = p[3 * j + 2];
    if (!(x >= 0 && x < a && y >= 0 && y < b && z >= 0 && z <= c)) {
      throw new InputError(
        `atom ${j} (Z = ${atoms.numbers[j]}) at (${x}, ${y}, ${z}) Å lies outside the cell [0, ${a}) × [0, ${b}) × [0, ${c}] Å; wrap or remove it`,
      );
    }
  }
}

function resolveGrid(cell: [number, number, number], settings: ExitWaveSettings): Grid {
  if (settings.shape) {
    const [ny, nx] = settings.shape;
    requireInteger('shape ny', ny, 1);
    requireInteger('shape nx', nx, 1);
    for (const [name, v] of [
      ['shape ny', ny],
      ['shape nx', nx],
    ] as const) {
      if (!isSmooth235(v)) {
        throw new RangeError(
          `${name} must be 2^a·3^b·5^c pixels (FFT sizes), got ${v}; try ${nextFastLength(v)}`,
        );
      }
    }
    return makeGrid([ny, nx], [cell[1], cell[0]]);
  }
  const sampling = settings.sampling ?? 0.1;
  requirePositive('sampling', sampling, 'Å');
  const nx = nextFastLength(cell[0] / sampling - 1e-9, 16);
  const ny = nextFastLength(cell[1] / sampling - 1e-9, 16);
  return makeGrid([ny, nx], [cell[1], cell[0]]);
}

function checkBand(
  grid: Grid,
  settings: ExitWaveSettings,
  bandLimit: BandLimit | null,
  callbacks: SimulationCallbacks,
): void {
  const smax = Math.max(grid.sampling[0], grid.sampling[1]);
  if (settings.band !== undefined) {
    requirePositive('band', settings.band, '1/Å');
    if (1 / smax < 2 * settings.band) {
      throw new InputError(
        `sampling ${smax.toPrecision(4)} Å is too coarse for the requested band ${settings.band} 1/Å: need at least 2 pixels per Å per 1/Å of band (sampling ≤ ${(1 / (2 * settings.band)).toPrecision(4)} Å)`,
      );
    }
  }
  const cutoff = bandLimitCutoff(grid, bandLimit);
  if (settings.band !== undefined && settings.band > cutoff) {
    callbacks.onWarning?.({
      code: 'band-above-limit',
      message: `the requested band ${settings.band} 1/Å lies beyond the band limit ${cutoff.toFixed(3)} 1/Å (${bandLimit ? bandLimit.fraction.toFixed(3) : 1} of Nyquist), which removes it; use a finer sampling`,
    });
  }
  const angle = cutoff * wavelength(settings.energy);
  if (angle < MIN_BAND_ANGLE) {
    callbacks.onWarning?.({
      code: 'sampling-coarse',
      message: `the band limit ${cutoff.toFixed(3)} 1/Å reaches only ${(angle * 1e3).toFixed(1)} mrad at ${settings.energy} eV (rule: ≥ ${MIN_BAND_ANGLE * 1e3} mrad, twice a large objective aperture); use a finer sampling`,
    });
  }
}

/**
 * Simulates the exit waves of a scene, one per frozen-phonon configuration.
 * @param atoms the scene (positions inside the cell)
 * @param settings see `ExitWaveSettings`
 * @param callbacks progress (stage 'multislice', counted in slices) and warnings
 * @returns waves (nconf, ny, nx) complex64 with metadata; an incident plane wave has |ψ|² = 1
 * @throws InputError / RangeError / TypeError for bad input, before any work
 */
export async function simulateExitWaves(
  atoms: Atoms,
  settings: ExitWaveSettings,
  callbacks: SimulationCallbacks = {},
): Promise<ExitWaveResult> {
  const r = resolveSettings(atoms, settings, callbacks);
  const [ny, nx] = r.grid.shape;
  const n = nx * ny;
  const nconf = r.phonons?.configurations ?? 1;
  const rms = phononRms(atoms, r, callbacks);
  const fft = await Fft2.create(ny, nx);
  try {
    const builder = new SlicePotentialBuilder(
      r.grid,
      r.parametrization,
      atoms.numbers,
      fft,
      r.placement,
    );
    const engine = new MultisliceEngine(r.grid, fft, builder, {
      energy: r.energy,
      thickness: atoms.cell[2],
      sliceThickness: r.sliceThickness,
      bandLimit: r.bandLimit,
      bandLimitTransmission: r.bandLimitTransmission,
      beamTilt: r.beamTilt,
    });
    const nslices = sliceCount(atoms.cell[2], r.sliceThickness);
    const waves = new Float32Array(2 * n * nconf);
    const meanIntensity: number[] = [];
    const total = nslices * nconf;
    for (let k = 0; k < nconf; k++) {
      const positions = r.phonons
        ? displacePositions(atoms.positions, rms.byAtom, r.phonons.seed, k)
        : atoms.positions;
      const slices = assignSlices(positions, atoms.cell[2], r.sliceThickness);
      const wave = waves.subarray(2 * n * k, 2 * n * (k + 1));
      for (let i = 0; i < n; i++) wave[2 * i] = 1;
      engine.run(
        positions,
        atoms.numbers,
        slices,
        wave,
        (s) => callbacks.onProgress?.({ stage: 'multislice', done: k * nslices + s + 1, total }),
        { flatIncidence: true, mergeEmptySlices: settings.mergeEmptySlices === true },
      );
      let sum = 0;
      for (let i = 0; i < 2 * n; i++) sum += wave[i] * wave[i];
      meanIntensity.push(sum / n);
    }
    const metadata = makeMetadata(atoms, r, nconf, nslices, rms.bySymbol, meanIntensity);
    return { waves, shape: [nconf, ny, nx], metadata };
  } finally {
    fft.dispose();
  }
}

function phononRms(
  atoms: Atoms,
  r: ResolvedSettings,
  callbacks: SimulationCallbacks,
): { byAtom: Float64Array; bySymbol: Record<string, number> } {
  const bySymbol: Record<string, number> = {};
  const byAtom = new Float64Array(atoms.numbers.length);
  if (!r.phonons) return { byAtom, bySymbol };
  const byZ = new Map<number, number>();
  for (const z of new Set(atoms.numbers)) {
    const symbol = r.parametrization.symbol(z);
    let u = rmsDisplacement(symbol, r.phonons.rms);
    if (u === undefined) {
      u = DEFAULT_RMS_DISPLACEMENT;
      callbacks.onWarning?.({
        code: 'phonon-default-rms',
        message: `no room-temperature Debye–Waller factor tabulated for ${symbol}; using rms displacement ${u.toFixed(4)} Å (B = 0.5 Å²); override it with simulation.phononRms.${symbol} in a sweep file (phonons.rms in the API)`,
      });
    }
    requireFinite(`phonons.rms.${symbol}`, u, 'Å');
    byZ.set(z, u);
    bySymbol[symbol] = u;
  }
  for (let j = 0; j < byAtom.length; j++) byAtom[j] = byZ.get(atoms.numbers[j])!;
  return { byAtom, bySymbol };
}

function makeMetadata(
  atoms: Atoms,
  r: ResolvedSettings,
  nconf: number,
  nslices: number,
  rms: Record<string, number>,
  meanIntensity: number[],
): ExitWaveMetadata {
  const [ny, nx] = r.grid.shape;
  const cutoff = bandLimitCutoff(r.grid, r.bandLimit);
  return {
    format: 'hrtem-ood exit waves',
    formatVersion: 1,
    codeVersion: EXIT_WAVE_CODE_VERSION,
    structureId: r.structureId,
    energy: r.energy,
    wavelength: wavelength(r.energy),
    cell: [...atoms.cell],
    shape: [nconf, ny, nx],
    sampling: [...r.grid.sampling],
    simulationShape: [ny, nx],
    simulationSampling: [...r.grid.sampling],
    sliceThickness: r.sliceThickness,
    sliceCount: nslices,
    parametrization: r.parametrization.name,
    parametrizationSource: r.parametrization.source,
    placement: r.placement,
    projection: 'infinite',
    bandLimit: r.bandLimit
      ? { ...r.bandLimit, cutoff, transmission: r.bandLimitTransmission }
      : null,
    storedBand: cutoff,
    beamTilt: r.beamTilt,
    phonons: {
      configurations: nconf,
      seed: r.phonons?.seed ?? null,
      rms,
      source:
        'Peng, Ren, Dudarev & Whelan, Acta Cryst. A52, 456–470 (1996), Table 1 (room temperature), u = √(B/8π²)',
    },
    meanIntensity,
    atomCount: atoms.numbers.length,
  };
}
