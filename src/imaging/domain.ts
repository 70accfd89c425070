/**
 * Imaging domains: named, serialisable distributions over imaging conditions. Each image draws
 * its own condition from its domain with a recorded seed.
 *
 * A parameter is given as a number (fixed) or as one of
 *   { fixed: x } · { normal: { mean, std } } · { uniform: { low, high } } · { choice: [a, b, …] }
 * (std is a standard deviation; uniform draws lie in [low, high)). Every parameter draws from its
 * own stream `rng.fork('param/<name>')`, so adding a parameter never changes the others' draws.
 *
 * Example (YAML):
 *   name: df-minus-10nm
 *   temporalCoherence: quasi-coherent
 *   condition:
 *     energy: 300000
 *     defocus: { normal: { mean: -100, std: 15 } }
 *     Cs: 1.2e7
 *     focalSpread: 10
 *     dose: { uniform: { low: 100, high: 600 } }
 *     pixelSize: 0.2
 *     imageSize: [512, 512]
 */
import { type Document, isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { InputError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { numberIn, positiveIn } from '../core/schema-units.js';
import { OpticalConditionInputSchema, opticalKeyUnit } from '../optics/index.js';
import {
  type ImagingCondition,
  type ImagingConditionInput,
  parseImagingCondition,
} from './condition.js';

/**
 * Schema of one distributed parameter in `unit`; a value of the wrong shape gets one message that
 * names the unit and the accepted forms.
 */
export function parameterSchema(unit: string) {
  const value = numberIn(unit);
  const forms = `a number or one of {fixed: x}, {normal: {mean, std}}, {uniform: {low, high}}, {choice: [a, b, …]}, in ${unit}`;
  return z.union(
    [
      value,
      z.strictObject({ fixed: value }),
      z.strictObject({
        normal: z.strictObject({
          mean: value,
          std: value.refine((v) => v >= 0, { message: `std must be ≥ 0 ${unit}` }),
        }),
      }),
      z.strictObject({
        uniform: z
          .strictObject({ low: value, high: value })
          .refine((u) => u.high >= u.low, { message: 'uniform needs high ≥ low' }),
      }),
      z.strictObject({
        choice: z.array(value).min(1, { message: 'choice needs ≥ 1 value' }),
      }),
    ],
    { error: (issue) => (issue.code === 'invalid_union' ? `must be ${forms}` : undefined) },
  );
}

/** Schema of one distributed parameter (unit named in messages as 'its unit'). */
export const ParameterSchema = parameterSchema('its unit');

/** A distributed parameter as written in a domain file. */
export type Parameter = z.output<typeof ParameterSchema>;

const OPTICAL_KEYS = Object.keys(OpticalConditionInputSchema.shape).filter((k) => k !== 'energy');

const opticalParameters = Object.fromEntries(
  OPTICAL_KEYS.map((k) => [k, parameterSchema(opticalKeyUnit(k)).optional()]),
) as Record<string, z.ZodOptional<typeof ParameterSchema>>;

const positiveInt = z.int().min(1);

/**
 * Schema of an imaging domain (YAML/JSON). Unknown keys are errors at every level.
 * - `temporalCoherence`: 'quasi-coherent' (temporal envelope, default) or 'explicit' (incoherent
 *   average of images over `defocusSamples` Gaussian-weighted defocus values spanning
 *   ±`defocusExtent`·σ_f, no temporal envelope; default 25 samples over ±3σ_f).
 * - `calibrateZeroDefocus`: shift every drawn defocus by the defocus of minimum particle contrast
 *   of each structure (see `calibrateZeroDefocus`); `calibrationRange` [Å] bounds the search.
 * - `medianFilter`: odd window size [px] of a median filter after the noise; 0 = off.
 * - `standardize`: rescale each image to zero mean, unit variance (default true).
 */
export const DomainSchema = z.strictObject({
  name: z.string().min(1, { message: 'name must not be empty' }),
  description: z.string().optional(),
  temporalCoherence: z.enum(['quasi-coherent', 'explicit']).default('quasi-coherent'),
  defocusSamples: positiveInt.default(25),
  defocusExtent: positiveIn('σ_f (focal-spread units)').default(3),
  calibrateZeroDefocus: z.boolean().default(false),
  calibrationRange: positiveIn('Å').default(300),
  medianFilter: z
    .int()
    .min(0)
    .refine((v) => v === 0 || v % 2 === 1, { message: 'must be 0 (off) or an odd window size' })
    .default(0),
  standardize: z.boolean().default(true),
  condition: z.strictObject({
    energy: numberIn('eV'),
    imageSize: z.tuple([positiveInt, positiveInt], {
      error: (issue) =>
        issue.code === 'invalid_type' ? 'must be [width, height] in pixels' : undefined,
    }),
    dose: parameterSchema('e/Å²'),
    pixelSize: parameterSchema('Å'),
    mtf: z
      .strictObject({
        c: parameterSchema('(fraction)'),
        q0: parameterSchema('Nyquist units'),
        p: parameterSchema('(exponent)'),
      })
      .optional(),
    ...opticalParameters,
  }),
});

/** A validated imaging domain (defaults filled in). */
export type Domain = z.output<typeof DomainSchema>;
/**
 * A domain as written in a file (defaults optional); `condition` also takes any optical key of
 * `OpticalConditionInputSchema` (defocus, Cs, C12, phi12, focalSpread, apertureMrad, …).
 */
export type DomainInput = Omit<z.input<typeof DomainSchema>, 'condition'> & {
  condition: z.input<typeof DomainSchema>['condition'] & {
    [key: string]: Parameter | DomainInput['condition']['mtf'] | [number, number] | undefined;
  };
};

/** A drawn condition together with the flat values it was built from (for the metadata). */
export interface SampledCondition extends ImagingCondition {
  /** The drawn values, in the input form `parseImagingCondition` accepts. */
  input: ImagingConditionInput;
}

/** Draws one value of a parameter. */
export function drawParameter(spec: Parameter, rng: Rng): number {
  if (typeof spec === 'number') return spec;
  if ('fixed' in spec) return spec.fixed;
  if ('normal' in spec) return rng.normal(spec.normal.mean, spec.normal.std);
  if ('uniform' in spec) return rng.uniform(spec.uniform.low, spec.uniform.high);
  return spec.choice[rng.int(spec.choice.length)];
}

/** The nominal value of a parameter: fixed value, mean, midpoint or mean of the choices. */
export function nominalParameter(spec: Parameter): number {
  if (typeof spec === 'number') return spec;
  if ('fixed' in spec) return spec.fixed;
  if ('normal' in spec) return spec.normal.mean;
  if ('uniform' in spec) return (spec.uniform.low + spec.uniform.high) / 2;
  return spec.choice.reduce((a, b) => a + b, 0) / spec.choice.length;
}

/** Standard deviations a normal parameter is taken to span on each side of its mean. */
export const NORMAL_SPAN = 5;

/**
 * The values a parameter can take at its extremes: a fixed value, the ends of a uniform range,
 * the smallest and largest choice, and mean ± 5 std for a normal (a draw beyond that has
 * probability 6e-7; draws are not truncated).
 */
export function supportEnds(spec: Parameter): number[] {
  if (typeof spec === 'number') return [spec];
  if ('fixed' in spec) return [spec.fixed];
  if ('normal' in spec) {
    const { mean, std } = spec.normal;
    return std > 0 ? [mean - NORMAL_SPAN * std, mean + NORMAL_SPAN * std] : [mean];
  }
  if ('uniform' in spec) return [spec.uniform.low, spec.uniform.high];
  return [Math.min(...spec.choice), Math.max(...spec.choice)];
}

function buildInput(domain: Domain, value: (name: string, spec: Parameter) => number) {
  const c = domain.condition;
  const input: ImagingConditionInput = {
    energy: c.energy,
    dose: value('dose', c.dose),
    pixelSize: value('pixelSize', c.pixelSize),
    imageSize: [c.imageSize[0], c.imageSize[1]],
  };
  for (const key of OPTICAL_KEYS) {
    const spec = (c as unknown as Record<string, Parameter | undefined>)[key];
    if (spec !== undefined) input[key] = value(key, spec);
  }
  if (c.mtf) {
    input.mtf = {
      c: value('mtf.c', c.mtf.c),
      q0: value('mtf.q0', c.mtf.q0),
      p: value('mtf.p', c.mtf.p),
    };
  }
  return input;
}

/**
 * Draws one imaging condition from a domain.
 * @param domain validated domain (`parseDomain`)
 * @param rng the image's generator; each parameter uses `rng.fork('param/<name>')`
 * @returns the condition and the drawn values
 * @throws RangeError if a draw falls outside a parameter's range (e.g. a normal dose below 0)
 */
export function sampleCondition(domain: Domain, rng: Rng): SampledCondition {
  const input = buildInput(domain, (name, spec) => drawParameter(spec, rng.fork(`param/${name}`)));
  return { ...parseImagingCondition(input), input };
}

/** The domain's nominal condition (each parameter at its fixed value, mean or midpoint). */
export function nominalCondition(domain: Domain): SampledCondition {
  const input = buildInput(domain, (_name, spec) => nominalParameter(spec));
  return { ...parseImagingCondition(input), input };
}

/** Every parameter's extremes, for validation before any image is made. */
function checkSupport(domain: Domain): void {
  const names: { name: string; spec: Parameter }[] = [];
  const c = domain.condition as Record<string, unknown>;
  for (const [name, spec] of Object.entries(c)) {
    if (name === 'energy' || name === 'imageSize' || name === 'mtf' || spec === undefined) continue;
    names.push({ name, spec: spec as Parameter });
  }
  if (domain.condition.mtf) {
    for (const [k, spec] of Object.entries(domain.condition.mtf)) {
      names.push({ name: `mtf.${k}`, spec });
    }
  }
  for (const { name, spec } of names) {
    for (const end of supportEnds(spec)) {
      try {
        buildAndParse(domain, name, end);
      } catch (error) {
        if (!(error instanceof RangeError) || typeof spec !== 'object' || !('normal' in spec)) {
          throw error;
        }
        throw new RangeError(
          `${error.message} (at mean ${end < spec.normal.mean ? '−' : '+'} ${NORMAL_SPAN} std of the normal distribution of ${name}; draws are not truncated, so give a smaller std or a uniform range)`,
        );
      }
    }
  }
}

function buildAndParse(domain: Domain, which: string, end: number): void {
  const input = buildInput(domain, (name, spec) => (name === which ? end : nominalParameter(spec)));
  parseImagingCondition(input);
}

/**
 * Validates a domain given as data (decoded JSON or YAML) and fills in defaults. Also checks that
 * every parameter's range is allowed (e.g. dose ≥ 0 e/Å² over its whole uniform range).
 * @param source names the file in messages
 * @throws InputError for schema problems (unknown keys, wrong types); RangeError for values out of
 *   range, naming the parameter, rule and unit
 */
export function parseDomain(data: unknown, source = 'domain'): Domain {
  const result = DomainSchema.safeParse(data);
  if (!result.success) {
    throw new InputError(`${source}: ${z.prettifyError(result.error).replace(/\n/g, '; ')}`);
  }
  checkDomainValues(result.data, source);
  return result.data;
}

function checkDomainValues(domain: Domain, source: string): void {
  try {
    nominalCondition(domain);
    checkSupport(domain);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new RangeError(`${source}: domain '${domain.name}': ${error.message}`);
    }
    if (error instanceof InputError) {
      throw new InputError(`${source}: domain '${domain.name}': ${error.message}`);
    }
    throw error;
  }
}

/**
 * Parses a domain from YAML or JSON text; schema errors name the file, line and column.
 * @throws InputError for syntax or schema errors; RangeError for out-of-range values
 */
export function parseDomainText(text: string, source = 'domain'): Domain {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    throw new InputError(`${source}: ${doc.errors[0].message.split('\n')[0]}`);
  }
  const data = doc.toJS();
  const result = DomainSchema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const where = locate(doc, lineCounter, issue.path, issue);
      const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      return `${source}${where}: ${path}: ${issue.message}`;
    });
    throw new InputError(lines.join('; '));
  }
  checkDomainValues(result.data, source);
  return result.data;
}

function locate(
  doc: Document,
  counter: LineCounter,
  path: readonly PropertyKey[],
  issue: z.core.$ZodIssue,
): string {
  const keys = path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  let node = doc.getIn(keys, true) as { range?: [number, number, number] } | undefined;
  if (issue.code === 'unrecognized_keys' && isMap(node) && issue.keys.length > 0) {
    const pair = node.items.find(
      (item) => isPair(item) && isScalar(item.key) && item.key.value === issue.keys[0],
    );
    if (pair && isScalar(pair.key)) node = pair.key as { range?: [number, number, number] };
  }
  if (!node?.range) return '';
  const pos = counter.linePos(node.range[0]);
  return `:${pos.line}:${pos.col}`;
}
