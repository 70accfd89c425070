/**
 * A sweep of two domains has two foreign pairs, too few for a rank correlation: the analysis must
 * still finish, storing the undefined correlations as null instead of failing on NaN.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runRealSweep, TINY_SWEEP_FILE } from './test-utils/real-sweep.js';
import { taskRows } from './test-utils/sweep-snapshot.js';

const root = mkdtempSync(join(tmpdir(), 'hrtem-two-domain-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a two-domain sweep', () => {
  it('finishes its analysis and stores the undefined correlations as null', async () => {
    const text = readFileSync(TINY_SWEEP_FILE, 'utf8');
    const third = text.indexOf('  - <<: *domain\n    name: df+10nm');
    expect(third).toBeGreaterThan(0);
    const end = text.indexOf('dataset:', third);
    const file = join(root, 'two-domains.yaml');
    writeFileSync(file, text.slice(0, third) + text.slice(end));

    const summary = await runRealSweep(join(root, 'run'), file);
    expect(summary.failed).toEqual([]);
    expect(summary.done).toBe(summary.total);

    const analysis = taskRows(join(root, 'run')).find((row) => row.kind === 'analysis');
    const result = analysis?.result as { spearman: Record<string, number | null> };
    expect(Object.keys(result.spearman).length).toBeGreaterThan(0);
    for (const value of Object.values(result.spearman)) expect(value).toBeNull();
  });
});
