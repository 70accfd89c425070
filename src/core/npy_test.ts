import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasReference, referencePath } from '../test-utils/reference.js';
import { decodeNpy, readNpy, writeNpy } from './npy.js';

describe('npy', () => {
  it('round-trips complex64 and float32 arrays with their shapes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    const data = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    writeNpy(join(dir, 'c.npy'), { dtype: '<c8', shape: [2, 3], data });
    const back = readNpy(join(dir, 'c.npy'));
    expect(back.dtype).toBe('<c8');
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    const header = readFileSync(join(dir, 'c.npy'));
    expect((10 + header.readUInt16LE(8)) % 64).toBe(0);
  });

  it.skipIf(!hasReference)('reads the abTEM reference exit wave (complex64, 400 × 400)', () => {
    const wave = readNpy(referencePath('abtem-au-sphere/au_np_exit_kirkland.npy'));
    expect(wave.dtype).toBe('<c8');
    expect(wave.shape).toEqual([400, 400]);
  });

  it('writes files NumPy reads back with the same values, when python3 with numpy is present', (ctx) => {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      if (process.env.CI) throw new Error('python3-numpy is required in CI');
      console.info('skipped: python3 with numpy is not installed');
      ctx.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    writeNpy(join(dir, 'a.npy'), {
      dtype: '<f8',
      shape: [3],
      data: new Float64Array([0.5, -1, 2e-9]),
    });
    const out = spawnSync(
      'python3',
      ['-c', `import numpy as np; a=np.load('${dir}/a.npy'); print(a.dtype, a.shape, a.tolist())`],
      {
        encoding: 'utf8',
      },
    );
    expect(out.stdout.trim()).toBe('float64 (3,) [0.5, -1.0, 2e-09]');
  });

  it('rejects a file that is not .npy, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    writeFileSync(join(dir, 'bad.npy'), 'hello world');
    expect(() => readNpy(join(dir, 'bad.npy'))).toThrow(`${join(dir, 'bad.npy')}: not a .npy file`);
    expect(() => decodeNpy(new Uint8Array(3))).toThrow('npy data: not a .npy file');
  });
});
