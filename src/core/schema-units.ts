/**
 * Zod number schemas whose messages name the unit, shared by every file format (conditions,
 * domains, sweep files), so a wrong type reads "must be a number in Å" wherever it occurs.
 */
import { z } from 'zod';

/** A finite number in `unit`. */
export function numberIn(unit: string) {
  return z
    .number({ error: `must be a number in ${unit}` })
    .refine(Number.isFinite, { message: `must be a finite number in ${unit}` });
}

/** A number > 0 in `unit`. */
export function positiveIn(unit: string) {
  return z
    .number({ error: `must be a number in ${unit}` })
    .positive({ message: `must be > 0 ${unit}` });
}
