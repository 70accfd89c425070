/**
 * Command-line pieces shared by the queue commands: the connection options (`--queue URL` plus
 * queue name and TLS files), their conversion to {@link QueueConnectionOptions}, and the lines
 * `hrtem status DIR --queue URL` prints for the queue.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { QueueConnectionOptions, QueueStatusReport } from '../sweep/queue/index.js';
import { formatDuration } from './sweep-progress.js';

/** Parsed values of the options {@link addQueueConnectionOptions} adds. */
export interface QueueCliOptions {
  queue?: string;
  queueName?: string;
  queuePrefix?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServername?: string;
  connectTimeoutMs?: number;
}

/** A commander parser for an integer ≥ `min`, naming the flag in its error. */
export function integerOption(flag: string, min: number): (value: string) => number {
  return (value: string) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) {
      throw new InvalidArgumentError(`${flag} expects an integer ≥ ${min}, got '${value}'`);
    }
    return parsed;
  };
}

/**
 * Adds the queue connection options to a command; `--queue` itself is added as required or
 * optional by `required`.
 */
export function addQueueConnectionOptions(command: Command, required: boolean): Command {
  const queueHelp =
    'Redis URL of the sweep queue: redis://[:PASSWORD@]HOST:PORT[/DB], rediss:// for TLS';
  if (required) command.requiredOption('--queue <url>', queueHelp);
  else command.option('--queue <url>', queueHelp);
  return command
    .option(
      '--queue-name <name>',
      'BullMQ queue name (one sweep per name at a time)',
      'hrtem-sweep',
    )
    .option('--queue-prefix <prefix>', 'BullMQ key prefix in Redis', 'bull')
    .option('--tls-ca <file>', 'PEM file of the CA that signed the Redis server certificate')
    .option('--tls-cert <file>', 'PEM file of this client certificate (TLS client auth)')
    .option('--tls-key <file>', 'PEM file of this client key (TLS client auth)')
    .option('--tls-servername <name>', 'server name to verify the Redis certificate against')
    .option(
      '--connect-timeout-ms <ms>',
      'time limit of the first connection to Redis, ms',
      integerOption('--connect-timeout-ms', 1),
      5000,
    );
}

/** The connection options of a parsed command (requires `--queue`). */
export function queueConnectionFromOptions(
  options: QueueCliOptions & { queue: string },
): QueueConnectionOptions {
  return {
    url: options.queue,
    queueName: options.queueName,
    prefix: options.queuePrefix,
    tlsCaFile: options.tlsCa,
    tlsCertFile: options.tlsCert,
    tlsKeyFile: options.tlsKey,
    tlsServerName: options.tlsServername,
    connectTimeoutMs: options.connectTimeoutMs,
  };
}

/** The lines `hrtem status DIR --queue URL` adds for the queue. */
export function formatQueueStatus(report: QueueStatusReport, now = Date.now()): string[] {
  const { counts } = report;
  const lines = [
    `queue ${report.queueName}: ${counts.waiting} waiting, ${counts.running} running, ${counts.delayed} retrying later, ${counts.done} done, ${counts.failed} failed`,
  ];
  if (report.coordinator) {
    const c = report.coordinator;
    lines.push(`  coordinator: pid ${c.pid} on ${c.host}, since ${c.startedAt}`);
  } else {
    lines.push('  coordinator: none connected');
  }
  lines.push(
    `  workers (${report.workers.length}): ${report.workers.length > 0 ? report.workers.join(', ') : 'none'}`,
  );
  for (const job of report.running) {
    const elapsed = job.startedAt ? ` for ${formatDuration(now - job.startedAt)}` : '';
    const stalls = job.stalledCount > 0 ? `, stalled ${job.stalledCount}×` : '';
    lines.push(
      `  running: ${job.kind} ${job.key.slice(0, 12)} on ${job.worker ?? '?'}${elapsed}${stalls}`,
    );
  }
  for (const job of report.failed) {
    lines.push(
      `  failed: ${job.kind} ${job.key.slice(0, 12)} after ${job.attemptsMade} attempts: ${job.error ?? ''}`,
    );
  }
  return lines;
}
