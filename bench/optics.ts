/** Optics benchmark: the CTF with both envelopes on a 2048 × 2048 grid. */
import { parseOpticalCondition, transferFunctionGrid } from '../src/optics/index.js';
import { medianMs } from './_timing.js';

export async function run(): Promise<void> {
  const grid = { shape: [2048, 2048] as const, sampling: [0.05, 0.05] as const };
  const out = new Float32Array(2 * 2048 * 2048);
  const round = parseOpticalCondition({
    energy: 300e3,
    defocus: 100,
    Cs: 1.2e7,
    focalSpread: 10,
    convergenceMrad: 0.5,
  });
  const astig = parseOpticalCondition({
    energy: 300e3,
    defocus: 100,
    Cs: 1.2e7,
    astigmatism: 20,
    astigmatismAngle: 0.4,
    C23: 500,
    phi23: 0.1,
    focalSpread: 10,
    convergenceMrad: 0.5,
  });
  const coherent = parseOpticalCondition({ energy: 300e3, defocus: 100, Cs: 1.2e7 });
  const tCoherent = await medianMs(() => transferFunctionGrid(coherent, grid, {}, out));
  const tRound = await medianMs(() => transferFunctionGrid(round, grid, {}, out));
  const tAstig = await medianMs(() => transferFunctionGrid(astig, grid, {}, out));
  const pixels = 2048 * 2048;
  const rate = (ms: number) => `${ms.toFixed(1)} ms (${((pixels / ms) * 1e-3).toFixed(1)} Mpx/s)`;
  console.log(
    `CTF 2048×2048, defocus + Cs, no envelopes (every pixel evaluated): ${rate(tCoherent)}`,
  );
  console.log(
    `CTF 2048×2048, defocus + Cs, both envelopes:          ${tRound.toFixed(1)} ms (${((pixels / tRound) * 1e-3).toFixed(1)} Mpx/s)`,
  );
  console.log(
    `CTF 2048×2048, + astigmatism + C23, both envelopes:   ${tAstig.toFixed(1)} ms (${((pixels / tAstig) * 1e-3).toFixed(1)} Mpx/s)`,
  );
}

if (process.argv[1]?.endsWith('optics.ts')) await run();
