import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { Fft2 } from '../core/fft.js';
import { writeNpy } from '../core/npy.js';
import { Rng } from '../core/rng.js';
import { scherzerAperture, scherzerDefocus, transferFunctionGrid } from '../optics/index.js';
import {
  bandLimitExitWaves,
  calibrateZeroDefocus,
  type ExitWaveSet,
  formImage,
  type ImagingCondition,
  idealIntensity,
  loadExitWaveSet,
  mtfValue,
  parseDomain,
  parseDomainText,
  parseImagingCondition,
  poisson,
  resampleFourier,
  sampleCondition,
  syntheticExitWaveSet,
} from './index.js';

const E = 300e3;
const tmp = mkdtempSync(join(tmpdir(), 'imaging-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function condition(extra: Record<string, unknown> = {}): ImagingCondition {
  return parseImagingCondition({
    energy: E,
    dose: 0,
    pixelSize: 0.1,
    imageSize: [8, 8],
    ...extra,
  } as Parameters<typeof parseImagingCondition>[0]);
}

function randomWaves(shape: [number, number], nconf: number, seed: number): ExitWaveSet {
  const rng = new Rng(seed);
  const [ny, nx] = shape;
  const waves = new Float32Array(2 * nconf * ny * nx);
  for (let i = 0; i < waves.length; i++) waves[i] = rng.normal(0.6, 0.3);
  return {
    waves,
    nconf,
    shape,
    sampling: [0.1, 0.1],
    energy: E,
    mask: new Uint8Array(ny * nx),
    structureId: 'random',
  };
}

const plain = { noise: false, crop: false, standardize: false } as const;

describe('formImage', () => {
  it('equals the configuration mean of |ψ|² without aberrations, envelopes or aperture', async () => {
    // Band-limited to 0.45 of Nyquist, so |ψ|² holds no frequency the grid cannot represent.
    const set = await bandLimitExitWaves(randomWaves([48, 64], 3, 1), 0.45 * 5);
    const image = await formImage(set, condition({ pixelSize: 0.1 }), plain, new Rng(2));
    const [ny, nx] = set.shape;
    let worst = 0;
    for (let i = 0; i < ny * nx; i++) {
      let expected = 0;
      for (let c = 0; c < 3; c++) {
        const re = set.waves[2 * (c * ny * nx + i)];
        const im = set.waves[2 * (c * ny * nx + i) + 1];
        expected += (re * re + im * im) / 3;
      }
      worst = Math.max(worst, Math.abs(image.image[i] - expected) / expected);
    }
    expect(image.shape).toEqual([48, 64]);
    expect(worst).toBeLessThan(1e-4);
  });

  it('computes |ψ|² on a padded grid so that no fringe aliases into the recorded band', async () => {
    // ψ = exp(2πi·f·x) + exp(−2πi·f·x) with f = 29 cycles per cell (4.53/Å, 0.91·Nyquist):
    // |ψ|² = 2 + 2cos(2π·2f·x), whose fringe (9.06/Å) lies far above the 0.2 Å image's Nyquist
    // (2.5/Å) and must vanish; computed on the 0.1 Å grid itself it would alias to 6 cycles per
    // cell (0.94/Å) and survive.
    const [ny, nx] = [32, 64];
    const waves = new Float32Array(2 * ny * nx);
    const f = 29 / 6.4;
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++)
        waves[2 * (y * nx + x)] = 2 * Math.cos(2 * Math.PI * f * x * 0.1);
    const set: ExitWaveSet = {
      waves,
      nconf: 1,
      shape: [ny, nx],
      sampling: [0.1, 0.1],
      energy: E,
      mask: new Uint8Array(ny * nx),
      structureId: 'fringes',
    };
    const out = await formImage(set, condition({ pixelSize: 0.2 }), plain, new Rng(1));
    const mean = out.image.reduce((a, b) => a + b, 0) / out.image.length;
    const spread = Math.max(...out.image) - Math.min(...out.image);
    expect(mean).toBeCloseTo(2, 4);
    expect(spread).toBeLessThan(1e-4);
  });

  it('applies non-round aberrations with the right orientation on a non-square grid', async () => {
    const set = randomWaves([48, 64], 2, 4);
    const c = condition({
      defocus: 80,
      astigmatism: 40,
      astigmatismAngle: 0.3,
      C23: 900,
      phi23: 1,
    });
    const got = await idealIntensity(set, c);
    const fft = await Fft2.create(48, 64);
    const t = transferFunctionGrid(c.optics, { shape: [48, 64], sampling: [0.1, 0.1] });
    const expected = new Float64Array(48 * 64);
    for (let conf = 0; conf < 2; conf++) {
      const w = set.waves.slice(conf * 2 * 48 * 64, (conf + 1) * 2 * 48 * 64);
      fft.forward(w);
      for (let i = 0; i < w.length; i += 2) {
        const [a, b] = [w[i], w[i + 1]];
        w[i] = a * t[i] - b * t[i + 1];
        w[i + 1] = a * t[i + 1] + b * t[i];
      }
      fft.inverse(w);
      for (let i = 0; i < 48 * 64; i++) expected[i] += (w[2 * i] ** 2 + w[2 * i + 1] ** 2) / 2;
    }
    let worst = 0;
    for (let i = 0; i < expected.length; i++)
      worst = Math.max(worst, Math.abs(got[i] - expected[i]) / expected[i]);
    expect(worst).toBeLessThan(1e-4);
  });

  it('draws Poisson counts with mean and variance λ on both sides of the inversion limit', () => {
    for (const lambda of [0.5, 5, 29.5, 30, 200]) {
      const rng = new Rng(Math.round(lambda * 10));
      const n = 20000;
      let sum = 0;
      let ss = 0;
      for (let i = 0; i < n; i++) {
        const k = poisson(rng, lambda);
        sum += k;
        ss += k * k;
      }
      const mean = sum / n;
      const variance = (ss - n * mean * mean) / (n - 1);
      expect(Math.abs(mean - lambda)).toBeLessThan(3 * Math.sqrt(lambda / n));
      expect(Math.abs(variance - lambda)).toBeLessThan(
        3 * Math.sqrt((lambda + 2 * lambda ** 2) / n),
      );
    }
    expect(poisson(new Rng(1), 0)).toBe(0);
  });

  it('records counts with mean dose·py·px and Poisson variance for vacuum (non-square pixels)', async () => {
    const [ny, nx] = [192, 256];
    const waves = new Float32Array(2 * ny * nx);
    for (let i = 0; i < ny * nx; i++) waves[2 * i] = 1;
    const set: ExitWaveSet = {
      waves,
      nconf: 1,
      shape: [ny, nx],
      sampling: [0.1, 0.08],
      energy: E,
      mask: new Uint8Array(ny * nx),
      structureId: 'vacuum',
    };
    const dose = 400;
    const out = await formImage(
      set,
      condition({ dose, pixelSize: 0.2 }),
      { crop: false, standardize: false },
      new Rng(7),
    );
    const [py, px] = out.pixelSize;
    expect(py).toBeCloseTo(0.2, 12);
    expect(px).toBeCloseTo(20.48 / 100, 12); // 102.4 px → nearest 2^a3^b5^c is 100
    const lambda = dose * py * px;
    const n = out.image.length;
    let sum = 0;
    for (const v of out.image) sum += v;
    const mean = sum / n;
    let ss = 0;
    for (const v of out.image) ss += (v - mean) ** 2;
    const variance = ss / (n - 1);
    expect(Math.abs(mean - lambda)).toBeLessThan(3 * Math.sqrt(lambda / n));
    expect(Math.abs(variance - lambda)).toBeLessThan(3 * Math.sqrt((lambda + 2 * lambda ** 2) / n));
    expect(out.image.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
  });

  it('keeps the mean intensity when downsampling, with and without an MTF', async () => {
    const set = randomWaves([120, 160], 2, 3);
    const ideal = await idealIntensity(set, condition());
    const mean = ideal.reduce((a, b) => a + b, 0) / ideal.length;
    for (const pixelSize of [0.2, 0.3, 0.5]) {
      for (const mtf of [undefined, { c: 0.1, q0: 0.4, p: 2 }]) {
        const out = await formImage(set, condition({ pixelSize, mtf }), plain, new Rng(1));
        const m = out.image.reduce((a, b) => a + b, 0) / out.image.length;
        expect(Math.abs(m - mean) / mean).toBeLessThan(1e-5);
        expect(out.image.length).toBeLessThan(ideal.length);
      }
    }
  });

  it('multiplies a cosine by the MTF at its frequency in Nyquist units', async () => {
    const [n, m] = [128, 64];
    const field = new Float64Array(n * n);
    const f = 8; // cycles across the cell → q = 8/(m/2) = 0.25 on the 64-point grid
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) field[y * n + x] = 1 + 0.5 * Math.cos((2 * Math.PI * f * x) / n);
    const mtf = { c: 0.2, q0: 0.3, p: 3 };
    const out = await resampleFourier(field, [n, n], [m, m], mtf);
    const amplitude = (out[0] - out[m / (2 * f)]) / 2; // peak minus trough, over 2
    expect(amplitude).toBeCloseTo(0.5 * mtfValue(mtf, 0.25), 5);
    expect(mtfValue(mtf, 0.3)).toBeCloseTo((1 + 0.2) / 2, 12);
    expect(mtfValue(mtf, 0)).toBe(1);
  });

  it('shows a heavy atom dark at Scherzer underfocus and bright when χ is negated', async () => {
    const Cs = 1.2e7;
    const set = syntheticExitWaveSet({
      shape: [128, 128],
      sampling: [0.1, 0.1],
      energy: E,
      blobs: [{ center: [6.4, 6.4], phase: 0.3, width: 0.4 }],
    });
    const scherzer = scherzerDefocus(E, Cs);
    const aperture = scherzerAperture(E, Cs);
    const center = 64 * 128 + 64;
    const at = async (defocus: number, cs: number) =>
      (await idealIntensity(set, condition({ defocus, Cs: cs, aperture })))[center];
    expect(scherzer).toBeGreaterThan(0);
    const dark = await at(scherzer, Cs);
    expect(dark).toBeLessThan(0.9);
    // Negating χ (defocus and Cs) flips the sign of the linear phase contrast: bright atom.
    const bright = await at(-scherzer, -Cs);
    expect(bright).toBeGreaterThan(1.1);
    expect(bright - 1).toBeCloseTo(1 - dark, 1);
  });

  it('explicit defocus averaging converges to the quasi-coherent envelope for a weak phase object', async () => {
    const set = syntheticExitWaveSet({
      shape: [96, 96],
      sampling: [0.1, 0.1],
      energy: E,
      blobs: [
        { center: [3, 3], phase: 0.01, width: 0.3 },
        { center: [5.5, 6], phase: 0.01, width: 0.5 },
      ],
    });
    const c = condition({ defocus: 200, Cs: 1e7, focalSpread: 40 });
    const quasi = await idealIntensity(set, c, { temporalCoherence: 'quasi-coherent' });
    let contrast = 0;
    for (const v of quasi) contrast = Math.max(contrast, Math.abs(v - 1));
    const errors: number[] = [];
    for (const samples of [3, 7, 25, 61]) {
      const explicit = await idealIntensity(set, c, {
        temporalCoherence: 'explicit',
        defocusSamples: samples,
        defocusExtent: 4,
      });
      let worst = 0;
      for (let i = 0; i < quasi.length; i++)
        worst = Math.max(worst, Math.abs(explicit[i] - quasi[i]));
      errors.push(worst / contrast);
    }
    expect(errors[1]).toBeLessThan(errors[0]);
    expect(errors[2]).toBeLessThan(errors[1]);
    // Measured: 0.52, 0.082, 5.7e-4, 5.6e-4 of the peak contrast (floor: second-order terms).
    expect(errors[2]).toBeLessThan(2e-3);
    expect(errors[3]).toBeLessThan(2e-3);
  });

  it('registers the mask with the image: the darkest pixel at Scherzer lies inside the mask', async () => {
    const Cs = 1.2e7;
    const set = syntheticExitWaveSet({
      shape: [256, 192],
      sampling: [0.1, 0.1],
      energy: E,
      blobs: [{ center: [17.3, 6.1], phase: 0.5, width: 0.5 }],
    });
    const c = condition({
      defocus: scherzerDefocus(E, Cs),
      Cs,
      aperture: scherzerAperture(E, Cs),
      pixelSize: 0.2,
      imageSize: [64, 64],
    });
    const out = await formImage(set, c, { ...plain }, new Rng(1));
    expect(out.shape).toEqual([128, 96]);
    let darkest = 0;
    for (let i = 0; i < out.image.length; i++) if (out.image[i] < out.image[darkest]) darkest = i;
    expect(out.mask[darkest]).toBe(1);
    // Blob centre (17.3, 6.1) Å is pixel (86.5, 30.5) at 0.2 Å.
    expect(Math.abs(Math.floor(darkest / 96) - 86.5)).toBeLessThan(1);
    expect(Math.abs((darkest % 96) - 30.5)).toBeLessThan(1);
  });

  it('gives identical masks under two domains for the same image seed', async () => {
    const set = syntheticExitWaveSet({
      shape: [128, 128],
      sampling: [0.1, 0.1],
      energy: E,
      blobs: [{ center: [5, 5], phase: 0.5, width: 1 }],
    });
    const a = await formImage(
      set,
      condition({ defocus: -250, dose: 100, pixelSize: 0.2, imageSize: [48, 48] }),
      {},
      new Rng(11),
    );
    const b = await formImage(
      set,
      condition({ defocus: 250, Cs: 1e7, dose: 600, pixelSize: 0.2, imageSize: [48, 48] }),
      { temporalCoherence: 'explicit', defocusSamples: 5 },
      new Rng(11),
    );
    expect(a.mask).toEqual(b.mask);
    expect(a.image).not.toEqual(b.image);
    expect(a.mask.some((v) => v === 1)).toBe(true);
    expect(a.mask.some((v) => v === 0)).toBe(true);
  });

  it('standardises each image to zero mean and unit variance and records what it removed', async () => {
    const set = randomWaves([64, 64], 1, 5);
    const out = await formImage(
      set,
      condition({ dose: 50, pixelSize: 0.2, imageSize: [24, 20] }),
      { medianFilter: 3 },
      new Rng(3),
    );
    const n = out.image.length;
    const mean = out.image.reduce((a, b) => a + b, 0) / n;
    const variance = out.image.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(1e-6);
    expect(variance).toBeCloseTo(1, 5);
    expect(out.standardization?.std).toBeGreaterThan(0);
    expect(out.shape).toEqual([24, 20]);
  });

  it('refuses a pixel size finer than the exit waves and a mismatched energy', async () => {
    const set = randomWaves([32, 32], 1, 1);
    await expect(formImage(set, condition({ pixelSize: 0.05 }), plain, new Rng(1))).rejects.toThrow(
      new RangeError(
        'pixelSize must be ≥ the exit-wave sampling 0.1 Å of random (images are only downsampled), got 0.05 Å',
      ),
    );
    await expect(formImage(set, condition({ energy: 200e3 }), plain, new Rng(1))).rejects.toThrow(
      /computed at 300000 eV but the condition asks for 200000 eV/,
    );
  });
});

describe('calibrateZeroDefocus', () => {
  it('finds the defocus that undoes a propagation of a pure phase object', async () => {
    const set = syntheticExitWaveSet({
      shape: [96, 96],
      sampling: [0.1, 0.1],
      energy: E,
      blobs: [{ center: [4.8, 4.8], phase: 0.4, width: 0.6 }],
    });
    const shift = 57;
    const fft = await Fft2.create(96, 96);
    const t = transferFunctionGrid(condition({ defocus: shift }).optics, {
      shape: [96, 96],
      sampling: [0.1, 0.1],
    });
    const w = set.waves;
    fft.forward(w);
    for (let i = 0; i < w.length; i += 2) {
      const [a, b] = [w[i], w[i + 1]];
      w[i] = a * t[i] - b * t[i + 1];
      w[i + 1] = a * t[i + 1] + b * t[i];
    }
    fft.inverse(w);
    const result = await calibrateZeroDefocus(set, condition(), { range: 200, tolerance: 0.5 });
    expect(result.defocusOffset).toBeCloseTo(-shift, 0);
  });

  it('refuses a structure without a mask', async () => {
    await expect(calibrateZeroDefocus(randomWaves([16, 16], 1, 1), condition())).rejects.toThrow(
      InputError,
    );
  });
});

describe('domains', () => {
  const base = {
    name: 'test',
    condition: {
      energy: E,
      imageSize: [32, 32],
      defocus: { normal: { mean: -100, std: 15 } },
      Cs: 1.2e7,
      dose: { uniform: { low: 100, high: 600 } },
      pixelSize: 0.2,
    },
  };

  it('draws reproducible conditions whose recorded input re-parses to the same condition', () => {
    const domain = parseDomain(base);
    expect(domain.temporalCoherence).toBe('quasi-coherent');
    expect(domain.defocusSamples).toBe(25);
    const a = sampleCondition(domain, new Rng(9));
    const b = sampleCondition(domain, new Rng(9));
    expect(a).toEqual(b);
    const { input, ...rest } = a;
    expect(parseImagingCondition(JSON.parse(JSON.stringify(input)))).toEqual(rest);
    expect(a.dose).toBeGreaterThanOrEqual(100);
    expect(a.dose).toBeLessThan(600);
  });

  it('draws defocus with the stated mean and standard deviation', () => {
    const domain = parseDomain(base);
    const rng = new Rng(1);
    const values: number[] = [];
    for (let i = 0; i < 4000; i++)
      values.push(sampleCondition(domain, rng.fork(`${i}`)).input.defocus as number);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
    expect(Math.abs(mean + 100)).toBeLessThan(3 * (15 / Math.sqrt(4000)));
    expect(Math.abs(std - 15)).toBeLessThan(0.5);
  });

  it('names an unknown parameter with its file line', () => {
    const text = [
      'name: bad',
      'condition:',
      '  energy: 300000',
      '  imageSize: [32, 32]',
      '  dose: 100',
      '  pixelSize: 0.2',
      '  defokus: 50',
    ].join('\n');
    expect(() => parseDomainText(text, 'bad.yaml')).toThrow(InputError);
    expect(() => parseDomainText(text, 'bad.yaml')).toThrow(
      /bad\.yaml:7:3: condition: Unrecognized key: "defokus"/,
    );
  });

  it('names the unit and the accepted forms when a parameter has the wrong type', () => {
    const text = [
      'name: bad',
      'condition:',
      '  energy: 300000',
      '  imageSize: [32, 32]',
      '  dose: "400"',
      '  pixelSize: 0.2',
      '  focalSpread: {normal: {mean: x, std: 1}}',
      '  defocus: {normal: {mean: 0, std: -3}}',
    ].join('\n');
    const message = (() => {
      try {
        parseDomainText(text, 'bad.yaml');
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toContain(
      'bad.yaml:5:9: condition.dose: must be a number or one of {fixed: x}, {normal: {mean, std}}, {uniform: {low, high}}, {choice: [a, b, …]}, in e/Å²',
    );
    expect(message).toContain('condition.focalSpread: must be a number or one of');
    expect(message).toContain('in Å (standard deviation)');
    // A value of the right form but out of range keeps its own message.
    expect(message).toContain('condition.defocus.normal.std: std must be ≥ 0 Å');
  });

  it('refuses a negative dose, fixed or as the low end of a range', () => {
    const fixed = { ...base, condition: { ...base.condition, dose: -5 } };
    expect(() => parseDomain(fixed, 'd.json')).toThrow(
      new RangeError("d.json: domain 'test': dose must be ≥ 0 e/Å², got -5 e/Å²"),
    );
    const range = {
      ...base,
      condition: { ...base.condition, dose: { uniform: { low: -1, high: 5 } } },
    };
    expect(() => parseDomain(range, 'd.json')).toThrow(/dose must be ≥ 0 e\/Å², got -1/);
  });

  it('refuses a malformed distribution and an inverted uniform range', () => {
    const bad = { ...base, condition: { ...base.condition, Cs: { gauss: [1, 2] } } };
    expect(() => parseDomain(bad)).toThrow(InputError);
    const inverted = {
      ...base,
      condition: { ...base.condition, Cs: { uniform: { low: 2, high: 1 } } },
    };
    expect(() => parseDomain(inverted)).toThrow(/high ≥ low/);
  });
});

describe('loadExitWaveSet', () => {
  it('refuses a folder without its metadata.json sidecar', () => {
    const dir = join(tmp, 'no-sidecar');
    writeNpy(join(dir, 'exit-waves.npy'), {
      dtype: '<c8',
      shape: [1, 4, 4],
      data: new Float32Array(32),
    });
    expect(() => loadExitWaveSet(dir)).toThrow(InputError);
    expect(() => loadExitWaveSet(dir)).toThrow(/no metadata\.json sidecar/);
  });

  it('reads waves, mask, energy and sampling from a folder', () => {
    const dir = join(tmp, 'ok');
    const waves = new Float32Array(2 * 2 * 4 * 6).map((_, i) => i);
    writeNpy(join(dir, 'exit-waves.npy'), { dtype: '<c8', shape: [2, 4, 6], data: waves });
    const mask = new Uint8Array(24).map((_, i) => i % 2);
    writeNpy(join(dir, 'labels-union.npy'), { dtype: '|u1', shape: [4, 6], data: mask });
    writeFileSync(
      join(dir, 'metadata.json'),
      JSON.stringify({ energy: E, shape: [2, 4, 6], sampling: [0.1, 0.2], structureId: 's1' }),
    );
    const set = loadExitWaveSet(dir);
    expect(set.nconf).toBe(2);
    expect(set.shape).toEqual([4, 6]);
    expect(set.sampling).toEqual([0.1, 0.2]);
    expect(set.structureId).toBe('s1');
    expect(set.waves).toEqual(waves);
    expect(set.mask).toEqual(mask);
  });
});
