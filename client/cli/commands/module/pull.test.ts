import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aFetchedModule } from '../../testing/modules.js';
import { notFound } from '../../testing/service-errors.js';
import { run } from './pull.js';

const NGINX = `path: web/nginx
kind: component
images:
  local: debian-12
`;

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-pull-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('module pull', () => {
  it('writes the YAML to stdout without --out', async () => {
    const deps = fakeDeps({ modules: { get: async () => aFetchedModule(NGINX, { version: 2 }) } });
    expect(await run(deps, { ref: 'web/nginx@2' })).toBe(0);
    expect(deps.argsOf('modules.get')).toEqual([['web/nginx@2']]);
    expect(deps.out()).toMatch(/^path: web\/nginx\nkind: component\nimages:\n {2}local: debian-12\n/);
    expect(deps.err()).toBe('');
  });

  it('writes <path>.yaml into a directory, creating its folders', async () => {
    const module = aFetchedModule(NGINX, { version: 2 });
    const deps = fakeDeps({ modules: { get: async () => module } });
    expect(await run(deps, { ref: 'web/nginx', out: `${dir}/` })).toBe(0);
    const file = join(dir, 'web', 'nginx.yaml');
    expect(await readFile(file, 'utf8')).toMatch(/^path: web\/nginx\n/);
    expect(deps.err()).toBe(`wrote web/nginx@2 to ${file}\n`);
    expect(deps.out()).toBe('');
  });

  it('writes to the file it is given', async () => {
    const deps = fakeDeps({ modules: { get: async () => aFetchedModule(NGINX) } });
    const file = join(dir, 'mine.yml');
    expect(await run(deps, { ref: 'web/nginx', out: file })).toBe(0);
    expect(await readFile(file, 'utf8')).toContain('kind: component');
    expect(deps.err()).toBe(`wrote web/nginx@1 to ${file}\n`);
  });

  it('exits 1 for an unknown version and writes nothing', async () => {
    const deps = fakeDeps({ modules: { get: async () => Promise.reject(notFound('module', 'web/nginx@9')) } });
    expect(await run(deps, { ref: 'web/nginx@9', out: `${dir}/` })).toBe(1);
    expect(deps.err()).toBe('error: module web/nginx@9 not found\n');
    await expect(readFile(join(dir, 'web', 'nginx.yaml'))).rejects.toThrow();
  });
});
