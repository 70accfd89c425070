/**
 * Structures benchmark: a 128 × 128 × 60 Å amorphous carbon film (0.11 atoms/Å³, 1.4 Å minimum
 * distance, about 108 000 atoms) with a 5 nm Au sphere pressed into it; atoms per second for the
 * film alone, the particle alone, the whole scene, and extended-XYZ formatting.
 */
import { Rng } from '../src/core/rng.js';
import {
  amorphousFilm,
  buildParticle,
  formatExtendedXyz,
  material,
  parseStructureSpec,
  sampleScene,
} from '../src/structures/index.js';

function median(fn: () => number, repeats = 3): { ms: number; atoms: number } {
  fn();
  const times: number[] = [];
  let atoms = 0;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    atoms = fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], atoms };
}

function report(label: string, r: { ms: number; atoms: number }): void {
  const rate = (r.atoms / r.ms) * 1e3;
  console.log(
    `${label.padEnd(46)} ${String(r.atoms).padStart(7)} atoms ${r.ms.toFixed(0).padStart(6)} ms  ${(rate / 1e3).toFixed(0).padStart(5)} k atoms/s`,
  );
}

export async function run(): Promise<void> {
  const film = median(
    () =>
      amorphousFilm(
        { element: 'C', lx: 128, ly: 128, thickness: 60, density: 0.11, minDistance: 1.4 },
        new Rng(1),
      ).numbers.length,
  );
  report('a-C film 128×128×60 Å (RSA, spatial hash)', film);

  const au = material('Au');
  const particle = median(
    () => buildParticle(au, { shape: { kind: 'sphere', radius: 25 } }).numbers.length,
  );
  report('Au sphere, 5 nm diameter', particle);

  const twinned = median(
    () =>
      buildParticle(au, {
        shape: { kind: 'sphere', radius: 25 },
        defects: [
          { kind: 'twin', hkl: [1, 1, 1], layer: -3 },
          { kind: 'stackingFault', hkl: [1, 1, 1], layer: 4 },
        ],
      }).numbers.length,
  );
  report('Au sphere, 5 nm, one twin + one stacking fault', twinned);

  const spec = parseStructureSpec({
    cell: { x: 128, y: 128 },
    substrate: { thickness: 60 },
    particles: { materials: ['Au'], radius: 25, embed: 2 },
  });
  let last = sampleScene(spec, new Rng(1));
  const scene = median(() => {
    last = sampleScene(spec, new Rng(1));
    return last.atoms.numbers.length;
  });
  report('scene: film + 5 nm Au sphere, composed', scene);

  const xyz = median(() => {
    formatExtendedXyz(last.atoms);
    return last.atoms.numbers.length;
  });
  report('extended XYZ text of that scene', xyz);
}

if (process.argv[1]?.endsWith('structures.ts')) await run();
