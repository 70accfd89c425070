/**
 * Input validation helpers. Every public entry point checks its input before any work starts and
 * throws `RangeError` (a number out of range), `TypeError` (a wrong type or shape) or
 * `InputError` (a bad file or configuration, which the CLI reports as one line).
 */

/** A bad file, configuration or combination of options; the message is meant for the user. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Throws a RangeError unless `value` is a finite number. */
export function requireFinite(name: string, value: number, unit: string): void {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a number in ${unit}, got ${typeof value}`);
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number in ${unit}, got ${value}`);
  }
}

/** Throws a RangeError unless `value` is finite and > 0. */
export function requirePositive(name: string, value: number, unit: string): void {
  requireFinite(name, value, unit);
  if (value <= 0) {
    throw new RangeError(`${name} must be > 0 ${unit}, got ${value} ${unit}`);
  }
}

/** Throws a RangeError unless `value` is finite and ≥ 0. */
export function requireNonNegative(name: string, value: number, unit: string): void {
  requireFinite(name, value, unit);
  if (value < 0) {
    throw new RangeError(`${name} must be ≥ 0 ${unit}, got ${value} ${unit}`);
  }
}

/** Throws a RangeError unless `value` is an integer in [min, max]. */
export function requireInteger(name: string, value: number, min: number, max = Infinity): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new RangeError(`${name} must be an integer ${range}, got ${value}`);
  }
}
