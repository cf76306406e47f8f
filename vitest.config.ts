import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * Files that observe something Node does once per process, which another file run earlier in the same worker
 * would have used up: a deprecation warning is emitted once (tls-server-name listens for DEP0123).
 */
const OWN_PROCESS = ['test/integration/tls-server-name.test.ts'];

/** What every file runs with (each project states it: a project extending the root would add to its include). */
const common: TestProjectInlineConfiguration['test'] = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: 'forks',
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
};

export default defineConfig({
  test: {
    // Two files at a time (vitest's default on two cores is one): most of a file's time is spent waiting on
    // controllers, agents and timeouts, not computing. A full run took 543 s this way on a loaded machine
    // (load average 7-9), against 713 s one at a time.
    maxWorkers: 2,
    // Here, not in each project: a project's own globalSetup runs once per project (twice a run here).
    globalSetup: ['test/global-setup.ts'],
    projects: [
      {
        test: {
          ...common,
          name: 'shared-process',
          include: ['common/**/*.test.ts', 'web/src/**/*.test.ts', 'controller/**/*.test.ts', 'agent/**/*.test.ts', 'client/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...OWN_PROCESS],
          // A worker runs file after file in one process, its modules loaded once: a fresh process per file spent
          // about half a second starting and importing (controller/'s 116 files: 195 s isolated, 137 s not).
          // Every file closes what it opens and restores what it changes (umask, env).
          isolate: false,
        },
      },
      { test: { ...common, name: 'own-process', include: OWN_PROCESS, isolate: true } },
    ],
  },
});
