/**
 * What travels through the queue: a job's data (the task, without any file paths) and its
 * return value. Both are plain JSON and validated with zod before anyone acts on them, so a
 * forged or corrupted job can neither run code nor point a worker at another folder: the worker
 * derives every path from its own `--workdir`, and only kinds registered in its own registry can
 * run. The code version travels with every job so a worker running other code refuses it.
 */
import { z } from 'zod';
import type { JsonValue } from '../canonical-json.js';
import { seedOfKey } from '../execute-task.js';
import { SWEEP_ENGINE_VERSION } from '../plan.js';
import { getTaskKind } from '../task-kind.js';

/** Version of the job data layout; bump when the schema below changes incompatibly. */
export const PAYLOAD_VERSION = 1;
/** Largest accepted job data, bytes of JSON. */
export const MAX_PAYLOAD_BYTES = 1 << 20;

const KEY = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');
const KIND = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and hyphens');
const VERSION = z.string().min(1).max(200);
const json: z.ZodType<JsonValue> = z.json() as unknown as z.ZodType<JsonValue>;

/** The code a coordinator or worker runs: package version, engine version, task-kind versions. */
export const CodeVersionSchema = z.strictObject({
  package: VERSION,
  engine: VERSION,
  /** Kind name → kind version, for the kinds of the sweep. */
  kinds: z.record(KIND, VERSION),
});
/** See {@link CodeVersionSchema}. */
export type CodeVersion = z.infer<typeof CodeVersionSchema>;

/** The data of one queue job: one task of a sweep. */
export const JobDataSchema = z
  .strictObject({
    v: z.literal(PAYLOAD_VERSION),
    /** Content hash of the task; also the job id. */
    key: KEY,
    kind: KIND,
    /** Version of the kind the coordinator planned with. */
    version: VERSION,
    params: z.record(z.string(), json),
    inputs: z.array(z.strictObject({ key: KEY, kind: KIND, result: json })).max(100_000),
    /** 32-bit seed; must equal the one derived from the key. */
    seed: z.number().int().min(0).max(0xffffffff),
    /** The coordinator's code version. */
    code: CodeVersionSchema,
    /** Hash identifying the sweep the job belongs to. */
    sweep: z.string().min(1).max(200),
  })
  .superRefine((data, ctx) => {
    if (data.seed !== seedOfKey(data.key)) {
      ctx.addIssue({ code: 'custom', path: ['seed'], message: 'does not match the key' });
    }
    if (data.code.kinds[data.kind] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['code', 'kinds'],
        message: `lacks kind '${data.kind}'`,
      });
    } else if (data.code.kinds[data.kind] !== data.version) {
      ctx.addIssue({
        code: 'custom',
        path: ['version'],
        message: `differs from code.kinds['${data.kind}']`,
      });
    }
  });
/** See {@link JobDataSchema}. */
export type JobData = z.infer<typeof JobDataSchema>;

/** What a worker returns for a finished job. */
export const JobResultSchema = z.strictObject({
  result: json,
  /** Wall time of the task on the worker, ms. */
  durationMs: z.number().nonnegative(),
  /** Name of the worker that ran it. */
  worker: z.string().max(300),
});
/** See {@link JobResultSchema}. */
export type JobResult = z.infer<typeof JobResultSchema>;

/** Progress messages a worker sends through the job's progress field. */
export const JobProgressSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('start'), worker: z.string().max(300) }),
  z.strictObject({
    type: z.literal('progress'),
    stage: z.string().max(200),
    done: z.number(),
    total: z.number(),
  }),
  z.strictObject({
    type: z.literal('refused'),
    worker: z.string().max(300),
    message: z.string().max(4000),
  }),
]);
/** See {@link JobProgressSchema}. */
export type JobProgress = z.infer<typeof JobProgressSchema>;

/**
 * Validates job data before a worker acts on it.
 *
 * @param data the job's data as BullMQ delivered it
 * @param jobId the job's id (must equal the key)
 * @returns the checked data
 * @throws TypeError naming every problem found (path and rule)
 */
export function parseJobData(data: unknown, jobId: string | undefined): JobData {
  const size = JSON.stringify(data ?? null).length;
  if (size > MAX_PAYLOAD_BYTES) {
    throw new TypeError(
      `job ${jobId}: data is ${size} bytes of JSON, more than the ${MAX_PAYLOAD_BYTES} allowed`,
    );
  }
  const parsed = JobDataSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new TypeError(`job ${jobId}: invalid task payload (${issues})`);
  }
  if (parsed.data.key !== jobId) {
    throw new TypeError(
      `job ${jobId}: invalid task payload (the job id must equal the task key ${parsed.data.key.slice(0, 12)}…)`,
    );
  }
  return parsed.data;
}

/**
 * The code version of this process for a set of kinds: the package version, the sweep engine
 * version and the version of each kind as registered here (`(missing)` when not registered).
 *
 * @param packageVersion version field of package.json
 * @param kinds kind names (those of the sweep)
 */
export function codeVersionOf(packageVersion: string, kinds: Iterable<string>): CodeVersion {
  const versions: Record<string, string> = {};
  for (const name of [...new Set(kinds)].sort()) {
    versions[name] = getTaskKind(name)?.version ?? '(missing)';
  }
  return { package: packageVersion, engine: SWEEP_ENGINE_VERSION, kinds: versions };
}

/** One-line description of a code version, e.g. `hrtem-ood 0.1.0, engine 1, kinds image@1`. */
export function describeCodeVersion(code: CodeVersion): string {
  const kinds = Object.entries(code.kinds)
    .map(([name, version]) => `${name}@${version}`)
    .join(' ');
  return `package ${code.package}, engine ${code.engine}, kinds ${kinds || '(none)'}`;
}

/**
 * The differences between two code versions, one phrase each (empty when equal).
 *
 * @param mine this process's version
 * @param theirs the other side's version
 */
export function codeVersionDifferences(mine: CodeVersion, theirs: CodeVersion): string[] {
  const out: string[] = [];
  if (mine.package !== theirs.package)
    out.push(`package ${mine.package} here vs ${theirs.package}`);
  if (mine.engine !== theirs.engine) out.push(`engine ${mine.engine} here vs ${theirs.engine}`);
  const names = new Set([...Object.keys(mine.kinds), ...Object.keys(theirs.kinds)]);
  for (const name of [...names].sort()) {
    const a = mine.kinds[name] ?? '(missing)';
    const b = theirs.kinds[name] ?? '(missing)';
    if (a !== b) out.push(`kind ${name} ${a} here vs ${b}`);
  }
  return out;
}
