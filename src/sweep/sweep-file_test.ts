import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { main } from '../cli/main.js';
import { InputError } from '../core/errors.js';
import { planTasks } from './plan.js';
import { SweepState } from './state.js';
import './stages.js';
import { studyTasks } from './study-plan.js';
import { exitWaveStorageBand, readSweepFile } from './sweep-file.js';

const quick = new URL('../../examples/quick-defocus.yaml', import.meta.url);
const paper = new URL('../../examples/paper-defocus.yaml', import.meta.url);

// biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary parts of a YAML document
type Doc = any;

function variant(edit: (doc: Doc) => void): string {
  const doc = parse(readFileSync(quick, 'utf8'), { merge: true }) as Doc;
  edit(doc);
  const dir = mkdtempSync(join(tmpdir(), 'sweep-file-'));
  const path = join(dir, 'sweep.yaml');
  writeFileSync(path, stringify(doc));
  return path;
}

afterEach(() => vi.restoreAllMocks());

describe('sweep files', () => {
  it('reads both presets and plans every stage of the study', () => {
    const { file } = readSweepFile(quick.pathname);
    const plan = planTasks(studyTasks(file));
    const kinds = new Map<string, number>();
    for (const t of plan.tasks) kinds.set(t.kind, (kinds.get(t.kind) ?? 0) + 1);
    expect(Object.fromEntries(kinds)).toEqual({
      structure: 40,
      'exit-wave': 40,
      dataset: 5,
      spectrum: 1,
      train: 5,
      evaluate: 5,
      analysis: 1,
    });
    const big = readSweepFile(paper.pathname).file;
    expect(big.domains).toHaveLength(11);
    expect(big.training.seeds).toEqual([0, 1, 2]);
    expect(planTasks(studyTasks(big)).tasks.filter((t) => t.kind === 'train')).toHaveLength(33);
  });

  it('gives the same hash for the same content and another for a changed one', () => {
    expect(readSweepFile(quick.pathname).hash).toBe(readSweepFile(variant(() => {})).hash);
    expect(readSweepFile(variant((d) => (d.seed = 1))).hash).not.toBe(
      readSweepFile(quick.pathname).hash,
    );
  });

  it('reports an unknown key with its file, line and path', () => {
    const path = variant((d) => (d.training.epocs = 3));
    expect(() => readSweepFile(path)).toThrow(InputError);
    expect(() => readSweepFile(path)).toThrow(
      /sweep\.yaml:\d+:\d+: training: Unrecognized key: "epocs"/,
    );
  });

  it('takes per-element phonon rms [Å] and refuses a key that is no element symbol', () => {
    const good = variant((d) => (d.simulation.phononRms = { Cd: 0.1, Se: 0.09 }));
    expect(readSweepFile(good).file.simulation.phononRms).toEqual({ Cd: 0.1, Se: 0.09 });
    const bad = variant((d) => (d.simulation.phononRms = { cadmium: 0.1 }));
    expect(() => readSweepFile(bad)).toThrow(InputError);
    expect(() => readSweepFile(bad)).toThrow(
      /simulation\.phononRms\.cadmium.*must be an element symbol/,
    );
  });

  it('refuses before any work an unknown material, a negative dose and pixels finer than the simulation', () => {
    const material = variant((d) => (d.structures.default.spec.particles.materials = ['CdXe']));
    expect(() => readSweepFile(material)).toThrow(/structures\.default\.spec: .*CdXe/);
    const dose = variant((d) => (d.domains[0].condition.dose = -400));
    expect(() => readSweepFile(dose)).toThrow(InputError);
    expect(() => readSweepFile(dose)).toThrow(/domain 'df-20nm'.*dose.*e\/Å²/);
    const pixels = variant((d) => (d.domains[1].condition.pixelSize = 0.05));
    expect(() => readSweepFile(pixels)).toThrow(
      "domain 'df-10nm': pixelSize must be ≥ simulation.sampling 0.1 Å (images are only downsampled), got 0.05 Å",
    );
  });

  it('refuses a domain that is referenced but not defined', () => {
    const path = variant((d) => (d.training.runs = [{ domains: ['df0nm', 'df+30nm'] }]));
    expect(() => readSweepFile(path)).toThrow(
      "training run 'df0nm+df+30nm' uses domain 'df+30nm', which is not defined",
    );
  });

  it('refuses a training plan with no data', () => {
    const path = variant((d) => (d.dataset.split = { train: 0, val: 0.5, test: 0.5 }));
    expect(() => readSweepFile(path)).toThrow(
      'dataset.split.train is 0: the training plan has no data',
    );
    const few = variant((d) => (d.structures.default.count = 1));
    expect(() => readSweepFile(few)).toThrow(
      "structure set 'default' has 1 structures: the training split (0.6) gets none",
    );
  });

  it('names the unit of a simulation setting of the wrong type or range, and kV given as eV', () => {
    const sampling = variant((d) => (d.simulation.sampling = '0.1'));
    expect(() => readSweepFile(sampling)).toThrow(
      /sweep\.yaml:\d+:\d+: simulation\.sampling: must be a number in Å/,
    );
    const slice = variant((d) => (d.simulation.sliceThickness = -2));
    expect(() => readSweepFile(slice)).toThrow(/simulation\.sliceThickness: must be > 0 Å/);
    const kv = variant((d) => {
      d.simulation.energy = 300;
      for (const domain of d.domains) domain.condition.energy = 300;
    });
    expect(() => readSweepFile(kv)).toThrow(
      /simulation\.energy: must be in \[1000, 3000000\] eV for TEM, got 300 eV; if you meant 300 kV, give 300000$/m,
    );
  });

  it('stores exit waves to the band the domains can see (auto), the whole band, or a given one', () => {
    const { file } = readSweepFile(fileURLToPath(quick));
    // σ_f = 10 Å at 300 kV: the temporal envelope is 1e-3 at 2.451 1/Å, rounded up to 2.5.
    expect(file.simulation.storageBand).toBe('auto');
    expect(exitWaveStorageBand(file, 'default')).toBe(2.5);
    const full = variant((d) => (d.simulation.storageBand = 'full'));
    expect(exitWaveStorageBand(readSweepFile(full).file, 'default')).toBeUndefined();
    const given = variant((d) => (d.simulation.storageBand = 2));
    expect(exitWaveStorageBand(readSweepFile(given).file, 'default')).toBe(2);
    const explicit = variant((d) => (d.domains[2].temporalCoherence = 'explicit'));
    expect(exitWaveStorageBand(readSweepFile(explicit).file, 'default')).toBeUndefined();
    // A finer pixel needs the stored grid to reach its Nyquist frequency: 1/(2·0.15) = 3.33.
    const fine = variant((d) => (d.domains[0].condition.pixelSize = 0.15));
    expect(exitWaveStorageBand(readSweepFile(fine).file, 'default')).toBe(3.5);
    // Every set's waves feed the spectrum up to the finest pixel of any domain, so a set imaged
    // only by a coarse, low-coherence domain still keeps that band; a set no domain images keeps all.
    const sets = variant((d) => {
      d.structures.coarse = d.structures.default;
      d.structures.unused = d.structures.default;
      d.domains[4].structures = 'coarse';
      d.domains[4].condition.focalSpread = 30;
      d.domains[0].condition.pixelSize = 0.15;
    });
    const multi = readSweepFile(sets).file;
    expect(exitWaveStorageBand(multi, 'coarse')).toBe(3.5);
    expect(exitWaveStorageBand(multi, 'unused')).toBeUndefined();
    // A given band below the finest pixel's Nyquist frequency would leave images nothing to
    // downsample from: refused before any work.
    const narrow = variant((d) => (d.simulation.storageBand = 0.5));
    expect(() => readSweepFile(narrow)).toThrow(
      "simulation.storageBand 0.5 1/Å is below the Nyquist frequency 1.250 1/Å of domain 'df-20nm''s finest pixel 0.4 Å",
    );
    const bad = variant((d) => (d.simulation.storageBand = 'half'));
    expect(() => readSweepFile(bad)).toThrow(
      /simulation\.storageBand: must be a number in 1\/Å, 'auto' or 'full'/,
    );
  });

  it('refuses a domain whose energy differs from the simulation', () => {
    const path = variant((d) => (d.domains[1].condition.energy = 200000));
    expect(() => readSweepFile(path)).toThrow(
      "domain 'df-10nm' asks for energy 200000 eV but the exit waves are simulated at 300000 eV",
    );
  });

  it('hrtem sweep refuses an output folder of a different sweep file before any work', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sweep-out-'));
    const state = SweepState.open(out);
    state.claim('0'.repeat(64), out);
    state.close();
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation(
      (...a: unknown[]) => void errors.push(a.join(' ')),
    );
    const code = await main(['sweep', quick.pathname, '--out', out, '--workers', '1']);
    expect(code).toBe(2);
    expect(errors.join('\n')).toMatch(
      /belongs to a different sweep .* choose another --out folder/,
    );
  });
});
