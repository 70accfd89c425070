/**
 * Multislice benchmark: 2D complex FFT candidates side by side with NumPy and FFTW (python3
 * subprocess, when present), and exit-wave times divided by their floor
 * (2 FFTs per slice × slices × configurations × the measured FFT time).
 *
 * Run alone: `npx tsx bench/multislice.ts`.
 */
import { spawnSync } from 'node:child_process';
import type { Atoms } from '../src/core/atoms.js';
import { Fft2 } from '../src/core/fft.js';
import { Rng } from '../src/core/rng.js';
import { simulateExitWaves } from '../src/multislice/simulate.js';
import { readExtendedXyz } from '../src/multislice/xyz.js';
import { referencePath } from '../src/test-utils/reference.js';

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median time [ms] of one forward 2D FFT, and of one FFT in a forward/inverse transposed pair. */
async function timeOurs(
  n: number,
  backend: 'pffft' | 'js',
  repeats: number,
): Promise<{ plain: number; pair: number }> {
  const fft = await Fft2.create(n, n, backend);
  const rng = new Rng(1);
  const x = new Float32Array(2 * n * n).map(() => rng.normal());
  fft.forward(x);
  fft.inverse(x);
  const plain: number[] = [];
  const pair: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let t = performance.now();
    fft.forward(x);
    plain.push(performance.now() - t);
    t = performance.now();
    fft.forwardTransposed(x);
    fft.inverseTransposed(x);
    pair.push((performance.now() - t) / 2);
  }
  fft.dispose();
  return { plain: median(plain), pair: median(pair) };
}

const PYTHON = `
import json, sys, time
import numpy as np
sizes = json.loads(sys.argv[1])
out = {}
rng = np.random.default_rng(1)
try:
    import pyfftw
    have_fftw = True
except Exception:
    have_fftw = False
for n in sizes:
    a = (rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))).astype(np.complex64)
    t = []
    for _ in range(7):
        s = time.perf_counter(); np.fft.fft2(a); t.append(time.perf_counter() - s)
    row = {'numpy': sorted(t)[3] * 1e3}
    if have_fftw:
        x = pyfftw.empty_aligned((n, n), dtype='complex64')
        y = pyfftw.empty_aligned((n, n), dtype='complex64')
        plan = pyfftw.FFTW(x, y, axes=(0, 1), flags=('FFTW_MEASURE',), threads=1)
        x[:] = a
        t = []
        for _ in range(15):
            s = time.perf_counter(); plan(); t.append(time.perf_counter() - s)
        row['fftw'] = sorted(t)[7] * 1e3
    out[str(n)] = row
print(json.dumps(out))
`;

function timePython(sizes: number[]): Record<string, { numpy: number; fftw?: number }> | null {
  const r = spawnSync('python3', ['-c', PYTHON, JSON.stringify(sizes)], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status !== 0) return null;
  return JSON.parse(r.stdout);
}

/** An fcc Au sphere of radius R [Å] at `centre`, label 1. */
function auSphere(
  radius: number,
  centre: [number, number, number],
): { pos: number[]; z: number[] } {
  const a = 4.078;
  const basis = [
    [0, 0, 0],
    [0.5, 0.5, 0],
    [0.5, 0, 0.5],
    [0, 0.5, 0.5],
  ];
  const pos: number[] = [];
  const m = Math.ceil(radius / a) + 1;
  for (let i = -m; i <= m; i++)
    for (let j = -m; j <= m; j++)
      for (let k = -m; k <= m; k++)
        for (const b of basis) {
          const p = [(i + b[0]) * a, (j + b[1]) * a, (k + b[2]) * a];
          if (Math.hypot(p[0], p[1], p[2]) <= radius)
            pos.push(p[0] + centre[0], p[1] + centre[1], p[2] + centre[2]);
        }
  return { pos, z: new Array(pos.length / 3).fill(79) };
}

/** 5 nm Au particle on a random (uniform, 0.1 atoms/Å³) carbon film 128 × 128 × 40 Å. */
function particleOnFilm(): Atoms {
  const cell: [number, number, number] = [128, 128, 40 + 50 + 2];
  const rng = new Rng(7);
  const carbon = Math.round(128 * 128 * 40 * 0.1);
  const pos: number[] = [];
  const z: number[] = [];
  const labels: number[] = [];
  for (let j = 0; j < carbon; j++) {
    pos.push(rng.uniform(0, 128), rng.uniform(0, 128), rng.uniform(0, 40));
    z.push(6);
    labels.push(0);
  }
  const au = auSphere(25, [64, 64, 40 + 1 + 25]);
  pos.push(...au.pos);
  z.push(...au.z);
  labels.push(...au.z.map(() => 1));
  return {
    cell,
    positions: Float64Array.from(pos),
    numbers: Uint8Array.from(z),
    labels: Int32Array.from(labels),
  };
}

async function timeExitWave(
  name: string,
  atoms: Atoms,
  shape: [number, number],
  configs: number,
): Promise<void> {
  const t = performance.now();
  const r = await simulateExitWaves(atoms, {
    energy: 300e3,
    shape,
    ...(configs > 1 ? { phonons: { configurations: configs, seed: 1 } } : {}),
  });
  const ms = performance.now() - t;
  const fftMs = (await timeOurs(shape[0], 'pffft', 5)).pair;
  const floor = 2 * r.metadata.sliceCount * configs * fftMs;
  console.log(
    `${name}: ${shape[0]}×${shape[1]}, ${r.metadata.sliceCount} slices, ${configs} config, ${atoms.numbers.length} atoms: ${(ms / 1000).toFixed(2)} s; floor 2·${r.metadata.sliceCount}·${configs}·${fftMs.toFixed(2)} ms = ${(floor / 1000).toFixed(2)} s; time/floor ${(ms / floor).toFixed(2)}`,
  );
}

/** Prints the benchmark. */
export async function run(): Promise<void> {
  console.log('# multislice: 2D complex64 FFT (one forward transform, median, one thread)');
  const sizes = [512, 1024, 1280];
  const py = timePython(sizes);
  if (!py) console.log('python3 with numpy not available: no NumPy/FFTW comparison');
  for (const n of sizes) {
    const ours = await timeOurs(n, 'pffft', n > 1024 ? 7 : 11);
    const js = n <= 512 ? await timeOurs(n, 'js', 3) : null;
    const ref = py?.[String(n)];
    const parts = [
      `${n}²: pffft-wasm SIMD + JS transpose ${ours.plain.toFixed(2)} ms (in a transposed fwd/inv pair ${ours.pair.toFixed(2)} ms)`,
    ];
    if (js) parts.push(`JS Stockham radix-4/2/3/5 ${js.plain.toFixed(1)} ms`);
    if (ref)
      parts.push(
        `numpy ${ref.numpy.toFixed(2)} ms (ours/numpy ${(ours.plain / ref.numpy).toFixed(2)})`,
      );
    if (ref?.fftw !== undefined)
      parts.push(
        `FFTW_MEASURE ${ref.fftw.toFixed(2)} ms (ours/FFTW ${(ours.plain / ref.fftw).toFixed(2)}, pair/FFTW ${(ours.pair / ref.fftw).toFixed(2)})`,
      );
    else if (ref) parts.push('pyfftw not installed: no FFTW comparison');
    console.log(parts.join('; '));
  }
  console.log('# multislice: exit waves (300 kV, Lobato, bilinear placement, 2/3 band limit)');
  const au = readExtendedXyz(referencePath('abtem-au-sphere/au_np_r15.xyz'));
  await timeExitWave(
    'Au sphere (abTEM reference case; abTEM+FFTW 1 core: 0.21 s)',
    au,
    [400, 400],
    1,
  );
  await timeExitWave(
    '5 nm Au on 40 Å carbon film, 0.1 Å (abTEM+FFTW at 1024²: 1.5 s)',
    particleOnFilm(),
    [1280, 1280],
    1,
  );
}

if (process.argv[1]?.endsWith('multislice.ts')) await run();
