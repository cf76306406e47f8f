import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { notFound } from '../../testing/service-errors.js';
import { parseTagVersion, run as tag } from './tag.js';
import { run as tags } from './tags.js';
import { run as untag } from './untag.js';

const SET_AT = new Date('2025-01-31T12:00:00Z');

describe('module tag', () => {
  it('takes the version as @N or N, anything else is a usage error', () => {
    expect(parseTagVersion('@7')).toBe(7);
    expect(parseTagVersion('12')).toBe(12);
    expect(parseTagVersion('0')).toBe(0);
    for (const bad of ['', '@', 'seven', '@7x', '7.0', '-1', '@@7']) expect(() => parseTagVersion(bad), bad).toThrow(/VERSION must be/);
  });

  it('says where the tag points now and where it pointed before', async () => {
    const deps = fakeDeps({
      modules: { setTag: async () => ({ tag: { name: 'production', version: 7, setBy: 'eddie', setAt: SET_AT }, previousVersion: 5 }) },
    });
    expect(await tag(deps, { output: 'table', path: 'shop/shop', tag: 'production', version: '@7', message: 'go' })).toBe(0);
    expect(deps.argsOf('modules.setTag')).toEqual([['shop/shop', 'production', 7, { message: 'go' }]]);
    expect(deps.err()).toBe('tagged shop/shop@7 as shop/shop:production (was @5)\n');
    expect(deps.out()).toBe('');
  });

  it('exits 2 on a version that is not a number, without calling the controller', async () => {
    const deps = fakeDeps({ modules: {} });
    expect(await tag(deps, { output: 'table', path: 'shop/shop', tag: 'production', version: 'latest' })).toBe(2);
    expect(deps.err()).toBe("error: VERSION must be a version number of the module, as @7 or 7 (got 'latest')\n");
  });
});

describe('module untag and tags', () => {
  it('untag says where the removed tag pointed; an unknown tag exits 1', async () => {
    const ok = fakeDeps({ modules: { deleteTag: async () => 3 } });
    expect(await untag(ok, { output: 'table', path: 'shop/shop', tag: 'beta' })).toBe(0);
    expect(ok.err()).toBe('removed tag shop/shop:beta (was @3)\n');
    const missing = fakeDeps({ modules: { deleteTag: async () => Promise.reject(notFound('tag', 'beta')) } });
    expect(await untag(missing, { output: 'table', path: 'shop/shop', tag: 'beta' })).toBe(1);
  });

  it('tags lists the current tags, --history the moves (one tag when named)', async () => {
    const deps = fakeDeps({
      modules: {
        tags: async () => [{ name: 'production', version: 7, setBy: 'eddie', setAt: SET_AT }],
        tagHistory: async () => [{ tag: 'production', oldVersion: 5, newVersion: 7, actor: 'eddie', time: SET_AT, message: 'go' }],
      },
    });
    expect(await tags(deps, { output: 'table', path: 'shop/shop' })).toBe(0);
    expect(await tags(deps, { output: 'table', path: 'shop/shop', history: 'production' })).toBe(0);
    expect(deps.argsOf('modules.tagHistory')).toEqual([['shop/shop', 'production']]);
    expect(deps.out()).toBe(
      'TAG\tVERSION\tSET BY\tSET AT\nproduction\t@7\teddie\t2025-01-31T12:00:00Z\n' +
        'TIME\tTAG\tFROM\tTO\tACTOR\tMESSAGE\n2025-01-31T12:00:00Z\tproduction\t@5\t@7\teddie\tgo\n',
    );
  });
});
