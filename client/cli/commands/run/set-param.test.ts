import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aParameter } from '../../testing/runs.js';
import { failedPrecondition, invalidArgument } from '../../testing/service-errors.js';
import { run } from './set-param.js';

describe('run set-param', () => {
  it('sets the value and says so on stderr', async () => {
    const deps = fakeDeps({ runs: { setParameter: async () => aParameter({ key: 'web.1:port', value: '9090' }) } });
    expect(await run(deps, { output: 'table', id: 'r-1', key: 'web.1:port', value: '9090' })).toBe(0);
    expect(deps.argsOf('runs.setParameter')).toEqual([['r-1', 'web.1:port', '9090']]);
    expect(deps.err()).toBe('set web.1:port = 9090\n');
    expect(deps.out()).toBe('');
  });

  it('never echoes a password, in lines or JSON', async () => {
    const secret = aParameter({ key: 'web.1:password', value: 'hunter3', secret: true });
    const lines = fakeDeps({ runs: { setParameter: async () => secret } });
    expect(await run(lines, { output: 'table', id: 'r-1', key: 'web.1:password', value: 'hunter3' })).toBe(0);
    expect(lines.err()).toBe('set web.1:password = ********\n');
    const json = fakeDeps({ runs: { setParameter: async () => secret } });
    expect(await run(json, { output: 'json', id: 'r-1', key: 'web.1:password', value: 'hunter3' })).toBe(0);
    expect(JSON.parse(json.out())).toMatchObject({ key: 'web.1:password', value: '********', set: true, secret: true });
    expect(json.out() + json.err()).not.toContain('hunter3');
  });

  it('exits 1 with the violation for a bad value', async () => {
    const deps = fakeDeps({
      runs: { setParameter: async () => Promise.reject(invalidArgument([{ field: 'value', description: 'must be a whole number' }])) },
    });
    expect(await run(deps, { output: 'table', id: 'r-1', key: 'web.1:port', value: 'x' })).toBe(1);
    expect(deps.err()).toBe('error: invalid argument (1 violation):\n  value: must be a whole number\n');
  });

  it('exits 1 when the run is final', async () => {
    const deps = fakeDeps({ runs: { setParameter: async () => Promise.reject(failedPrecondition('run r-1 is Done')) } });
    expect(await run(deps, { output: 'table', id: 'r-1', key: 'web.1:port', value: '1' })).toBe(1);
    expect(deps.err()).toBe('error: run r-1 is Done\n');
  });
});
