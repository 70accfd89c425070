import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*_test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['src/test-utils/reference-setup.ts'],
    reporters: ['default', './src/test-utils/count-reporter.ts'],
  },
});
