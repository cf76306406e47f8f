import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aFetchedModule } from '../../testing/modules.js';
import { notFound } from '../../testing/service-errors.js';
import { run } from './get.js';

const NGINX = `path: web/nginx
kind: component
description: the web server
images:
  local: debian-12
parameters:
  - name: port
    category: input
    type: int
    default: 8080
`;

describe('module get', () => {
  it('prints the version as its YAML file', async () => {
    const deps = fakeDeps({ modules: { get: async () => aFetchedModule(NGINX, { version: 3 }) } });
    expect(await run(deps, { output: 'table', ref: 'web/nginx@3' })).toBe(0);
    expect(deps.argsOf('modules.get')).toEqual([['web/nginx@3']]);
    expect(deps.out()).toMatch(/^path: web\/nginx\nkind: component\ndescription: the web server\n/);
    expect(deps.out()).toContain('default: "8080"');
    expect(deps.err()).toBe('');
  });

  it('prints document and metadata as JSON', async () => {
    const deps = fakeDeps({ modules: { get: async () => aFetchedModule(NGINX, { version: 3, author: 'bob' }, { latestVersion: 4 }) } });
    expect(await run(deps, { output: 'json', ref: 'web/nginx@3' })).toBe(0);
    const printed = JSON.parse(deps.out()) as Record<string, unknown>;
    expect(printed).toMatchObject({
      document: { path: 'web/nginx', kind: 'component', images: { local: 'debian-12' } },
      info: { version: 3, author: 'bob', createdAt: '2025-01-31T12:00:00.000Z' },
      latestVersion: 4,
      deleted: false,
    });
    expect(printed).not.toHaveProperty('raw');
  });

  it('exits 1 for an unknown module', async () => {
    const deps = fakeDeps({ modules: { get: async () => Promise.reject(notFound('module', 'web/none')) } });
    expect(await run(deps, { output: 'table', ref: 'web/none' })).toBe(1);
    expect(deps.err()).toBe('error: module web/none not found\n');
    expect(deps.out()).toBe('');
  });
});
