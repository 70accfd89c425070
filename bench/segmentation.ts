/**
 * Segmentation benchmark: milliseconds per training step of the default U-Net (depth 3, 8 base
 * filters, plain blocks with batch norm, 2-class softmax, Adam) at 128² and 256² px, batch 8, on
 * the WASM backend; the same architecture in PyTorch with one thread when `python3` with `torch`
 * is available (Debian: apt-get install python3-torch), with the ratio; and training steps per
 * second with 1 and 2 worker threads (one independent training per worker).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/rng.js';
import {
  createUNet,
  DEFAULT_UNET,
  initBackend,
  syntheticDiscs,
  trainInWorkers,
  trainModel,
} from '../src/segmentation/index.js';

const BATCH = 8;

const TORCH_SCRIPT = `
import sys, time, json
import torch, torch.nn as nn
torch.set_num_threads(1)
depth, base, size, batch, steps = (int(v) for v in sys.argv[1:6])
def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())
class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc, self.up, self.dec = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        c = 1
        for l in range(depth):
            self.enc.append(block(c, base * 2**l)); c = base * 2**l
        self.bottleneck = block(c, base * 2**depth); c = base * 2**depth
        for l in reversed(range(depth)):
            f = base * 2**l
            self.up.append(nn.ConvTranspose2d(c, f, 2, stride=2)); self.dec.append(block(2 * f, f)); c = f
        self.head = nn.Conv2d(c, 2, 1)
    def forward(self, x):
        skips = []
        for e in self.enc:
            x = e(x); skips.append(x); x = nn.functional.max_pool2d(x, 2)
        x = self.bottleneck(x)
        for u, d in zip(self.up, self.dec):
            x = d(torch.cat([skips.pop(), u(x)], 1))
        return self.head(x)
torch.manual_seed(0)
model = UNet()
opt = torch.optim.Adam(model.parameters(), 1e-3)
x = torch.randn(batch, 1, size, size); y = (torch.rand(batch, size, size) > 0.5).long()
lossf = nn.CrossEntropyLoss()
def step():
    opt.zero_grad(); loss = lossf(model(x), y); loss.backward(); opt.step()
for _ in range(2): step()
t = time.perf_counter()
for _ in range(steps): step()
print(json.dumps({"msPerStep": (time.perf_counter() - t) / steps * 1000, "torch": torch.__version__}))
`;

/** ms per step of our U-Net on the current backend (after two warm-up steps). */
async function tfjsMsPerStep(size: number, steps: number): Promise<number> {
  const data = syntheticDiscs(BATCH, size, new Rng(1));
  const unet = createUNet({ ...DEFAULT_UNET, seed: 1 });
  await trainModel(unet, data, { epochs: 2, batchSize: BATCH });
  const history = await trainModel(unet, data, { epochs: steps, batchSize: BATCH });
  unet.model.dispose();
  const totalMs = history.epochs.reduce((sum, e) => sum + e.trainMs, 0);
  return totalMs / steps;
}

/** PyTorch ms per step, or null with the reason when torch is not importable. */
function torchMsPerStep(size: number, steps: number): { ms: number; version: string } | string {
  const dir = mkdtempSync(join(tmpdir(), 'hrtem-bench-'));
  const script = join(dir, 'unet.py');
  writeFileSync(script, TORCH_SCRIPT);
  try {
    for (const python of ['python3', '/usr/bin/python3']) {
      const args = [
        script,
        String(DEFAULT_UNET.depth),
        String(DEFAULT_UNET.baseFilters),
        String(size),
        String(BATCH),
        String(steps),
      ];
      const run = spawnSync(python, args, {
        encoding: 'utf8',
        env: { ...process.env, OMP_NUM_THREADS: '1' },
      });
      if (run.status === 0) {
        const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
          msPerStep: number;
          torch: string;
        };
        return { ms: out.msPerStep, version: out.torch };
      }
    }
    return 'python3 with torch not found (Debian: apt-get install python3-torch)';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function workerStepsPerSecond(
  workers: number,
  size: number,
  epochs: number,
): Promise<number> {
  const data = syntheticDiscs(2 * BATCH, size, new Rng(2));
  const jobs = Array.from({ length: workers }, (_, k) => ({
    config: { ...DEFAULT_UNET, seed: k },
    data,
    options: { epochs, batchSize: BATCH, seed: k },
  }));
  const started = performance.now();
  const results = await trainInWorkers(jobs, { workers });
  const seconds = (performance.now() - started) / 1000;
  const steps = results.reduce(
    (sum, r) => sum + r.history.epochs.reduce((s, e) => s + e.steps, 0),
    0,
  );
  return steps / seconds;
}

export async function run(): Promise<void> {
  const backend = await initBackend('wasm');
  console.log(`segmentation: ${backend.text}`);
  console.log(`segmentation: default U-Net ${JSON.stringify(DEFAULT_UNET)}, batch ${BATCH}, Adam`);
  for (const [size, steps] of [
    [128, 5],
    [256, 3],
  ] as const) {
    const ours = await tfjsMsPerStep(size, steps);
    const torch = torchMsPerStep(size, steps);
    const line = `segmentation: train step ${size}² batch ${BATCH}: tfjs-wasm ${ours.toFixed(0)} ms`;
    if (typeof torch === 'string') {
      console.log(`${line}; PyTorch skipped: ${torch}`);
    } else {
      const ratio = ours / torch.ms;
      console.log(
        `${line}, PyTorch ${torch.version} (1 thread) ${torch.ms.toFixed(0)} ms, ratio ${ratio.toFixed(2)}× (goal ≤ 3×)`,
      );
    }
  }
  const one = await workerStepsPerSecond(1, 128, 3);
  const two = await workerStepsPerSecond(2, 128, 3);
  console.log(
    `segmentation: worker threads, 128² batch ${BATCH}: 1 worker ${one.toFixed(2)} steps/s, ` +
      `2 workers (independent trainings) ${two.toFixed(2)} steps/s total (speed-up ${(two / one).toFixed(2)}×)`,
  );
}

if (process.argv[1]?.endsWith('segmentation.ts')) await run();
