import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtefactStore, MANIFEST_FILE } from './artefact-store.js';
import { executeTask, parseTaskRequest, seedOfKey, type TaskRequest } from './execute-task.js';
import { registerTaskKind } from './task-kind.js';

const root = mkdtempSync(join(tmpdir(), 'hrtem-exec-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

registerTaskKind<{ text: string }, { length: number }>({
  kind: 'exec-test-write',
  version: '2',
  async run(params, _inputs, ctx) {
    writeFileSync(join(ctx.outDir, 'out.txt'), `${params.text}:${ctx.seed}:${ctx.rng.int(1000)}`);
    return { length: params.text.length };
  },
});
registerTaskKind({
  kind: 'exec-test-manifest',
  version: '1',
  async run(_params, _inputs, ctx) {
    writeFileSync(join(ctx.outDir, MANIFEST_FILE), '{}');
    return null;
  },
});

const key = (c: string) => c.repeat(64);
const request = (overrides: Partial<TaskRequest> = {}): TaskRequest => ({
  key: key('a'),
  kind: 'exec-test-write',
  version: '2',
  params: { text: 'hello' },
  inputs: [],
  artefactRoot: join(root, 'artefacts'),
  seed: seedOfKey(key('a')),
  ...overrides,
});

describe('executeTask', () => {
  it('commits the files and a manifest under <kind>/<key>, and returns the result', async () => {
    const outcome = await executeTask(request());
    expect(outcome.result).toEqual({ length: 5 });
    const store = new ArtefactStore(join(root, 'artefacts'));
    const dir = store.dirOf('exec-test-write', key('a'));
    expect(readdirSync(dir).sort()).toEqual([MANIFEST_FILE, 'out.txt']);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toMatch(/^hello:2863311530:\d+$/);
    expect(store.readManifest('exec-test-write', key('a'))).toEqual({
      key: key('a'),
      kind: 'exec-test-write',
      version: '2',
      params: { text: 'hello' },
      inputs: [],
      seed: 0xaaaaaaaa,
      result: { length: 5 },
    });
    // Committing the same key again keeps the existing artefact.
    await executeTask(request());
    expect(store.listTemps()).toEqual([]);
  });

  it('refuses another kind version, an unknown kind and the reserved manifest name, leaving no temp folder', async () => {
    await expect(executeTask(request({ key: key('b'), version: '1' }))).rejects.toThrow(
      "task kind 'exec-test-write' has version 2 in this worker but the sweep was planned with version 1; run the same code version everywhere",
    );
    await expect(executeTask(request({ key: key('c'), kind: 'exec-test-none' }))).rejects.toThrow(
      /^task kind 'exec-test-none' is not registered in this worker/,
    );
    await expect(
      executeTask(request({ key: key('d'), kind: 'exec-test-manifest', version: '1' })),
    ).rejects.toThrow(
      "task kind 'exec-test-manifest' wrote _task.json, a name the sweep engine reserves",
    );
    expect(new ArtefactStore(join(root, 'artefacts')).listTemps()).toEqual([]);
  });
});

describe('parseTaskRequest', () => {
  it('accepts a well-formed request and names the first malformed field otherwise', () => {
    expect(parseTaskRequest(request())).toEqual(request());
    expect(() => parseTaskRequest({ ...request(), key: 'abc' })).toThrow(
      new TypeError('task request: key must be 64 lower-case hex digits, got "abc"'),
    );
    expect(() => parseTaskRequest({ ...request(), kind: 'rm -rf /' })).toThrow(
      /^task request: kind must be a task kind name/,
    );
    expect(() => parseTaskRequest({ ...request(), seed: -1 })).toThrow(
      /seed must be an integer in \[0, 2\^32 − 1\]/,
    );
    expect(() => parseTaskRequest({ ...request(), artefactRoot: 'relative/path' })).toThrow(
      /artefactRoot must be an absolute path/,
    );
    expect(() => parseTaskRequest({ ...request(), params: { x: Number.NaN } })).toThrow(
      /params\.x must be a finite number/,
    );
  });

  it('refuses folders outside the allowed root', () => {
    expect(() => parseTaskRequest(request(), '/somewhere/else')).toThrow(
      `task request: artefactRoot must be inside /somewhere/else, got ${JSON.stringify(join(root, 'artefacts'))}`,
    );
    const input = { key: key('e'), kind: 'exec-test-write', dir: '/etc', result: null };
    expect(() => parseTaskRequest(request({ inputs: [input] }), root)).toThrow(
      /inputs\[0\]\.dir must be inside/,
    );
  });
});
