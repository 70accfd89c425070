/**
 * The sweep file: one YAML document that describes a whole out-of-distribution study — structure
 * distributions, simulation settings, named imaging domains, the training plan and the analysis.
 * Unknown keys are errors at every level; semantic checks (a domain referenced but not defined, a
 * training run with no data) run before any work starts.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { elementSymbol, MAX_ATOMIC_NUMBER } from '../core/elements.js';
import { beamEnergyProblem } from '../core/energy.js';
import { InputError } from '../core/errors.js';
import { numberIn, positiveIn } from '../core/schema-units.js';
import { DomainSchema, domainWaveBand, parameterRange, parseDomain } from '../imaging/index.js';
import { checkStructureSpec, StructureSpecSchema } from '../structures/index.js';
import { canonicalJson, type JsonValue, sha256Hex } from './canonical-json.js';

const positiveInt = z.int().min(1);
const ELEMENT_SYMBOLS = new Set(
  Array.from({ length: MAX_ATOMIC_NUMBER }, (_, i) => elementSymbol(i + 1)),
);
const fraction = z.number().min(0).max(1);

const SimulationSchema = z.strictObject({
  /** Electron energy [eV]; every domain must use the same. */
  energy: numberIn('eV').refine((e) => beamEnergyProblem(e) === undefined, {
    error: (issue) => beamEnergyProblem(issue.input as number),
  }),
  /** Multislice pixel size [Å]. */
  sampling: positiveIn('Å').default(0.1),
  /** Slice thickness [Å]. */
  sliceThickness: positiveIn('Å').default(1),
  parametrization: z.enum(['kirkland', 'lobato']).default('lobato'),
  /** Frozen-phonon configurations per structure (1 = atoms at rest). */
  phonons: positiveInt.default(1),
  /**
   * rms displacement along one axis [Å] per element symbol, overriding the Debye–Waller table
   * (which covers elemental crystals only; e.g. Cd and Se of CdSe fall back to B = 0.5 Å²).
   */
  phononRms: z
    .record(z.string(), positiveIn('Å').max(1, { message: 'must be ≤ 1 Å' }))
    .superRefine((rms, ctx) => {
      for (const key of Object.keys(rms)) {
        if (ELEMENT_SYMBOLS.has(key)) continue;
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'must be an element symbol as written in the periodic table (e.g. "Cd", "Se")',
        });
      }
    })
    .optional(),
  /**
   * Band kept in the stored exit waves [1/Å], or 'auto' (default: the band beyond which no
   * domain's images can depend on the wave, see `exitWaveStorageBand`), or 'full' (the
   * simulation's whole band limit).
   */
  storageBand: z
    .union([positiveIn('1/Å'), z.enum(['auto', 'full'])], {
      error: (issue) =>
        issue.code === 'invalid_union' ? "must be a number in 1/Å, 'auto' or 'full'" : undefined,
    })
    .default('auto'),
  labels: z
    .strictObject({
      mode: z.enum(['phase', 'intensity']).default('phase'),
      /** First threshold: rad for 'phase' (default π/16). */
      threshold: positiveIn('rad (phase) or intensity units').optional(),
      /** Gaussian smoothing σ [Å]. */
      smoothing: numberIn('Å')
        .refine((v) => v >= 0, { message: 'must be ≥ 0 Å' })
        .default(1.6),
      secondThreshold: z.number().gt(0).lt(1).default(0.1),
    })
    .default({ mode: 'phase', smoothing: 1.6, secondThreshold: 0.1 }),
});

const StructureSetSchema = z.strictObject({
  /** Number of scenes sampled from `spec`. */
  count: positiveInt,
  spec: StructureSpecSchema,
});

const TrainingRunSchema = z.strictObject({
  /** Name of the run (defaults to the domain names joined by '+'). */
  name: z.string().min(1).optional(),
  /** Domains whose training splits are pooled for this run. */
  domains: z
    .array(z.string().min(1))
    .min(1, { message: 'a training run needs at least one domain' }),
});

const ModelSchema = z.strictObject({
  depth: z.int().min(1).max(6).default(3),
  baseFilters: z.int().min(1).max(1024).default(8),
  block: z.enum(['plain', 'residual']).default('plain'),
  batchNorm: z.boolean().default(true),
  dropout: z.number().min(0).lt(1).default(0),
  head: z.enum(['softmax', 'sigmoid']).default('softmax'),
});

/** Schema of a sweep file. */
export const SweepFileSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** Seed of everything random in the sweep. */
  seed: z
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  /** Named structure distributions; domains use `default` unless they name another. */
  structures: z
    .record(z.string().min(1), StructureSetSchema)
    .refine((s) => Object.keys(s).length > 0, {
      message: 'define at least one structure set',
    }),
  simulation: SimulationSchema,
  /** Imaging domains, each with a unique name; `structures` picks a structure set. */
  domains: z
    .array(DomainSchema.extend({ structures: z.string().min(1).default('default') }))
    .min(1, { message: 'define at least one domain' }),
  dataset: z
    .strictObject({
      imagesPerStructure: positiveInt.default(1),
      split: z
        .strictObject({ train: fraction, val: fraction, test: fraction })
        .refine((s) => Math.abs(s.train + s.val + s.test - 1) < 1e-9, {
          message: 'split fractions train + val + test must sum to 1',
        })
        .default({ train: 0.7, val: 0.15, test: 0.15 }),
      shardSize: positiveInt.default(64),
    })
    .default({
      imagesPerStructure: 1,
      split: { train: 0.7, val: 0.15, test: 0.15 },
      shardSize: 64,
    }),
  training: z.strictObject({
    /** 'each-domain' trains one run per domain; or an explicit list of runs. */
    runs: z
      .union([z.literal('each-domain'), z.array(TrainingRunSchema).min(1)])
      .default('each-domain'),
    /** Seeds per run configuration (weight initialisation, shuffling, augmentation). */
    seeds: z.array(z.int().min(0)).min(1).default([0]),
    model: ModelSchema.default({
      depth: 3,
      baseFilters: 8,
      block: 'plain',
      batchNorm: true,
      dropout: 0,
      head: 'softmax',
    }),
    epochs: positiveInt.default(10),
    batchSize: positiveInt.default(8),
    learningRate: z.number().positive().default(1e-3),
    augment: z.boolean().default(true),
    /** 'auto' (tfjs-node if installed, else WASM), 'wasm', 'cpu' or 'tensorflow'. */
    backend: z.enum(['auto', 'wasm', 'cpu', 'tensorflow']).default('auto'),
  }),
  evaluation: z
    .strictObject({
      /** Domains every model is tested on: 'all' or a list. */
      domains: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).default('all'),
      /** Example images per domain shown in the report. */
      examples: z.int().min(0).max(16).default(3),
    })
    .default({ domains: 'all', examples: 3 }),
  analysis: z
    .strictObject({
      /** The swept optical parameter whose plain distance is the baseline shift measure. */
      parameter: z.string().min(1).default('defocus'),
      /** Unit scale for the baseline distance in the report (e.g. 10 to show Å as nm). */
      parameterScale: z.number().positive().default(10),
      parameterUnit: z.string().default('nm'),
      /** Radial samples of the CTF framework's frequency grid. */
      frequencySamples: z.int().min(16).max(4096).default(256),
    })
    .default({
      parameter: 'defocus',
      parameterScale: 10,
      parameterUnit: 'nm',
      frequencySamples: 256,
    }),
});

/** A validated sweep file. */
export type SweepFile = z.output<typeof SweepFileSchema>;
/** A validated domain of a sweep file. */
export type SweepDomain = SweepFile['domains'][number];

/** A training run with its name resolved. */
export interface TrainingRun {
  name: string;
  domains: string[];
}

/** The training runs of a sweep file, resolved ('each-domain' expanded). */
export function trainingRuns(file: SweepFile): TrainingRun[] {
  if (file.training.runs === 'each-domain')
    return file.domains.map((d) => ({ name: d.name, domains: [d.name] }));
  return file.training.runs.map((r) => ({
    name: r.name ?? r.domains.join('+'),
    domains: r.domains,
  }));
}

/** Domains every model is evaluated on. */
export function evaluationDomains(file: SweepFile): string[] {
  return file.evaluation.domains === 'all'
    ? file.domains.map((d) => d.name)
    : file.evaluation.domains;
}

/**
 * Validates a sweep file given as data: schema, then cross-references.
 * @param source names the file in messages
 * @throws InputError listing every problem, each with its path (and line, via `readSweepFile`)
 */
export function parseSweepFile(
  data: unknown,
  source = 'sweep file',
  locate?: (path: PropertyKey[]) => string,
): SweepFile {
  const result = SweepFileSchema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const where = locate?.(issue.path) ?? '';
      const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      return `${source}${where}: ${path}: ${issue.message}`;
    });
    throw new InputError(lines.join('\n'));
  }
  const file = result.data;
  const problems: string[] = [];
  const names = new Set<string>();
  for (const d of file.domains) {
    if (names.has(d.name)) problems.push(`domain '${d.name}' is defined twice`);
    names.add(d.name);
    if (!(d.structures in file.structures)) {
      problems.push(
        `domain '${d.name}' uses structure set '${d.structures}', which is not defined (have: ${Object.keys(file.structures).join(', ')})`,
      );
    }
    if (d.condition.energy !== file.simulation.energy) {
      problems.push(
        `domain '${d.name}' asks for energy ${d.condition.energy} eV but the exit waves are simulated at ${file.simulation.energy} eV`,
      );
    }
    problems.push(...domainValueProblems(d, file.simulation.sampling));
  }
  const band = file.simulation.storageBand;
  if (typeof band === 'number') {
    for (const d of file.domains) {
      const finest = finestPixel(d);
      if (band < 1 / (2 * finest)) {
        problems.push(
          `simulation.storageBand ${band} 1/Å is below the Nyquist frequency ${(1 / (2 * finest)).toFixed(3)} 1/Å of domain '${d.name}''s finest pixel ${finest} Å; images are only downsampled from the stored waves, so give at least that band (or 'auto')`,
        );
        break;
      }
    }
  }
  for (const [name, set] of Object.entries(file.structures)) {
    try {
      checkStructureSpec(set.spec);
    } catch (error) {
      if (!(error instanceof InputError || error instanceof RangeError)) throw error;
      problems.push(`structures.${name}.spec: ${error.message}`);
    }
  }
  const runNames = new Set<string>();
  for (const run of trainingRuns(file)) {
    for (const d of run.domains) {
      if (!names.has(d))
        problems.push(
          `training run '${run.name}' uses domain '${d}', which is not defined (have: ${[...names].join(', ')})`,
        );
    }
    if (runNames.has(run.name)) problems.push(`training run '${run.name}' is defined twice`);
    runNames.add(run.name);
  }
  for (const d of evaluationDomains(file)) {
    if (!names.has(d)) problems.push(`evaluation uses domain '${d}', which is not defined`);
  }
  if (file.dataset.split.train === 0)
    problems.push('dataset.split.train is 0: the training plan has no data');
  if (file.dataset.split.test === 0)
    problems.push('dataset.split.test is 0: there is nothing to evaluate on');
  for (const [name, set] of Object.entries(file.structures)) {
    const train = Math.floor(set.count * file.dataset.split.train);
    if (train < 1) {
      problems.push(
        `structure set '${name}' has ${set.count} structures: the training split (${file.dataset.split.train}) gets none; raise count`,
      );
    }
  }
  if (problems.length > 0) throw new InputError(problems.map((p) => `${source}: ${p}`).join('\n'));
  return file;
}

/**
 * Reads and validates a sweep file (YAML or JSON), reporting problems with file:line:column.
 * @returns the validated file and the hash that identifies it (of its canonical content)
 */
export function readSweepFile(path: string): { file: SweepFile; hash: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`cannot read sweep file ${path}`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = lineCounter.linePos(e.pos[0]);
    throw new InputError(`${path}:${pos.line}:${pos.col}: ${e.message.split('\n')[0]}`);
  }
  const locate = (issuePath: PropertyKey[]): string => {
    for (let n = issuePath.length; n >= 0; n--) {
      const node = doc.getIn(issuePath.slice(0, n) as (string | number)[], true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node && typeof node === 'object' && node.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return `:${pos.line}:${pos.col}`;
      }
    }
    return '';
  };
  const file = parseSweepFile(doc.toJS(), path, locate);
  return { file, hash: sweepFileHash(file) };
}

/** The identity of a sweep file: sha256 of its validated content in canonical JSON. */
export function sweepFileHash(file: SweepFile): string {
  return sha256Hex(canonicalJson(file as unknown as JsonValue));
}

/**
 * What the imaging stage would refuse about a domain, found before any work: values out of
 * range over the whole support of each distribution (e.g. a dose below 0 e/Å²), and pixels finer
 * than the exit waves' sampling [Å] (images are only downsampled).
 */
function domainValueProblems(d: SweepFile['domains'][number], sampling: number): string[] {
  const problems: string[] = [];
  const { structures: _set, ...domain } = d;
  try {
    parseDomain(domain, 'domains');
  } catch (error) {
    if (!(error instanceof InputError || error instanceof RangeError)) throw error;
    problems.push(error.message);
  }
  const finest = finestPixel(d);
  if (finest < sampling) {
    problems.push(
      `domain '${d.name}': pixelSize must be ≥ simulation.sampling ${sampling} Å (images are only downsampled), got ${finest} Å`,
    );
  }
  return problems;
}

/** The smallest pixel size [Å] a domain can draw. */
function finestPixel(d: SweepDomain): number {
  return parameterRange(d.condition.pixelSize)[0];
}

/** Storage bands chosen by 'auto' are rounded up to a multiple of this [1/Å], so sweeps whose
 * domains differ slightly still share their exit waves. */
export const STORAGE_BAND_STEP = 0.25;

/**
 * The band [1/Å] kept in the stored exit waves of structure set `set`, or undefined to keep the
 * simulation's whole band. With `storageBand: auto`: the largest of the band the images of the
 * domains that image the set can depend on (`domainWaveBand`, weight ≥ 1e-3) and of the Nyquist
 * frequency of the finest pixel of any domain (images are only downsampled from the stored grid,
 * and the spectrum task reads every set to that frequency), rounded up to a multiple of
 * 0.25 1/Å; undefined when such a domain needs the whole band or no domain images the set.
 */
export function exitWaveStorageBand(file: SweepFile, set: string): number | undefined {
  const band = file.simulation.storageBand;
  if (band === 'full') return undefined;
  if (typeof band === 'number') return band;
  const imaging = file.domains.filter((d) => d.structures === set);
  if (imaging.length === 0) return undefined;
  // The spectrum task reads every set's waves up to the Nyquist frequency of the finest pixel of
  // any domain, so that bound applies to every set, not only to the domains that image it.
  const finest = Math.min(...file.domains.map((d) => Math.max(0, finestPixel(d))));
  let needed = 1 / (2 * finest);
  for (const domain of imaging) needed = Math.max(needed, domainWaveBand(domain));
  if (!Number.isFinite(needed)) return undefined;
  return Math.ceil(needed / STORAGE_BAND_STEP - 1e-9) * STORAGE_BAND_STEP;
}
