import type { Command } from 'commander';
import { readSweepStatus, type SweepStatusReport } from '../sweep/index.js';
import { readQueueStatus } from '../sweep/queue/index.js';
import {
  addQueueConnectionOptions,
  formatQueueStatus,
  type QueueCliOptions,
  queueConnectionFromOptions,
} from './queue-cli.js';
import { formatDuration } from './sweep-progress.js';

/** Registers `hrtem status DIR`: counts per status and kind, running and failed tasks. */
export function registerStatusCommand(program: Command): void {
  const command = program
    .command('status')
    .description(
      'show the progress of a sweep: tasks per status and kind, running and failed tasks',
    )
    .argument('<dir>', 'sweep output folder (holds state.sqlite)')
    .option('--json', 'print the status as JSON');
  addQueueConnectionOptions(command, false).action(
    async (dir: string, options: QueueCliOptions & { json?: boolean }) => {
      const report = readSweepStatus(dir);
      const queue = options.queue
        ? await readQueueStatus(queueConnectionFromOptions({ ...options, queue: options.queue }))
        : undefined;
      if (options.json) console.log(JSON.stringify({ ...report, queue }, null, 2));
      else {
        for (const line of formatSweepStatus(report, dir)) console.log(line);
        for (const line of queue ? formatQueueStatus(queue) : []) console.log(line);
      }
    },
  );
}

/** The lines `hrtem status` prints for a status report. */
export function formatSweepStatus(report: SweepStatusReport, dir: string): string[] {
  const { totals } = report;
  const lines = [
    `sweep ${dir}${report.sweep ? ` (sweep hash ${report.sweep.sweepHash.slice(0, 12)}…, started ${new Date(report.sweep.createdAt).toISOString()})` : ''}`,
    `tasks: ${totals.total} total, ${totals.done} done, ${totals.running} running, ${totals.pending} pending, ${totals.failed} failed`,
  ];
  const nameWidth = Math.max(4, ...report.byKind.map((k) => k.kind.length));
  lines.push(
    `  ${'kind'.padEnd(nameWidth)}  ${['done', 'running', 'pending', 'failed', 'total'].map((h) => h.padStart(8)).join('')}`,
  );
  for (const { kind, counts } of report.byKind) {
    const cells = [counts.done, counts.running, counts.pending, counts.failed, counts.total];
    lines.push(`  ${kind.padEnd(nameWidth)}  ${cells.map((c) => String(c).padStart(8)).join('')}`);
  }
  if (report.running.length > 0) lines.push('running:');
  for (const task of report.running) {
    lines.push(
      `  ${task.kind} ${task.ids.join(', ')} on ${task.worker ?? '(not started yet)'} for ${formatDuration(task.elapsedMs)}`,
    );
  }
  listTasks(lines, 'waiting for a retry:', report.retrying);
  listTasks(lines, 'failed:', report.failed);
  lines.push(`task time so far: ${formatDuration(report.taskTimeMs)}`);
  return lines;
}

/** Tasks listed one per line before the rest are only counted (`--json` has them all). */
const MAX_LISTED = 50;

function listTasks(lines: string[], heading: string, tasks: SweepStatusReport['failed']): void {
  if (tasks.length === 0) return;
  lines.push(heading);
  for (const task of tasks.slice(0, MAX_LISTED)) {
    lines.push(
      `  ${task.kind} ${task.ids.join(', ')} after ${task.attempts} attempts: ${task.error}`,
    );
  }
  if (tasks.length > MAX_LISTED)
    lines.push(`  … and ${tasks.length - MAX_LISTED} more (see --json)`);
}
