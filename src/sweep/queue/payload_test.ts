import { describe, expect, it } from 'vitest';
import { seedOfKey } from '../execute-task.js';
import { SWEEP_ENGINE_VERSION } from '../plan.js';
import {
  codeVersionDifferences,
  describeCodeVersion,
  MAX_PAYLOAD_BYTES,
  parseJobData,
} from './payload.js';

const KEY = '0123456789abcdef'.repeat(4);

function valid(): Record<string, unknown> {
  return {
    v: 1,
    key: KEY,
    kind: 'syn-image',
    version: '1',
    params: { seed: 3, nested: { a: [1, 2, null] } },
    inputs: [{ key: 'f'.repeat(64), kind: 'syn-train', result: { loss: 0.5 } }],
    seed: seedOfKey(KEY),
    code: { package: '0.1.0', engine: SWEEP_ENGINE_VERSION, kinds: { 'syn-image': '1' } },
    sweep: 'abc',
  };
}

describe('parseJobData', () => {
  it('accepts a well-formed task payload unchanged', () => {
    expect(parseJobData(valid(), KEY)).toEqual(valid());
  });

  it.each([
    ['a key that is not 64 hex digits', { key: 'ABC' }, 'key: must be 64 lower-case hex digits'],
    ['a kind name that could be a path', { kind: '../etc' }, 'kind: must be lower-case letters'],
    ['parameters that are code, not an object', { params: 'process.exit()' }, 'params: '],
    ['a seed that does not belong to the key', { seed: 1 }, 'seed: does not match the key'],
    ['an unknown field', { exec: 'rm -rf /' }, 'Unrecognized key: "exec"'],
    ['another payload version', { v: 2 }, 'v: '],
    [
      'a kind version that differs from the code version',
      { version: '2' },
      "version: differs from code.kinds['syn-image']",
    ],
  ])('rejects %s', (_what, patch, message) => {
    expect(() => parseJobData({ ...valid(), ...patch }, KEY)).toThrow(TypeError);
    expect(() => parseJobData({ ...valid(), ...patch }, KEY)).toThrow(message);
  });

  it('rejects a job whose id is not its key', () => {
    expect(() => parseJobData(valid(), 'f'.repeat(64))).toThrow(
      `job ${'f'.repeat(64)}: invalid task payload (the job id must equal the task key 0123456789ab…)`,
    );
  });

  it('rejects payloads over the size limit before parsing them', () => {
    const big = { ...valid(), params: { blob: 'x'.repeat(MAX_PAYLOAD_BYTES) } };
    expect(() => parseJobData(big, KEY)).toThrow(
      `job ${KEY}: data is ${JSON.stringify(big).length} bytes of JSON, more than the ${MAX_PAYLOAD_BYTES} allowed`,
    );
  });
});

describe('codeVersionDifferences', () => {
  it('lists each differing part, and nothing for equal versions', () => {
    const mine = { package: '0.2.0', engine: '1', kinds: { a: '1', b: '2' } };
    const theirs = { package: '0.1.0', engine: '1', kinds: { a: '1', b: '3', c: '1' } };
    expect(codeVersionDifferences(mine, mine)).toEqual([]);
    expect(codeVersionDifferences(mine, theirs)).toEqual([
      'package 0.2.0 here vs 0.1.0',
      'kind b 2 here vs 3',
      'kind c (missing) here vs 1',
    ]);
    expect(describeCodeVersion(theirs)).toBe('package 0.1.0, engine 1, kinds a@1 b@3 c@1');
  });
});
