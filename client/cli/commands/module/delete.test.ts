import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { notFound, permissionDenied } from '../../testing/service-errors.js';
import { run } from './delete.js';

describe('module delete', () => {
  it('deletes the module and says pinned versions stay readable', async () => {
    const deps = fakeDeps({ modules: { delete: async () => undefined } });
    expect(await run(deps, { path: 'web/nginx' })).toBe(0);
    expect(deps.argsOf('modules.delete')).toEqual([['web/nginx']]);
    expect(deps.err()).toBe('deleted web/nginx (pinned versions stay readable as web/nginx@N)\n');
    expect(deps.out()).toBe('');
  });

  it('exits 1 when the module does not exist', async () => {
    const deps = fakeDeps({ modules: { delete: async () => Promise.reject(notFound('module', 'web/none')) } });
    expect(await run(deps, { path: 'web/none' })).toBe(1);
    expect(deps.err()).toBe('error: module web/none not found\n');
  });

  it('exits 4 when the caller may not delete modules', async () => {
    const deps = fakeDeps({ modules: { delete: async () => Promise.reject(permissionDenied('deleting modules needs the deployer role')) } });
    expect(await run(deps, { path: 'web/nginx' })).toBe(4);
    expect(deps.err()).toBe('error: permission denied: deleting modules needs the deployer role\n');
  });
});
