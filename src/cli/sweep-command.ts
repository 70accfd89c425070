/**
 * `hrtem sweep FILE --out DIR`: plans the whole study of a sweep file, runs it on a local pool of
 * worker threads (or a Redis queue), and writes the report into DIR/report/.
 */
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { writeFileAtomic } from '../core/atomic-write.js';
import { InputError } from '../core/errors.js';
import { LocalPoolRunner, planTasks, SweepState, type TaskRunner } from '../sweep/index.js';
import { BullMqRunner } from '../sweep/queue/index.js';
import { ANALYSIS_TASK_ID, studyTasks } from '../sweep/study-plan.js';
import { exitWaveStorageBand, readSweepFile, type SweepFile } from '../sweep/sweep-file.js';
import { numberOption, requireOutputPath } from './options.js';
import {
  addQueueConnectionOptions,
  type QueueCliOptions,
  queueConnectionFromOptions,
} from './queue-cli.js';
import { stagesModulePath } from './stages-path.js';
import { formatDuration, runSweepWithDisplay } from './sweep-progress.js';
import { readPackageVersion } from './version.js';

/** Registers `hrtem sweep`. */
export function registerSweepCommand(program: Command): void {
  const command = program
    .command('sweep')
    .description(
      'Run an out-of-distribution sweep: structures → exit waves → images per domain → trainings → evaluations → ' +
        'analysis and report (DIR/report/report.html). Rerun the same command to resume after a crash; finished ' +
        'tasks are never redone. `hrtem status DIR` shows progress from another terminal. With --queue, tasks run ' +
        'on `hrtem worker` processes (any number of machines sharing DIR).',
    )
    .argument('<file>', 'sweep file (YAML or JSON), e.g. examples/quick-defocus.yaml')
    .requiredOption('--out <dir>', 'output folder (state.sqlite, artefacts/, report/)')
    .addOption(
      new Option(
        '--workers <n>',
        'worker threads of the local pool (default: one per core)',
      ).argParser(numberOption('--workers', '')),
    )
    .option(
      '--cache <dir>',
      'shared artefact folder, so sweeps that share structures or domains reuse them',
    );
  addQueueConnectionOptions(command, false).action(async (file: string, options: SweepOptions) => {
    process.exitCode = await runSweepCommand(file, options);
  });
}

interface SweepOptions extends QueueCliOptions {
  out: string;
  workers?: number;
  cache?: string;
}

async function runSweepCommand(path: string, options: SweepOptions): Promise<number> {
  const started = performance.now();
  const { file, hash } = readSweepFile(path);
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`--workers must be an integer ≥ 1, got ${workers}`);
  }
  if (options.queue && options.cache) {
    throw new InputError(
      '--cache cannot be combined with --queue: queue workers share DIR/artefacts',
    );
  }
  const stages = stagesModulePath();
  await import(stages);
  const plan = planTasks(studyTasks(file));
  requireOutputPath('--out', options.out, 'dir');
  if (options.cache) requireOutputPath('--cache', options.cache, 'dir');
  const outDir = resolve(options.out);
  const runner: TaskRunner = options.queue
    ? await BullMqRunner.create({
        ...queueConnectionFromOptions({ ...options, queue: options.queue }),
        artefactRoot: join(outDir, 'artefacts'),
        sweepHash: hash,
        kinds: [...new Set(plan.tasks.map((t) => t.kind))],
      })
    : new LocalPoolRunner({ registryModules: [stages], workers });
  console.error(
    `hrtem sweep: ${file.name}: ${plan.tasks.length} tasks on ${runner.description}, output ${outDir}`,
  );
  for (const line of storageBandLines(file)) console.error(`hrtem sweep: ${line}`);
  let code: number;
  try {
    code = await runSweepWithDisplay({
      outDir,
      plan,
      runner,
      sweepHash: hash,
      cacheDir: options.cache,
      maxAttempts: options.queue ? 1 : undefined,
    });
  } finally {
    await runner.close();
  }
  const seconds = (performance.now() - started) / 1000;
  printTaskWarnings(outDir);
  if (code === 0) await publishReport(outDir, options.cache, plan, path, seconds);
  console.error(`hrtem sweep: run time ${formatDuration(seconds * 1000)}`);
  return code;
}

/** One line per structure set: the band its stored exit waves keep, and why. */
function storageBandLines(file: SweepFile): string[] {
  // The multislice band limit is 2/3 of the Nyquist frequency of the grid, whose sampling is at
  // most the requested one (grids are rounded up to FFT-friendly sizes).
  const simulated = 1 / (3 * file.simulation.sampling);
  return Object.keys(file.structures).map((set) => {
    const band = exitWaveStorageBand(file, set);
    const used = file.domains.some((d) => d.structures === set);
    const kept =
      band === undefined || band >= simulated
        ? `the whole simulated band (about ${simulated.toFixed(2)} 1/Å)`
        : `${band} 1/Å of the simulated ${simulated.toFixed(2)} 1/Å`;
    let why = '';
    if (file.simulation.storageBand === 'auto') {
      if (!used) why = ' (auto: no domain images this set)';
      else if (band === undefined) why = ' (auto: a domain needs the whole band)';
      else why = " (auto: no domain's transfer reaches 1e-3 beyond it)";
    }
    return `exit waves of '${set}' stored to ${kept}${why}`;
  });
}

/**
 * Prints the warnings the sweep's tasks recorded in their results, one line per warning code
 * (or per text, for warnings without a code) with how many tasks raised it and one example.
 */
function printTaskWarnings(outDir: string): void {
  const state = SweepState.openReadOnly(outDir);
  const byCode = new Map<string, { tasks: number; example: string }>();
  try {
    for (const row of state.allTasks()) {
      const warnings = (row.result as { warnings?: unknown } | null)?.warnings;
      if (!Array.isArray(warnings)) continue;
      const codes = new Map<string, string>();
      for (const w of warnings) {
        const coded = typeof w === 'object' && w !== null && 'code' in w && 'message' in w;
        const message = coded ? String(w.message) : String(w);
        codes.set(coded ? String(w.code) : message, message);
      }
      for (const [code, message] of codes) {
        const seen = byCode.get(code) ?? { tasks: 0, example: message };
        byCode.set(code, { ...seen, tasks: seen.tasks + 1 });
      }
    }
  } finally {
    state.close();
  }
  for (const [code, { tasks, example }] of byCode) {
    const label = code === example ? '' : ` ${code}`;
    console.error(`hrtem sweep: warning${label} in ${tasks} task(s), e.g. ${example}`);
  }
}

async function publishReport(
  outDir: string,
  cacheDir: string | undefined,
  plan: ReturnType<typeof planTasks>,
  sweepFile: string,
  seconds: number,
): Promise<void> {
  const { renderSweepReport } = await import('../sweep/study-analysis.js');
  const key = plan.keyOfId.get(ANALYSIS_TASK_ID);
  if (!key) throw new InputError('internal: the plan has no analysis task');
  const analysisDir = join(resolve(cacheDir ?? join(outDir, 'artefacts')), 'analysis', key);
  const reportDir = join(outDir, 'report');
  mkdirSync(reportDir, { recursive: true });
  for (const name of readdirSync(analysisDir)) {
    if (!name.startsWith('_') && name !== 'report-data.json')
      cpSync(join(analysisDir, name), join(reportDir, name));
  }
  const html = await renderSweepReport(analysisDir, {
    sweepFile,
    createdAt: new Date().toISOString(),
    runTimeSeconds: seconds,
    codeVersion: readPackageVersion(),
  });
  writeFileAtomic(join(reportDir, 'report.html'), html);
  console.error(`hrtem sweep: report ${join(reportDir, 'report.html')}`);
}
