import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModuleDocument } from '../../../../common/modules/types.js';
import type { SaveModuleOptions } from '../../../services/modules.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aFetchedModule, aSaveResult } from '../../testing/modules.js';
import { invalidArgument, permissionDenied } from '../../testing/service-errors.js';
import { run } from './push.js';

const NGINX = `path: web/nginx
kind: component
images:
  local: debian-12
`;

const SITE = `path: web/site
kind: application
nodes:
  - name: web
    component: web/nginx
`;

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-push-'));
  // The application sorts before its component by name; push saves the component first.
  await writeFile(join(dir, 'a-site.yaml'), SITE);
  await writeFile(join(dir, 'b-nginx.yaml'), NGINX);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A save that reports the component unchanged at version 4 and the application created as version 1. */
async function save(document: ModuleDocument, _options?: SaveModuleOptions) {
  return document.path === 'web/nginx'
    ? aSaveResult(aFetchedModule(NGINX, { version: 4 }), false)
    : aSaveResult(aFetchedModule(SITE, { version: 1 }), true);
}

describe('module push', () => {
  it('saves in dependency order with the message, one line per module', async () => {
    const deps = fakeDeps({ modules: { save } });
    expect(await run(deps, { output: 'table', target: dir, message: 'ship it' })).toBe(0);
    expect(deps.argsOf('modules.save').map(([doc, options]) => [(doc as ModuleDocument).path, options])).toEqual([
      ['web/nginx', { message: 'ship it' }],
      ['web/site', { message: 'ship it' }],
    ]);
    expect(deps.out()).toBe('unchanged web/nginx@4\ncreated web/site@1\n');
  });

  it('prints what it saved as JSON', async () => {
    const deps = fakeDeps({ modules: { save } });
    expect(await run(deps, { output: 'json', target: dir })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual([
      { file: join(dir, 'b-nginx.yaml'), path: 'web/nginx', version: 4, created: false },
      { file: join(dir, 'a-site.yaml'), path: 'web/site', version: 1, created: true },
    ]);
  });

  it('pushes nothing when a file is invalid: no call reaches the service', async () => {
    await writeFile(join(dir, 'c-bad.yaml'), 'path: web/bad\nkind: component\nimages: 3\n');
    const deps = fakeDeps({});
    expect(await run(deps, { output: 'table', target: dir })).toBe(1);
    expect(deps.err()).toContain(`${join(dir, 'c-bad.yaml')}: 1 violation\n  images: `);
    expect(deps.err()).toContain('nothing pushed: 1 of 3 module file(s) invalid\n');
    expect(deps.calls).toEqual([]);
  });

  it('stops at the first module the server refuses, saying how many were pushed before it', async () => {
    const deps = fakeDeps({
      modules: {
        save: async (document) => {
          if (document.path === 'web/site') throw invalidArgument([{ field: 'nodes[0].cloud', description: 'no cloud named x' }]);
          return save(document);
        },
      },
    });
    expect(await run(deps, { output: 'json', target: dir })).toBe(1);
    expect(deps.err()).toBe(
      `${join(dir, 'a-site.yaml')}: web/site not saved (1 of 2 module(s) pushed before it)\n` +
        'error: invalid argument (1 violation):\n  nodes[0].cloud: no cloud named x\n',
    );
    expect(JSON.parse(deps.out())).toEqual([{ file: join(dir, 'b-nginx.yaml'), path: 'web/nginx', version: 4, created: false }]);
  });

  it('exits 4 when the caller may not save modules', async () => {
    const deps = fakeDeps({ modules: { save: async () => Promise.reject(permissionDenied('saving modules needs the deployer role')) } });
    expect(await run(deps, { output: 'table', target: join(dir, 'b-nginx.yaml') })).toBe(4);
    expect(deps.err()).toContain('error: permission denied: saving modules needs the deployer role\n');
    expect(deps.out()).toBe('');
  });

  it('fails on a directory without module files', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'slipstream-push-empty-'));
    try {
      const deps = fakeDeps({});
      expect(await run(deps, { output: 'table', target: empty })).toBe(1);
      expect(deps.err()).toBe(`error: no module files (.yaml, .yml) in ${empty}\n`);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
