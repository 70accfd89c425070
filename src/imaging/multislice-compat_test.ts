import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Atoms } from '../core/atoms.js';
import { cropExitWaves, simulateExitWaves, writeExitWaveSet } from '../multislice/index.js';
import { scherzerAperture, scherzerDefocus } from '../optics/index.js';
import { idealIntensity, loadExitWaveSet, parseImagingCondition } from './index.js';

const tmp = mkdtempSync(join(tmpdir(), 'imaging-multislice-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('images of multislice exit waves', () => {
  it('shows a single Au atom dark at Scherzer underfocus (positive phase convention)', async () => {
    const E = 300e3;
    const Cs = 1.2e7;
    const atoms: Atoms = {
      cell: [12.8, 12.8, 2],
      numbers: Uint8Array.from([79]),
      positions: Float64Array.from([6.4, 6.4, 1]),
      labels: Int32Array.from([1]),
    };
    const simulated = await simulateExitWaves(atoms, {
      energy: E,
      sampling: 0.1,
      structureId: 'au',
    });
    const dir = join(tmp, 'au');
    writeExitWaveSet(dir, await cropExitWaves(simulated));
    const set = loadExitWaveSet(dir);
    expect(set.structureId).toBe('au');
    expect(set.band).toBeCloseTo((2 / 3) * 5, 6);

    const [ny, nx] = set.shape;
    const atom = Math.round(6.4 / set.sampling[0]) * nx + Math.round(6.4 / set.sampling[1]);
    const at = async (defocus: number, cs: number) => {
      const c = parseImagingCondition({
        energy: E,
        defocus,
        Cs: cs,
        aperture: scherzerAperture(E, Cs),
        dose: 0,
        pixelSize: set.sampling[0],
        imageSize: [ny, nx],
      });
      const intensity = await idealIntensity(set, c);
      return intensity[atom] / (intensity.reduce((a, b) => a + b, 0) / intensity.length);
    };
    const dark = await at(scherzerDefocus(E, Cs), Cs);
    const bright = await at(-scherzerDefocus(E, Cs), -Cs);
    expect(dark).toBeLessThan(0.9);
    expect(bright).toBeGreaterThan(1.1);
  });
});
