/**
 * `hrtem simulate SCENES_DIR --out DIR`: exit waves and labels for every extended XYZ scene in a
 * folder, one output folder per scene (docs/exit-wave-format.md), skipping scenes whose content
 * hash (scene file + settings + code version) matches a finished folder. Scenes run in a pool of
 * worker threads, one per core by default.
 */

import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { requireBeamEnergy } from '../core/energy.js';
import { InputError, requirePositive } from '../core/errors.js';
import { checkLabelOptions } from '../multislice/labels.js';
import {
  isSceneDone,
  type SceneJob,
  sceneHash,
  simulateScene,
  writeSceneFolder,
} from '../multislice/scene.js';
import { resolveSettings } from '../multislice/simulate.js';
import type { WorkerMessage, WorkerTask } from '../multislice/simulate-worker.js';
import { readExtendedXyz } from '../multislice/xyz.js';
import { numberOption, progressTime, requireOutputPath } from './options.js';

interface SimulateOptions {
  out: string;
  workers?: number;
  energy: number;
  sampling: number;
  sliceThickness: number;
  parametrization: 'kirkland' | 'lobato';
  placement: 'bilinear' | 'exact';
  phonons: number;
  seed: number;
  band?: number;
  storageBand?: number;
  labels: boolean;
  labelThreshold?: number;
  labelSmoothing: number;
}

function integerOption(flag: string, min: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`${flag} expects an integer ≥ ${min}, got '${value}'`);
    }
    return n;
  };
}

/** Registers `hrtem simulate` on the program. */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description(
      'multislice exit waves and ground-truth labels for a folder of extended XYZ scenes',
    )
    .argument(
      '<scenes>',
      'folder of .xyz scenes (Lattice, Properties=species:S:1:pos:R:3:label:I:1)',
    )
    .requiredOption('--out <dir>', 'output folder (one sub-folder per scene)')
    .option(
      '--workers <n>',
      'worker threads (default: one per core; 0 runs in this thread)',
      integerOption('--workers', 0),
    )
    .option('--energy <eV>', 'electron energy [eV]', numberOption('--energy', 'eV'), 300e3)
    .option('--sampling <Å>', 'target pixel size [Å]', numberOption('--sampling', 'Å'), 0.1)
    .option(
      '--slice-thickness <Å>',
      'slice thickness [Å]',
      numberOption('--slice-thickness', 'Å'),
      1,
    )
    .addOption(
      new Option('--parametrization <name>', 'scattering factors')
        .choices(['kirkland', 'lobato'])
        .default('lobato'),
    )
    .option(
      '--phonons <n>',
      'frozen-phonon configurations (1 = atoms at rest)',
      integerOption('--phonons', 1),
      1,
    )
    .option('--seed <n>', 'seed of the phonon displacements', integerOption('--seed', 0), 0)
    .option(
      '--band <1/Å>',
      'band the exit waves must hold [1/Å]; error if the sampling cannot',
      numberOption('--band', '1/Å'),
    )
    .option(
      '--storage-band <1/Å>',
      'crop stored waves to this band [1/Å] (default: the band limit)',
      numberOption('--storage-band', '1/Å'),
    )
    .option('--no-labels', 'skip the particle masks')
    .option(
      '--label-threshold <rad>',
      'exit-wave phase threshold [rad] (default π/16)',
      numberOption('--label-threshold', 'rad'),
    )
    .option(
      '--label-smoothing <Å>',
      'Gaussian smoothing σ of the mask [Å]',
      numberOption('--label-smoothing', 'Å'),
      1.6,
    )
    .action(async (scenes: string, options: SimulateOptions) => {
      await runSimulate(scenes, options);
    });
}

interface Scene {
  path: string;
  name: string;
  outDir: string;
  hash: string;
}

async function runSimulate(scenesDir: string, options: SimulateOptions): Promise<void> {
  if (!existsSync(scenesDir) || !statSync(scenesDir).isDirectory()) {
    throw new InputError(`scenes folder '${scenesDir}' does not exist or is not a folder`);
  }
  const files = readdirSync(scenesDir)
    // `hrtem structure` also writes Prismatic's format (`.prismatic.xyz`) beside each scene.
    .filter((f) => ['.xyz', '.extxyz'].includes(extname(f)) && !f.endsWith('.prismatic.xyz'))
    .sort();
  if (files.length === 0) throw new InputError(`no .xyz scenes in '${scenesDir}'`);
  requireBeamEnergy('--energy', options.energy);
  if (options.storageBand !== undefined)
    requirePositive('--storage-band', options.storageBand, '1/Å');
  const job: SceneJob = {
    settings: {
      energy: options.energy,
      sampling: options.sampling,
      sliceThickness: options.sliceThickness,
      parametrization: options.parametrization,
      placement: options.placement,
      ...(options.phonons > 1
        ? { phonons: { configurations: options.phonons, seed: options.seed } }
        : {}),
      ...(options.band !== undefined ? { band: options.band } : {}),
    },
    labels: options.labels
      ? {
          smoothing: options.labelSmoothing,
          ...(options.labelThreshold !== undefined ? { threshold: options.labelThreshold } : {}),
        }
      : null,
    ...(options.storageBand !== undefined ? { storageBand: options.storageBand } : {}),
  };

  // Check every scene before any work, so bad input stops the run with nothing written.
  if (job.labels) checkLabelOptions(job.labels);
  requireOutputPath('--out', options.out, 'dir');
  const warned = new Set<string>();
  const all: Scene[] = files.map((f) => {
    const path = join(scenesDir, f);
    try {
      const atoms = readExtendedXyz(path);
      resolveSettings(
        atoms,
        { ...job.settings, structureId: f },
        {
          onWarning: (w) => {
            if (!warned.has(w.code)) console.error(`hrtem: warning: ${w.message}`);
            warned.add(w.code);
          },
        },
      );
    } catch (error) {
      if (error instanceof Error) error.message = `${path}: ${error.message}`;
      throw error;
    }
    const name = basename(f, extname(f));
    return { path, name, outDir: resolve(options.out, name), hash: sceneHash(path, job) };
  });
  mkdirSync(options.out, { recursive: true });
  const todo = all.filter((s) => !isSceneDone(s.outDir, s.hash));
  const skipped = all.length - todo.length;
  if (todo.length === 0) {
    console.log(`hrtem simulate: all ${all.length} scenes already done in ${options.out}`);
    return;
  }
  const workers = Math.min(options.workers ?? availableParallelism(), todo.length);
  const start = performance.now();
  const failures = await runPool(todo, job, workers);
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  if (failures.length > 0) {
    throw new InputError(
      `${failures.length} of ${todo.length} scenes failed (no output written for them):\n${failures.join('\n')}`,
    );
  }
  console.log(
    `hrtem simulate: ${todo.length} scenes simulated, ${skipped} already done, in ${seconds} s → ${options.out}`,
  );
}

async function runPool(todo: Scene[], job: SceneJob, workers: number): Promise<string[]> {
  const bar = new cliProgress.SingleBar(
    {
      format: 'simulate |{bar}| {percentage}% | {scenes} scenes | ETA {eta_formatted}',
      formatTime: progressTime,
      stream: process.stderr,
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 5000,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const scale = 1000;
  const fraction = new Float64Array(todo.length);
  let finished = 0;
  bar.start(todo.length * scale, 0, { scenes: `0/${todo.length}` });
  const update = () => {
    let sum = 0;
    for (const f of fraction) sum += f;
    bar.update(Math.round(sum * scale), { scenes: `${finished}/${todo.length}` });
  };
  const failures: string[] = [];
  const warned = new Set<string>();
  const onMessage = (m: WorkerMessage) => {
    if (m.type === 'progress') fraction[m.index] = Math.min(0.95, (0.95 * m.done) / m.total);
    else if (m.type === 'warning' && !warned.has(m.code)) {
      warned.add(m.code);
      bar.stop();
      console.error(`hrtem: warning: ${m.message}`);
      bar.start(todo.length * scale, 0, { scenes: `${finished}/${todo.length}` });
    } else if (m.type === 'done' || m.type === 'error') {
      fraction[m.index] = 1;
      finished++;
      if (m.type === 'error') failures.push(`  ${todo[m.index].path}: ${m.message}`);
    }
    update();
  };
  try {
    if (workers === 0) {
      for (let i = 0; i < todo.length; i++) await runInThread(todo[i], i, job, onMessage);
    } else {
      await runInWorkers(todo, job, workers, onMessage);
    }
  } finally {
    bar.stop();
  }
  return failures;
}

async function runInThread(
  scene: Scene,
  index: number,
  job: SceneJob,
  onMessage: (m: WorkerMessage) => void,
): Promise<void> {
  try {
    const set = await simulateScene(
      readExtendedXyz(scene.path),
      { ...job, settings: { ...job.settings, structureId: scene.name } },
      {
        onProgress: (p) => onMessage({ type: 'progress', index, done: p.done, total: p.total }),
        onWarning: (w) => onMessage({ type: 'warning', index, ...w }),
      },
    );
    writeSceneFolder(scene.outDir, set, scene.hash, basename(scene.path));
    onMessage({ type: 'done', index });
  } catch (error) {
    onMessage({
      type: 'error',
      index,
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

function runInWorkers(
  todo: Scene[],
  job: SceneJob,
  count: number,
  onMessage: (m: WorkerMessage) => void,
): Promise<void> {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`../multislice/simulate-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  let next = 0;
  let active = 0;
  return new Promise((resolveAll, reject) => {
    const pool: Worker[] = [];
    const finish = () => {
      for (const w of pool) void w.terminate();
      resolveAll();
    };
    const feed = (worker: Worker) => {
      if (next >= todo.length) {
        if (active === 0) finish();
        return;
      }
      const index = next++;
      const s = todo[index];
      active++;
      const task: WorkerTask = {
        index,
        scenePath: s.path,
        sceneName: basename(s.path),
        outDir: s.outDir,
        hash: s.hash,
        job: { ...job, settings: { ...job.settings, structureId: s.name } },
      };
      worker.postMessage(task);
    };
    for (let i = 0; i < count; i++) {
      // From TypeScript sources (tests, tsx), the worker registers tsx's loader before importing.
      const worker = fromSource
        ? new Worker(
            `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`,
            { eval: true },
          )
        : new Worker(url);
      pool.push(worker);
      worker.on('message', (m: WorkerMessage) => {
        onMessage(m);
        if (m.type === 'done' || m.type === 'error') {
          active--;
          feed(worker);
        }
      });
      worker.on('error', (error) => {
        for (const w of pool) void w.terminate();
        reject(error);
      });
      feed(worker);
    }
  });
}
