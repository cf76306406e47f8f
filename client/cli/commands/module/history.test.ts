import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aVersion } from '../../testing/modules.js';
import { notFound } from '../../testing/service-errors.js';
import { run } from './history.js';

const VERSIONS = [
  aVersion({ version: 2, author: 'bob', message: 'port 80', contentHash: 'bbbbbbbbbbbbbbbbbbbb', tags: ['production', 'stable'] }),
  aVersion({ version: 1, message: 'first', contentHash: 'aaaaaaaaaaaaaaaaaaaa' }),
];

describe('module history', () => {
  it('lists the versions newest first, hashes shortened', async () => {
    const deps = fakeDeps({ modules: { history: async () => VERSIONS } });
    expect(await run(deps, { output: 'table', path: 'web/nginx' })).toBe(0);
    expect(deps.argsOf('modules.history')).toEqual([['web/nginx']]);
    expect(deps.out()).toBe(
      'VERSION\tCREATED\tAUTHOR\tHASH\tTAGS\tMESSAGE\n' +
        '2\t2025-01-31T12:00:00Z\tbob\tbbbbbbbbbbbb\tproduction,stable\tport 80\n' +
        '1\t2025-01-31T12:00:00Z\talice\taaaaaaaaaaaa\t\tfirst\n',
    );
  });

  it('draws a table on a terminal', async () => {
    const deps = fakeDeps({ modules: { history: async () => VERSIONS } }, { isTTY: true });
    expect(await run(deps, { output: 'table', path: 'web/nginx' })).toBe(0);
    expect(deps.out().split('\n')[0]).toMatch(/^VERSION +CREATED +AUTHOR +HASH +TAGS +MESSAGE$/);
    expect(deps.out().split('\n')[1]).toMatch(/^2 +2025-01-31T12:00:00Z +bob +bbbbbbbbbbbb +production,stable +port 80$/);
  });

  it('prints the versions as JSON with full hashes', async () => {
    const deps = fakeDeps({ modules: { history: async () => VERSIONS } });
    expect(await run(deps, { output: 'json', path: 'web/nginx' })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual(JSON.parse(JSON.stringify(VERSIONS)));
  });

  it('exits 1 for an unknown module', async () => {
    const deps = fakeDeps({ modules: { history: async () => Promise.reject(notFound('module', 'web/none')) } });
    expect(await run(deps, { output: 'table', path: 'web/none' })).toBe(1);
    expect(deps.err()).toBe('error: module web/none not found\n');
  });
});
