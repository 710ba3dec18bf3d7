import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Browser tests share one portal server and one Chromium per file; files run one
// after another so they do not compete for the machine.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
