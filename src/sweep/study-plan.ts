/**
 * Turns a validated sweep file into the task specs of the whole study:
 *
 *   structure/<set>/<i> → exit-wave/<set>/<i> → dataset/<domain> → train/<run>/seed-<s>
 *   → evaluate/<run>/seed-<s> → analysis;  exit-wave/* → spectrum → analysis
 */
import { hashString32 } from '../core/rng.js';
import type { JsonValue } from './canonical-json.js';
import type { TaskSpec } from './plan.js';
import { type ExitWaveParams, imagingDomain } from './stages.js';
import type { AnalysisParams } from './study-analysis.js';
import {
  evaluationDomains,
  exitWaveStorageBand,
  type SweepFile,
  trainingRuns,
} from './sweep-file.js';

/** Id of the analysis task, whose artefact holds the report. */
export const ANALYSIS_TASK_ID = 'analysis';

const json = (value: unknown) => value as JsonValue;

/** The simulation settings of one structure set's exit-wave tasks, with its storage band resolved. */
export function exitWaveSimulation(file: SweepFile, set: string): ExitWaveParams['simulation'] {
  const { storageBand: _, ...simulation } = file.simulation;
  const band = exitWaveStorageBand(file, set);
  return band === undefined ? simulation : { ...simulation, storageBand: band };
}

/** The task specs of a sweep file, in dependency order. */
export function studyTasks(file: SweepFile): TaskSpec[] {
  const specs: TaskSpec[] = [];
  const exitWavesOfSet = new Map<string, string[]>();
  for (const [set, structures] of Object.entries(file.structures)) {
    const ids: string[] = [];
    for (let i = 0; i < structures.count; i++) {
      const structureId = `structure/${set}/${i}`;
      specs.push({
        id: structureId,
        kind: 'structure',
        params: json({ set, index: i, seed: file.seed, spec: structures.spec }),
      });
      const waveId = `exit-wave/${set}/${i}`;
      specs.push({
        id: waveId,
        kind: 'exit-wave',
        params: json({ simulation: exitWaveSimulation(file, set) }),
        deps: [structureId],
      });
      ids.push(waveId);
    }
    exitWavesOfSet.set(set, ids);
  }

  const datasetSeed = hashString32(`${file.seed}/dataset`);
  const datasetId = (domain: string) => `dataset/${domain}`;
  for (const domain of file.domains) {
    specs.push({
      id: datasetId(domain.name),
      kind: 'dataset',
      params: json({ domain: imagingDomain(domain), dataset: file.dataset, seed: datasetSeed }),
      deps: exitWavesOfSet.get(domain.structures),
    });
  }

  const finest = Math.min(...file.domains.map((d) => nominalPixelSize(d.condition.pixelSize)));
  specs.push({
    id: 'spectrum',
    kind: 'spectrum',
    params: json({ kMax: 1 / (2 * finest), bins: file.analysis.frequencySamples }),
    deps: [...exitWavesOfSet.values()].flat(),
  });

  const domains = file.domains.map((d) => d.name);
  const testDomains = evaluationDomains(file);
  const { runs: _runs, seeds: _seeds, ...training } = file.training;
  const models: { run: string; seed: number; trainDomains: string[] }[] = [];
  for (const run of trainingRuns(file)) {
    for (const seed of file.training.seeds) {
      const trainId = `train/${run.name}/seed-${seed}`;
      specs.push({
        id: trainId,
        kind: 'train',
        params: json({ run: run.name, trainDomains: run.domains, domains, seed, training }),
        deps: domains.map(datasetId),
      });
      specs.push({
        id: `evaluate/${run.name}/seed-${seed}`,
        kind: 'evaluate',
        params: json({
          domains: testDomains,
          examples: file.evaluation.examples,
          backend: file.training.backend,
        }),
        deps: [trainId, ...testDomains.map(datasetId)],
      });
      models.push({ run: run.name, seed, trainDomains: run.domains });
    }
  }

  const analysis: AnalysisParams = {
    name: file.name,
    description: file.description ?? '',
    domains: file.domains.map((d) => ({ ...imagingDomain(d), structures: d.structures })),
    testDomains,
    models,
    analysis: file.analysis,
  };
  specs.push({
    id: ANALYSIS_TASK_ID,
    kind: 'analysis',
    params: json(analysis),
    deps: [
      'spectrum',
      ...domains.map(datasetId),
      ...models.map((m) => `train/${m.run}/seed-${m.seed}`),
      ...models.map((m) => `evaluate/${m.run}/seed-${m.seed}`),
    ],
  });
  return specs;
}

/** The nominal value of a pixel-size parameter [Å]. */
function nominalPixelSize(p: SweepFile['domains'][number]['condition']['pixelSize']): number {
  if (typeof p === 'number') return p;
  if ('fixed' in p) return p.fixed;
  if ('normal' in p) return p.normal.mean;
  if ('uniform' in p) return p.uniform.low;
  return Math.min(...p.choice);
}
