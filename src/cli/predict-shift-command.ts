/**
 * `hrtem predict-shift --sweep DIR --model ID --condition FILE`: expected loss and F1 of a
 * sweep's model under a new imaging condition, from the CTF shift and the sweep's fitted curve.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../core/errors.js';
import { parseOpticalConditionFile } from '../optics/index.js';
import { predictShift, readShiftModel } from '../sweep/predict-shift.js';

/** Detector keys an imaging-condition file may carry; they do not enter the CTF. */
const DETECTOR_KEYS = ['dose', 'pixelSize', 'imageSize', 'mtf'];

/** Registers `hrtem predict-shift`. */
export function registerPredictShiftCommand(program: Command): void {
  program
    .command('predict-shift')
    .description(
      "Expected loss and F1 of a sweep's model under a new imaging condition: the CTF shift between the model's\n" +
        'training domain (its recorded conditions) and the condition (a one-condition domain), through the curve\n' +
        'G_OOD ≈ f(shift) the sweep fitted (report/shift-model.json). The model must be trained on one domain.',
    )
    .requiredOption('--sweep <dir>', 'output folder of a finished sweep')
    .requiredOption('--model <id>', "model id as in the report, e.g. 'df0nm/seed-0'")
    .requiredOption(
      '--condition <file>',
      'YAML or JSON optical condition (energy [eV], defocus [Å], Cs [Å], focalSpread [Å], …)',
    )
    .option('--json', 'print JSON')
    .action((options: { sweep: string; model: string; condition: string; json?: boolean }) => {
      const model = readShiftModel(join(options.sweep, 'report', 'shift-model.json'));
      let raw: Record<string, unknown>;
      try {
        raw = parseYaml(readFileSync(options.condition, 'utf8')) as Record<string, unknown>;
      } catch {
        throw new InputError(`--condition: cannot read ${options.condition}`);
      }
      for (const key of DETECTOR_KEYS) delete raw[key];
      const p = predictShift(
        model,
        options.model,
        parseOpticalConditionFile(raw, options.condition),
      );
      if (options.json) {
        console.log(JSON.stringify(p, null, 2));
        return;
      }
      const f = (x: number) => Number(x.toPrecision(4)).toString();
      console.log(`model            ${p.model} (trained on ${p.trainDomain})`);
      console.log(
        `shift measure    ${p.measure} = ${f(p.shift)} (${model.conditions[p.trainDomain].length} recorded conditions of ${p.trainDomain} vs the new condition)`,
      );
      console.log(`nearest domain   ${p.nearestDomain.name} (shift ${f(p.nearestDomain.shift)})`);
      console.log(`expected loss    ${f(p.expectedLoss)} (in-distribution ${f(p.idLoss)})`);
      console.log(`expected F1      ${f(p.expectedF1)} (in-distribution ${f(p.idF1)})`);
      if (p.beyondFit) {
        console.error(
          'hrtem predict-shift: warning: the shift is beyond every shift of the sweep; the curve is extrapolated flat',
        );
      }
    });
}
