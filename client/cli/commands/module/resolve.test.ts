import { describe, expect, it } from 'vitest';
import type { ResolvedPlan } from '../../../../common/modules/types.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aResolvedModule } from '../../testing/modules.js';
import { failedPrecondition } from '../../testing/service-errors.js';
import { run } from './resolve.js';

const PLAN: ResolvedPlan = {
  module: { path: 'web/nginx', version: 3 },
  kind: 'component',
  nodes: [
    {
      name: 'machine',
      component: { path: 'web/nginx', version: 3 },
      lineage: [{ path: 'web/nginx', version: 3 }],
      multiplicity: 1,
      maxProvisioningFailures: 0,
      images: { local: 'debian-12' },
      resources: {},
      packages: [],
      recipes: {
        preinstall: [],
        postinstall: [],
        deployment: [{ module: { path: 'web/nginx', version: 3 }, script: 'echo hi' }],
        reporting: [],
        onVmAdd: [],
        onVmRemove: [],
        preScale: [],
        postScale: [],
      },
      parameters: [],
      mappings: {},
    },
  ],
};

describe('module resolve', () => {
  it('prints the pinned plan as YAML', async () => {
    const deps = fakeDeps({ modules: { resolve: async () => aResolvedModule(PLAN) } });
    expect(await run(deps, { output: 'table', ref: 'web/nginx' })).toBe(0);
    expect(deps.argsOf('modules.resolve')).toEqual([['web/nginx']]);
    expect(deps.out()).toMatch(/^module:\n {2}path: web\/nginx\n {2}version: 3\nkind: component\nnodes:\n/);
    expect(deps.out()).toContain('script: echo hi');
  });

  it('prints the plan as JSON', async () => {
    const deps = fakeDeps({ modules: { resolve: async () => aResolvedModule(PLAN) } });
    expect(await run(deps, { output: 'json', ref: 'web/nginx@3' })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual(PLAN);
  });

  it('exits 1 when the module cannot be resolved', async () => {
    const deps = fakeDeps({ modules: { resolve: async () => Promise.reject(failedPrecondition('web/base@9 does not exist')) } });
    expect(await run(deps, { output: 'table', ref: 'web/nginx' })).toBe(1);
    expect(deps.err()).toBe('error: web/base@9 does not exist\n');
  });
});
