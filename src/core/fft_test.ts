import { describe, expect, it } from 'vitest';
import { Fft2, Fft2Float64, isSmooth235, JsFft1d, nextFastLength } from './fft.js';
import { fftFrequencies } from './grid.js';
import { Rng } from './rng.js';

/** Naive 2D DFT in float64, sign −1 forward, +1 backward (unscaled). */
function naiveDft2(data: Float32Array, ny: number, nx: number, sign: number): Float64Array {
  const out = new Float64Array(2 * nx * ny);
  for (let ky = 0; ky < ny; ky++) {
    for (let kx = 0; kx < nx; kx++) {
      let re = 0;
      let im = 0;
      for (let y = 0; y < ny; y++) {
        for (let x = 0; x < nx; x++) {
          const a = sign * 2 * Math.PI * ((ky * y) / ny + (kx * x) / nx);
          const c = Math.cos(a);
          const s = Math.sin(a);
          const i = 2 * (y * nx + x);
          re += data[i] * c - data[i + 1] * s;
          im += data[i] * s + data[i + 1] * c;
        }
      }
      out[2 * (ky * nx + kx)] = re;
      out[2 * (ky * nx + kx) + 1] = im;
    }
  }
  return out;
}

function randomComplex(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const a = new Float32Array(2 * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return a;
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

describe('Fft2', () => {
  it.each([
    [48, 80, 'pffft'],
    [30, 45, 'js'],
    [12, 20, 'js'],
    [32, 96, 'js'],
  ] as const)(
    'forward of shape (%i, %i) on %s matches a naive DFT to 1e-6',
    async (ny, nx, backend) => {
      const fft = await Fft2.create(ny, nx, backend);
      expect(fft.backend).toBe(backend);
      const x = randomComplex(nx * ny, 7);
      const expected = naiveDft2(x, ny, nx, -1);
      const y = x.slice();
      fft.forward(y);
      expect(relErr(y, expected)).toBeLessThan(1e-6);
      fft.inverse(y);
      expect(relErr(y, x)).toBeLessThan(1e-6);
      fft.dispose();
    },
  );

  it('Fft2Float64 matches a naive DFT to 1e-12 on a (30, 20) grid and inverts back', () => {
    const [ny, nx] = [30, 20];
    const x = randomComplex(nx * ny, 9);
    const expected = naiveDft2(x, ny, nx, -1);
    const y = Float64Array.from(x);
    const fft = new Fft2Float64(ny, nx);
    fft.forward(y);
    expect(relErr(y, expected)).toBeLessThan(1e-12);
    fft.inverse(y);
    expect(relErr(y, x)).toBeLessThan(1e-12);
  });

  it('inverse of a non-square pffft shape matches a naive DFT scaled by 1/N', async () => {
    const [ny, nx] = [80, 48];
    const fft = await Fft2.create(ny, nx);
    expect(fft.backend).toBe('pffft');
    const x = randomComplex(nx * ny, 3);
    const expected = naiveDft2(x, ny, nx, 1).map((v) => v / (nx * ny));
    fft.inverse(x);
    expect(relErr(x, expected)).toBeLessThan(1e-6);
  });

  it('transposed variants give the spectrum as (nx, ny) and invert back', async () => {
    for (const backend of ['pffft', 'js'] as const) {
      const [ny, nx] = [32, 48];
      const fft = await Fft2.create(ny, nx, backend);
      const x = randomComplex(nx * ny, 11);
      const full = x.slice();
      fft.forward(full);
      const t = x.slice();
      fft.forwardTransposed(t);
      expect(t[2 * (5 * ny + 3)]).toBeCloseTo(full[2 * (3 * nx + 5)], 3);
      expect(t[2 * (5 * ny + 3) + 1]).toBeCloseTo(full[2 * (3 * nx + 5) + 1], 3);
      fft.inverseTransposed(t);
      expect(relErr(t, x)).toBeLessThan(1e-6);
    }
  });

  it('a single-pixel impulse at (y=1, x=0) gives exp(−2πi ky/ny) (sign convention)', async () => {
    const [ny, nx] = [16, 32];
    const fft = await Fft2.create(ny, nx);
    const x = new Float32Array(2 * nx * ny);
    x[2 * nx] = 1;
    fft.forward(x);
    const ky = 1;
    expect(x[2 * (ky * nx)]).toBeCloseTo(Math.cos((-2 * Math.PI) / ny), 6);
    expect(x[2 * (ky * nx) + 1]).toBeCloseTo(Math.sin((-2 * Math.PI) / ny), 6);
  });

  it('rejects lengths with other prime factors and wrong buffer sizes', async () => {
    await expect(Fft2.create(14, 16)).rejects.toThrow(
      'FFT grid ny must be 2^a·3^b·5^c, got 14 (use nextFastLength to pick one)',
    );
    const fft = await Fft2.create(16, 16);
    expect(() => fft.forward(new Float32Array(10))).toThrow(TypeError);
    expect(() => new JsFft1d(7)).toThrow(RangeError);
  });
});

describe('fast lengths and frequencies', () => {
  it('nextFastLength finds smooth multiples', () => {
    expect(isSmooth235(1280)).toBe(true);
    expect(isSmooth235(14)).toBe(false);
    expect(nextFastLength(401)).toBe(405);
    expect(nextFastLength(401, 16)).toBe(432);
  });

  it('fftFrequencies follows NumPy fftfreq order for even and odd n', () => {
    expect(Array.from(fftFrequencies(4, 0.5))).toEqual([0, 0.5, -1, -0.5]);
    expect(Array.from(fftFrequencies(5, 1)).map((v) => +v.toFixed(6))).toEqual([
      0, 0.2, 0.4, -0.4, -0.2,
    ]);
    expect(() => fftFrequencies(0, 1)).toThrow(RangeError);
  });
});
