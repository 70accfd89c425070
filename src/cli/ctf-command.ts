/**
 * `hrtem ctf`: prints the derived optics of one condition and writes the radial CTF as SVG,
 * JSON and CSV.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { writeFileAtomic } from '../core/atomic-write.js';
import { InputError } from '../core/errors.js';
import type { OpticsSummary, RadialProfile } from '../optics/index.js';
import {
  ABERRATION_ALIASES,
  ABERRATION_TERMS,
  type OpticalCondition,
  type OpticalConditionInput,
  parseOpticalCondition,
  parseOpticalConditionFile,
  pointResolution,
  radialProfile,
  summarizeOptics,
} from '../optics/index.js';
import { renderVegaLiteSvg } from '../report/svg-chart.js';
import { numberOption, requireOutputPath } from './options.js';

const SCALAR_OPTIONS: { flag: string; key: string; help: string }[] = [
  { flag: 'energy', key: 'energy', help: 'electron kinetic energy [eV], e.g. 300000 for 300 kV' },
  {
    flag: 'focal-spread',
    key: 'focalSpread',
    help: 'focal spread σ_f, standard deviation of defocus [Å]',
  },
  {
    flag: 'convergence',
    key: 'convergence',
    help: 'illumination 1/e semi-angle [rad] (values > 0.05 are refused)',
  },
  { flag: 'convergence-mrad', key: 'convergenceMrad', help: 'illumination 1/e semi-angle [mrad]' },
  { flag: 'aperture', key: 'aperture', help: 'objective aperture semi-angle [rad]' },
  { flag: 'aperture-mrad', key: 'apertureMrad', help: 'objective aperture semi-angle [mrad]' },
  {
    flag: 'aperture-edge-mrad',
    key: 'apertureEdgeMrad',
    help: 'soft-edge full width of the aperture [mrad]',
  },
];

const ALIAS_HELP: Record<string, string> = {
  defocus: 'defocus Δf = −C10 [Å]; positive is underfocus',
  Cs: 'spherical aberration C30 [Å] (1.2 mm = 1.2e7)',
  C5: 'fifth-order spherical aberration C50 [Å]',
  astigmatism: 'two-fold astigmatism C12 [Å]',
  astigmatismAngle: 'azimuth φ12 of the astigmatism [rad]',
};

/** Registers `hrtem ctf` on the program. */
export function registerCtfCommand(program: Command): void {
  const command = program
    .command('ctf')
    .description(
      'Contrast transfer function of one optical condition: prints λ, σ, Scherzer values, point resolution, ' +
        'information limit (where E_t = e⁻²) and the first zeros of sin χ; with --out writes ctf.svg, ctf.json, ctf.csv. ' +
        'Units: eV, Å, rad (1/Å for frequencies) unless the flag name says mrad. Defocus = −C10, positive = underfocus.',
    )
    .option('--condition <file>', 'YAML or JSON file with the same keys as the flags (camelCase)')
    .option('--out <dir>', 'folder for ctf.svg, ctf.json and ctf.csv')
    .addOption(
      new Option('--k-max <1/Å>', 'upper spatial frequency of the profile [1/Å]').argParser(
        numberOption('--k-max', '1/Å'),
      ),
    )
    .addOption(
      new Option('--zeros <n>', 'how many CTF zeros to list')
        .default(5)
        .argParser(numberOption('--zeros', '')),
    )
    .option('--json', 'print the summary as JSON instead of text');
  for (const o of SCALAR_OPTIONS) {
    command.addOption(
      new Option(`--${o.flag} <value>`, o.help).argParser(
        numberOption(`--${o.flag}`, unitOf(o.help)),
      ),
    );
  }
  for (const [alias, help] of Object.entries(ALIAS_HELP)) {
    const flag = alias === 'astigmatismAngle' ? 'astigmatism-angle' : alias;
    command.addOption(
      new Option(`--${flag} <value>`, help).argParser(numberOption(`--${flag}`, unitOf(help))),
    );
  }
  for (const t of ABERRATION_TERMS) {
    command.addOption(
      new Option(`--${t.symbol} <Å>`, `aberration coefficient ${t.symbol} [Å]`).argParser(
        numberOption(`--${t.symbol}`, 'Å'),
      ),
    );
    if (t.angle) {
      command.addOption(
        new Option(`--${t.angle} <rad>`, `azimuth of ${t.symbol} [rad]`).argParser(
          numberOption(`--${t.angle}`, 'rad'),
        ),
      );
    }
  }
  command.action(async (options: Record<string, unknown>) => runCtf(options));
}

function unitOf(help: string): string {
  return /\[([^\]]+)\]/.exec(help)?.[1] ?? '';
}

async function runCtf(options: Record<string, unknown>): Promise<void> {
  const condition = conditionFromOptions(options);
  if (options.out) requireOutputPath('--out', options.out as string, 'dir');
  const zeros = options.zeros as number;
  if (!Number.isInteger(zeros) || zeros < 1) {
    throw new RangeError(`--zeros must be an integer ≥ 1 (a count of CTF zeros), got ${zeros}`);
  }
  const kMax = (options.kMax as number | undefined) ?? defaultKMax(condition);
  if (!(kMax > 0)) throw new RangeError(`--k-max must be > 0 1/Å, got ${kMax}`);
  const { summary, profile } = summarizeOptics(condition, { kMax, zeros: options.zeros as number });
  if (options.json) console.log(JSON.stringify(summary, null, 2));
  else console.log(formatSummary(summary, condition));
  const out = options.out as string | undefined;
  if (out) {
    writeFileAtomic(
      join(out, 'ctf.json'),
      `${JSON.stringify({ summary, condition: serializable(condition) }, null, 2)}\n`,
    );
    writeFileAtomic(join(out, 'ctf.csv'), profileCsv(profile));
    writeFileAtomic(join(out, 'ctf.svg'), await ctfChart(profile, summary));
    console.log(`wrote ${join(out, 'ctf.svg')}, ctf.json, ctf.csv`);
  }
}

function conditionFromOptions(options: Record<string, unknown>): OpticalCondition {
  const flags: Record<string, number> = {};
  const known = new Set<string>([
    ...SCALAR_OPTIONS.map((o) => o.key),
    ...Object.keys(ABERRATION_ALIASES),
    ...ABERRATION_TERMS.flatMap((t) => (t.angle ? [t.symbol, t.angle] : [t.symbol])),
  ]);
  for (const [key, value] of Object.entries(options)) {
    if (known.has(key) && value !== undefined) flags[key] = value as number;
  }
  const file = options.condition as string | undefined;
  if (file) {
    const fromFile = parseOpticalConditionFile(readConditionFile(file), file);
    if (Object.keys(flags).length > 0) {
      throw new InputError(
        `give the condition either in --condition ${file} or as flags, not both (got ${Object.keys(
          flags,
        )
          .map((k) => `--${k}`)
          .join(', ')})`,
      );
    }
    return fromFile;
  }
  if (flags.energy === undefined)
    throw new InputError('--energy [eV] is required (or give --condition FILE)');
  return parseOpticalCondition(flags as OpticalConditionInput);
}

function readConditionFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`--condition: cannot read ${path}`);
  }
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new InputError(
      `${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
}

/**
 * Where the damping (aperture × envelopes) falls below 0.5 %, plus 15 %; for a coherent beam
 * 1.5× the point-resolution frequency. Clipped to [0.3, 4] 1/Å.
 */
function defaultKMax(condition: OpticalCondition): number {
  const k = Array.from({ length: 4001 }, (_, i) => i * 0.001);
  const p = radialProfile(condition, k);
  for (let i = 0; i < k.length; i++) {
    if (p.aperture[i] * p.temporal[i] * p.spatial[i] < 0.005) return Math.max(0.3, 1.15 * k[i]);
  }
  const Cs = condition.aberrations.C30 ?? 0;
  return Cs !== 0 ? Math.min(4, 1.5 / pointResolution(condition.energy, Cs)) : 1;
}

function serializable(condition: OpticalCondition): Record<string, unknown> {
  return {
    ...condition,
    aperture: Number.isFinite(condition.aperture) ? condition.aperture : null,
  };
}

const fmt = (x: number | null, digits = 5) =>
  x === null ? 'n/a' : Number(x.toPrecision(digits)).toString();

function formatSummary(s: OpticsSummary, condition: OpticalCondition): string {
  // Every other aberration the condition holds, with its azimuth (0 rad unless given), since the
  // zeros below are taken along φ = 0 and depend on it.
  const others = Object.entries(condition.aberrations)
    .filter(([name, value]) => /^C\d\d$/.test(name) && name !== 'C10' && name !== 'C30' && value)
    .map(([name, value]) => {
      const phi = condition.aberrations[`phi${name.slice(1)}`];
      const symmetric = name.endsWith('0');
      return `${name} = ${fmt(value as number)} Å${symmetric ? '' : `, phi${name.slice(1)} = ${fmt((phi as number) ?? 0)} rad`}`;
    });
  return [
    `energy                 ${fmt(s.energy, 6)} eV`,
    `wavelength λ           ${fmt(s.wavelength, 7)} Å`,
    `interaction σ          ${fmt(s.interactionParameter, 7)} rad/(V·Å)`,
    `defocus (−C10)         ${fmt(s.defocus)} Å (positive = underfocus)`,
    `Cs (C30)               ${fmt(s.Cs)} Å`,
    `Scherzer defocus       ${fmt(s.scherzerDefocus)} Å`,
    `Scherzer aperture      ${s.scherzerAperture === null ? 'n/a' : fmt(s.scherzerAperture * 1e3)} mrad`,
    s.pointResolution === null
      ? 'point resolution       none (Cs = 0)'
      : `point resolution       ${fmt(s.pointResolution)} Å (first zero at Scherzer)`,
    s.informationLimit === null
      ? 'information limit      none (coherent beam: give --focal-spread)'
      : `information limit      ${fmt(s.informationLimit)} Å (E_t = e⁻²)`,
    ...(others.length > 0 ? [`other aberrations      ${others.join('; ')}`] : []),
    `first CTF zeros        ${s.ctfZeros.map((z) => fmt(z)).join(', ')} 1/Å${others.length > 0 ? ' (along φ = 0)' : ''}`,
  ].join('\n');
}

function profileCsv(p: RadialProfile): string {
  const rows = ['k_per_A,chi_rad,sin_chi,temporal,spatial,aperture,ctf'];
  for (let i = 0; i < p.k.length; i++) {
    rows.push(
      [p.k[i], p.chi[i], p.sinChi[i], p.temporal[i], p.spatial[i], p.aperture[i], p.ctf[i]].join(
        ',',
      ),
    );
  }
  return `${rows.join('\n')}\n`;
}

async function ctfChart(p: RadialProfile, s: OpticsSummary): Promise<string> {
  const values: { k: number; value: number; curve: string }[] = [];
  const step = Math.max(1, Math.floor(p.k.length / 800));
  for (let i = 0; i < p.k.length; i += step) {
    values.push({ k: p.k[i], value: p.ctf[i], curve: 'CTF (sin χ · envelopes)' });
    values.push({ k: p.k[i], value: p.temporal[i], curve: 'temporal envelope E_t' });
    values.push({ k: p.k[i], value: p.spatial[i], curve: 'spatial envelope E_s' });
    values.push({ k: p.k[i], value: p.sinChi[i], curve: 'sin χ (coherent)' });
  }
  return renderVegaLiteSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `CTF at ${s.energy / 1e3} kV, defocus ${fmt(s.defocus)} Å, Cs ${fmt(s.Cs)} Å`,
    width: 640,
    height: 320,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.2 },
    encoding: {
      x: { field: 'k', type: 'quantitative', title: 'spatial frequency k [1/Å]' },
      y: { field: 'value', type: 'quantitative', title: 'transfer', scale: { domain: [-1, 1] } },
      color: {
        field: 'curve',
        type: 'nominal',
        title: null,
        legend: { labelLimit: 400, orient: 'bottom' },
      },
      strokeDash: {
        condition: { test: "datum.curve === 'sin χ (coherent)'", value: [3, 3] },
        value: [1, 0],
      },
    },
  });
}
