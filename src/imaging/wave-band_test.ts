import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Atoms } from '../core/atoms.js';
import { wavelength } from '../core/energy.js';
import { Rng } from '../core/rng.js';
import { buildDataset, parseManifest } from '../dataset/index.js';
import { simulateScene, writeExitWaveSet } from '../multislice/index.js';
import { temporalEnvelope } from '../optics/index.js';
import {
  type DomainInput,
  domainWaveBand,
  formImage,
  loadExitWaveSet,
  parseDomain,
  parseImagingCondition,
  temporalEnvelopeBand,
} from './index.js';

const E = 300e3;
const tmp = mkdtempSync(join(tmpdir(), 'wave-band-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function domain(condition: Record<string, unknown>, extra: Partial<DomainInput> = {}) {
  return parseDomain({
    name: 'd',
    condition: { energy: E, dose: 0, pixelSize: 0.4, imageSize: [64, 64], ...condition },
    ...extra,
  } as DomainInput);
}

describe('the exit-wave band a domain can see', () => {
  it('puts the temporal envelope at the tolerance on the band edge', () => {
    const lambda = wavelength(E);
    for (const [spread, tol] of [
      [10, 1e-3],
      [30, 1e-3],
      [10, 1e-2],
    ]) {
      const k = temporalEnvelopeBand(E, spread, tol);
      expect(temporalEnvelope(k, lambda, spread) / tol).toBeCloseTo(1, 9);
    }
    // 300 kV, σ_f = 10 Å: E_t = 1e-3 at 2.451 1/Å (hand value: √(√(2 ln 1000)/(π λ σ_f))).
    expect(temporalEnvelopeBand(E, 10)).toBeCloseTo(2.451, 3);
    expect(temporalEnvelopeBand(E, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('takes the smallest focal spread and the largest aperture over the domain', () => {
    const spread = domain({ focalSpread: { uniform: { low: 20, high: 40 } } });
    expect(domainWaveBand(spread)).toBeCloseTo(temporalEnvelopeBand(E, 20), 9);
    const normal = domain({ focalSpread: { normal: { mean: 30, std: 2 } } });
    expect(domainWaveBand(normal)).toBeCloseTo(temporalEnvelopeBand(E, 20), 9);
    const aperture = domain({ focalSpread: 10, apertureMrad: { choice: [10, 20] } });
    expect(domainWaveBand(aperture)).toBeCloseTo(0.02 / wavelength(E), 9);
    const edge = domain({ aperture: 0.02, apertureEdge: 0.004 });
    expect(domainWaveBand(edge)).toBeCloseTo(0.022 / wavelength(E), 9);
  });

  it('keeps the whole band without focal spread or aperture; in the explicit mode only the aperture counts', () => {
    expect(domainWaveBand(domain({}))).toBe(Number.POSITIVE_INFINITY);
    // A normal focal spread whose mean − 5 std is below 0 could draw σ_f < 0: refused up front.
    expect(() => domain({ focalSpread: { normal: { mean: 10, std: 5 } } })).toThrow(
      /focalSpread must be ≥ 0 .* \(at mean − 5 std of the normal distribution of focalSpread/,
    );
    const explicit = domain({ focalSpread: 10 }, { temporalCoherence: 'explicit' });
    expect(domainWaveBand(explicit)).toBe(Number.POSITIVE_INFINITY);
    // The aperture applies in both modes.
    const apertured = domain(
      { focalSpread: 10, apertureMrad: 20 },
      { temporalCoherence: 'explicit' },
    );
    expect(domainWaveBand(apertured)).toBeCloseTo(0.02 / wavelength(E), 9);
  });

  it('gives the same images and masks from waves stored to that band as from the whole band', async () => {
    // Au cluster on a few carbon atoms: strong scattering out to the simulation's band limit.
    const rng = new Rng(7);
    const numbers: number[] = [];
    const positions: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 40; i++) {
      numbers.push(79);
      positions.push(12.8 + rng.normal(0, 3), 12.8 + rng.normal(0, 3), 2 + rng.uniform(0, 8));
      labels.push(1);
    }
    for (let i = 0; i < 120; i++) {
      numbers.push(6);
      positions.push(rng.uniform(0, 25.6), rng.uniform(0, 25.6), 10.5 + rng.uniform(0, 1));
      labels.push(0);
    }
    const atoms: Atoms = {
      cell: [25.6, 25.6, 12],
      numbers: Uint8Array.from(numbers),
      positions: Float64Array.from(positions),
      labels: Int32Array.from(labels),
    };
    const settings = { energy: E, sampling: 0.1, sliceThickness: 2, structureId: 'au-c' };
    const labelling = { mode: 'phase' as const, smoothing: 1.6 };
    const d = domain({ focalSpread: 10 });
    const band = domainWaveBand(d);
    const full = join(tmp, 'full');
    const cropped = join(tmp, 'cropped');
    writeExitWaveSet(full, await simulateScene(atoms, { settings, labels: labelling }));
    writeExitWaveSet(
      cropped,
      await simulateScene(atoms, { settings, labels: labelling, storageBand: band }),
    );
    const a = loadExitWaveSet(full);
    const b = loadExitWaveSet(cropped);
    expect(b.shape[0] * b.shape[1]).toBeLessThan(0.6 * a.shape[0] * a.shape[1]);

    // A domain with less focal spread transfers beyond the stored band: building its dataset
    // from the cropped waves warns; the domain the band was chosen for does not.
    const warnings = async (focalSpread: number, name: string) => {
      const codes: string[] = [];
      await buildDataset(
        parseManifest({
          domain: {
            name,
            condition: { energy: E, dose: 0, pixelSize: 0.4, imageSize: [32, 32], focalSpread },
          },
          exitWaves: [cropped],
          imagesPerStructure: 1,
          seed: 1,
          split: { train: 1, val: 0, test: 0 },
          previews: 0,
        }),
        { out: join(tmp, `ds-${name}`), onWarning: (w) => codes.push(w.code) },
      );
      return codes;
    };
    expect(await warnings(10, 'same')).not.toContain('wave-band-cropped');
    expect(await warnings(5, 'sharper')).toContain('wave-band-cropped');

    for (const defocus of [-200, 0, 200, 600]) {
      const condition = parseImagingCondition({
        energy: E,
        defocus,
        Cs: -20000,
        focalSpread: 10,
        dose: 0,
        pixelSize: 0.4,
        imageSize: [64, 64],
      });
      const options = { crop: false, standardize: false };
      const ia = await formImage(a, condition, options, new Rng(1));
      const ib = await formImage(b, condition, options, new Rng(1));
      expect(ib.shape).toEqual(ia.shape);
      let diff = 0;
      let contrast = 0;
      let mean = 0;
      for (let i = 0; i < ia.image.length; i++) mean += ia.image[i] / ia.image.length;
      for (let i = 0; i < ia.image.length; i++) {
        diff += (ia.image[i] - ib.image[i]) ** 2;
        contrast += (ia.image[i] - mean) ** 2;
      }
      // The error is measured against the image's contrast (its deviation from the mean), the
      // part a network sees after standardisation; tolerance 1e-3, i.e. the envelope's weight.
      expect(Math.sqrt(diff / contrast)).toBeLessThan(1e-3);
      expect(ib.mask).toEqual(ia.mask);
    }
  });
});
