/**
 * Dataset manifests: what to build (domain, exit-wave folders, images per structure, seed, split
 * fractions), and the manifest.json written into a finished dataset.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { InputError } from '../core/errors.js';
import { type Domain, DomainSchema, parseDomain, parseDomainText } from '../imaging/index.js';

const fraction = z.number().min(0, { message: 'must be ≥ 0' }).max(1, { message: 'must be ≤ 1' });

/**
 * Schema of a dataset manifest (YAML/JSON):
 * - `domain`: a domain object (see `DomainSchema`) or the path of a domain file (relative paths
 *   resolve against the manifest's folder)
 * - `exitWaves`: exit-wave folders, one per structure (structure ids must be distinct)
 * - `imagesPerStructure`: images drawn per structure (≥ 1)
 * - `seed`: integer seed of the whole dataset
 * - `split`: fractions of structures in train/val/test, summing to 1 (default 0.8/0.1/0.1)
 * - `shardSize`: images per shard file (default 64; bounds the memory of a build)
 * - `previews`: PNG previews of the first training images (default 4)
 */
export const ManifestSchema = z.strictObject({
  name: z.string().min(1).optional(),
  domain: z.union([z.string().min(1), DomainSchema]),
  exitWaves: z.array(z.string().min(1)).min(1, { message: 'list at least one exit-wave folder' }),
  imagesPerStructure: z.int().min(1),
  seed: z
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  split: z
    .strictObject({ train: fraction, val: fraction, test: fraction })
    .refine((s) => Math.abs(s.train + s.val + s.test - 1) < 1e-9, {
      message: 'split fractions train + val + test must sum to 1',
    })
    .default({ train: 0.8, val: 0.1, test: 0.1 }),
  shardSize: z.int().min(1).default(64),
  previews: z.int().min(0).default(4),
});

/** A manifest as written by a user. */
export type ManifestInput = z.input<typeof ManifestSchema>;

/** A validated manifest with its domain resolved and folders made absolute. */
export interface Manifest extends Omit<z.output<typeof ManifestSchema>, 'domain'> {
  domain: Domain;
}

/** The three splits, in the order they are written. */
export const SPLITS = ['train', 'val', 'test'] as const;
/** A split name. */
export type SplitName = (typeof SPLITS)[number];

/**
 * Validates a manifest given as data.
 * @param baseDir folder that relative paths (domain file, exit-wave folders) resolve against
 * @param source names the manifest in messages
 * @throws InputError for schema problems or an unreadable domain file; RangeError for domain
 *   values out of range
 */
export function parseManifest(data: unknown, baseDir = '.', source = 'manifest'): Manifest {
  const result = ManifestSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      return `${path}${issue.message}`;
    });
    throw new InputError(`${source}: ${problems.join('; ')}`);
  }
  const m = result.data;
  let domain: Domain;
  if (typeof m.domain === 'string') {
    const path = resolve(baseDir, m.domain);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new InputError(`${source}: cannot read domain file ${path}`);
    }
    domain = parseDomainText(text, path);
  } else {
    domain = parseDomain(m.domain, `${source}: domain`);
  }
  return { ...m, domain, exitWaves: m.exitWaves.map((d) => resolve(baseDir, d)) };
}

/**
 * Reads a manifest file (YAML or JSON); relative paths resolve against its folder.
 * @throws InputError naming the file for syntax or schema errors
 */
export function readManifestFile(path: string): Manifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`cannot read manifest ${path}`);
  }
  const doc = parseDocument(text, { lineCounter: new LineCounter() });
  if (doc.errors.length > 0) {
    throw new InputError(`${path}: ${doc.errors[0].message.split('\n')[0]}`);
  }
  return parseManifest(doc.toJS(), dirname(resolve(path)), path);
}
