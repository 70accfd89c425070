import cliProgress, { type Options } from 'cli-progress';

const { Format } = cliProgress;

import { describe, expect, it } from 'vitest';
import { progressTime } from './options.js';

describe('progress bar time format', () => {
  const options = { autopaddingChar: ' ' } as Options;

  it("shows '--' while cli-progress reports the ETA as unknown", () => {
    // cli-progress's own formatter turns these into 'NFs' and 'LLs'.
    expect(Format.TimeFormat('INF' as unknown as number, options, 5)).toBe('NFs');
    expect(progressTime('INF', options, 5)).toBe('--');
    expect(progressTime('NULL', options, 5)).toBe('--');
    expect(progressTime(Number.POSITIVE_INFINITY, options, 5)).toBe('--');
  });

  it('formats a number of seconds as cli-progress does', () => {
    for (const t of [3, 42, 125, 7300]) {
      expect(progressTime(t, options, 5)).toBe(Format.TimeFormat(t, options, 5));
    }
  });
});
