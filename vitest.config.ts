import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['common/**/*.test.ts', 'web/src/**/*.test.ts', 'controller/**/*.test.ts', 'agent/**/*.test.ts', 'client/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // Two files at a time (vitest's default on two cores is one): most of a file's time is spent waiting on
    // controllers, agents and timeouts, not computing. A full run took 543 s this way on a loaded machine
    // (load average 7-9), against 713 s one at a time.
    maxWorkers: 2,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
