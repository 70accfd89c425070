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
    .argument('<dir>', 'sweep output folder (holds state.sqlite)');
  addQueueConnectionOptions(command, false).action(
    async (dir: string, options: QueueCliOptions) => {
      for (const line of formatSweepStatus(readSweepStatus(dir), dir)) console.log(line);
      if (options.queue) {
        const report = await readQueueStatus(
          queueConnectionFromOptions({ ...options, queue: options.queue }),
        );
        for (const line of formatQueueStatus(report)) console.log(line);
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
  if (report.retrying.length > 0) lines.push('waiting for a retry:');
  for (const task of report.retrying) {
    lines.push(
      `  ${task.kind} ${task.ids.join(', ')} after ${task.attempts} attempts: ${task.error}`,
    );
  }
  if (report.failed.length > 0) lines.push('failed:');
  for (const task of report.failed) {
    lines.push(
      `  ${task.kind} ${task.ids.join(', ')} after ${task.attempts} attempts: ${task.error}`,
    );
  }
  lines.push(`task time so far: ${formatDuration(report.taskTimeMs)}`);
  return lines;
}
