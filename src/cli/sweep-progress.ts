/**
 * Progress display of a running sweep: one cli-progress bar per task kind (done/total) plus a
 * total bar. On a terminal the bars redraw in place; elsewhere (CI, pipes, log files) cli-progress
 * prints the bars as plain lines every `intervalMs`. The run time is printed at the end.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import {
  type Plan,
  runSweep,
  type SweepProgress,
  type SweepSummary,
  type TaskRunner,
} from '../sweep/index.js';

/** Options of {@link createSweepProgressDisplay}. */
export interface SweepProgressDisplayOptions {
  /** Output stream (default process.stderr). */
  stream?: NodeJS.WriteStream;
  /** Interval of plain-line output when the stream is not a terminal, ms (default 10 000). */
  intervalMs?: number;
}

/** A live display fed by runSweep's onProgress. */
export interface SweepProgressDisplay {
  onProgress: (progress: SweepProgress) => void;
  /** Draws the final state and releases the terminal. */
  stop: () => void;
}

/** Creates the multibar display; call `stop()` when the sweep returns. */
export function createSweepProgressDisplay(
  options: SweepProgressDisplayOptions = {},
): SweepProgressDisplay {
  const stream = options.stream ?? process.stderr;
  const multibar = new MultiBar(
    {
      stream,
      format: ' {name} [{bar}] {value}/{total} done{extra}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      noTTYOutput: true,
      notTTYSchedule: options.intervalMs ?? 10_000,
      autopadding: true,
    },
    Presets.shades_classic,
  );
  const bars = new Map<string, SingleBar>();
  const width = { name: 5 };
  const extra = (running: number, failed: number) =>
    `${running > 0 ? `, ${running} running` : ''}${failed > 0 ? `, ${failed} failed` : ''}`;
  let last: SweepProgress | undefined;
  const onProgress = (progress: SweepProgress) => {
    last = progress;
    for (const kind of Object.keys(progress.byKind)) width.name = Math.max(width.name, kind.length);
    const pad = (name: string) => name.padEnd(width.name);
    const update = (name: string, done: number, total: number, running: number, failed: number) => {
      let bar = bars.get(name);
      if (!bar) {
        bar = multibar.create(total, done, { name: pad(name), extra: '' });
        bars.set(name, bar);
      }
      bar.setTotal(total);
      bar.update(done, { name: pad(name), extra: extra(running, failed) });
    };
    for (const [kind, c] of Object.entries(progress.byKind))
      update(kind, c.done, c.total, c.running, c.failed);
    update('total', progress.done, progress.total, progress.running, progress.failed);
  };
  return {
    onProgress,
    stop: () => {
      if (last) onProgress(last);
      multibar.stop();
    },
  };
}

/** Human-readable duration: `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const totalSeconds = Math.round(s);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return `${minutes} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** Failed tasks listed one per line before the rest are only counted. */
const MAX_LISTED = 20;

/** The lines printed when a sweep returns: counts, failed tasks with errors, and the run time. */
export function formatSweepSummary(summary: SweepSummary, runner: string): string[] {
  const lines = [
    `sweep: ${summary.done}/${summary.total} tasks done (${summary.executed} run now, ${summary.reused} reused from artefacts), ${summary.failed.length} failed, ${summary.notRun} not run`,
  ];
  const r = summary.recovered;
  if (r.running + r.tempFolders + r.missingArtefacts > 0) {
    lines.push(
      `sweep: resumed after an interruption (${r.running} interrupted tasks restarted, ${r.tempFolders} partial outputs removed, ${r.missingArtefacts} missing artefacts redone)`,
    );
  }
  for (const failed of summary.failed.slice(0, MAX_LISTED)) {
    lines.push(`  failed ${failed.kind} ${failed.ids.join(', ')}: ${failed.error}`);
  }
  if (summary.failed.length > MAX_LISTED) {
    lines.push(
      `  … and ${summary.failed.length - MAX_LISTED} more failed tasks (hrtem status DIR lists them)`,
    );
  }
  if (summary.retried > 0) lines.push(`sweep: ${summary.retried} failed attempts were retried`);
  lines.push(`sweep: run time ${formatDuration(summary.wallMs)} on ${runner}`);
  return lines;
}

/**
 * Runs a sweep with the progress display on stderr and prints the summary and run time.
 *
 * @returns process exit code: 0 when every task is done, 1 otherwise
 */
export async function runSweepWithDisplay(options: {
  outDir: string;
  plan: Plan;
  runner: TaskRunner;
  sweepHash?: string;
  cacheDir?: string;
  maxAttempts?: number;
  signal?: AbortSignal;
  stream?: NodeJS.WriteStream;
  /**
   * Handle Ctrl-C: the first stops submitting tasks and waits for those running, the second
   * exits at once (the sweep resumes from its state either way). Default false.
   */
  interruptible?: boolean;
}): Promise<number> {
  const stream = options.stream ?? process.stderr;
  const display = createSweepProgressDisplay({ stream });
  const controller = new AbortController();
  options.signal?.addEventListener('abort', () => controller.abort());
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    controller.abort();
    stream.write(
      '\nsweep: stopping after the running tasks finish; press Ctrl-C again to stop now (rerun the same command to resume)\n',
    );
  };
  if (options.interruptible) process.on('SIGINT', onInterrupt);
  let summary: SweepSummary;
  try {
    summary = await runSweep({
      ...options,
      signal: controller.signal,
      onProgress: display.onProgress,
    });
  } finally {
    display.stop();
    if (options.interruptible) process.off('SIGINT', onInterrupt);
  }
  for (const line of formatSweepSummary(summary, options.runner.description))
    stream.write(`${line}\n`);
  return summary.done === summary.total ? 0 : 1;
}
