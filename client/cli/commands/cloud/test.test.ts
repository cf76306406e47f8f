import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { notFound } from '../../testing/service-errors.js';
import { run } from './test.js';

const works = { ok: true, message: 'listed 3 regions' };
const fails = { ok: false, message: 'AuthFailure: the key is not valid' };

describe('cloud test', () => {
  it("prints the driver's message on stdout and exits 0 when the credentials work", async () => {
    const deps = fakeDeps({ clouds: { test: async () => works } });
    expect(await run(deps, { output: 'table', name: 'aws-eu' })).toBe(0);
    expect(deps.argsOf('clouds.test')).toEqual([['aws-eu']]);
    expect(deps.out()).toBe('listed 3 regions\n');
    expect(deps.err()).toBe('');
  });

  it("prints the driver's message on stderr and exits 1 when they do not", async () => {
    const deps = fakeDeps({ clouds: { test: async () => fails } });
    expect(await run(deps, { output: 'table', name: 'aws-eu' })).toBe(1);
    expect(deps.err()).toBe("error: cloud 'aws-eu' failed the test: AuthFailure: the key is not valid\n");
    expect(deps.out()).toBe('');
  });

  it('prints { cloud, ok, message } as JSON either way, with the same exit codes', async () => {
    const good = fakeDeps({ clouds: { test: async () => works } });
    expect(await run(good, { output: 'json', name: 'aws-eu' })).toBe(0);
    expect(JSON.parse(good.out())).toEqual({ cloud: 'aws-eu', ok: true, message: 'listed 3 regions' });
    const bad = fakeDeps({ clouds: { test: async () => fails } });
    expect(await run(bad, { output: 'json', name: 'aws-eu' })).toBe(1);
    expect(JSON.parse(bad.out())).toEqual({ cloud: 'aws-eu', ok: false, message: 'AuthFailure: the key is not valid' });
    expect(bad.err()).toBe('');
  });

  it('exits 1 for an unknown cloud', async () => {
    const missing = notFound('cloud', 'nope');
    const deps = fakeDeps({ clouds: { test: () => Promise.reject(missing) } });
    expect(await run(deps, { output: 'table', name: 'nope' })).toBe(1);
    expect(deps.err()).toBe("error: cloud nope not found\n");
  });
});
