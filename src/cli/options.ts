import { InvalidArgumentError } from 'commander';

/**
 * A commander argument parser for a number, whose error names the flag and its unit.
 * Accepts forms like `1.2e7`, `-19130`, `0.5`.
 */
export function numberOption(flag: string, unit: string): (value: string) => number {
  return (value: string) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed)) {
      throw new InvalidArgumentError(
        `${flag} expects a finite number${unit ? ` in ${unit}` : ''}, got '${value}'`,
      );
    }
    return parsed;
  };
}
