import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources; aliases point each workspace package at its src so a
// test never depends on a stale dist/.
const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@tributary/protocol': src('./packages/protocol/src/index.ts'),
      '@tributary/storage': src('./packages/storage/src/index.ts'),
      '@tributary/client': src('./packages/client/src/index.ts'),
      '@tributary/broker': src('./apps/broker/src/index.ts'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts'],
    reporters: ['default', './tools/ci/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
