import { randomBytes } from 'node:crypto';
import { defineConfig } from 'vitest/config';

// One id per run, inherited by every worker: the names of shared broker objects carry it, so two runs
// on one machine (two developers, a developer and CI) never delete or close each other's.
process.env.RELAYBOX_TEST_RUN ||= randomBytes(3).toString('hex');

// Unit tests (`x.test.ts`) need nothing running. Integration tests (`x.int.test.ts`) talk to the
// real Redis and RabbitMQ and start real gateways; they run one file at a time because several
// of them restart RabbitMQ connections or bind many sockets.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'sdk/*/src/**/*.test.ts',
            'platform/*/src/**/*.test.ts',
            'desktop/src/**/*.test.ts',
            'dashboard/*/src/**/*.test.ts',
            'scripts/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'int',
          include: [
            'sdk/*/src/**/*.int.test.ts',
            'sdk/*/test/**/*.int.test.ts',
            'platform/*/src/**/*.int.test.ts',
            'platform/*/test/**/*.int.test.ts',
            'desktop/src/**/*.int.test.ts',
            'desktop/test/**/*.int.test.ts',
            'dashboard/*/src/**/*.int.test.ts',
            'dashboard/test/**/*.int.test.ts',
            'scripts/test/**/*.int.test.ts',
            'examples/*/test/**/*.int.test.ts',
            'deploy/*/test/**/*.int.test.ts',
          ],
          globalSetup: ['scripts/test-services.ts'],
          fileParallelism: false,
          // Real services on a shared 2-core machine: one retry absorbs a rare infrastructure hiccup.
          // A retried test is reported as flaky in the run's output, so it stays visible.
          retry: 1,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
