import { describe, expect, it } from 'vitest';
import { cli } from '../../testing/cli.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aParameter } from '../../testing/runs.js';
import { notFound } from '../../testing/service-errors.js';
import { run } from './params.js';

const PARAMETERS = [
  aParameter(),
  aParameter({ key: 'web.1:password', value: 'hunter2', secret: true, description: 'admin password' }),
  aParameter({ key: 'web.1:url', value: '', set: false, description: 'where it listens', updatedAt: undefined }),
];

describe('run params', () => {
  it('lists the parameters, passwords masked and unset ones empty', async () => {
    const deps = fakeDeps({ runs: { listParameters: async () => PARAMETERS } });
    expect(await run(deps, { output: 'table', id: 'r-1' })).toBe(0);
    expect(deps.argsOf('runs.listParameters')).toEqual([['r-1', undefined]]);
    expect(deps.out()).toBe(
      'KEY\tVALUE\tUPDATED\tDESCRIPTION\n' +
        'web.1:port\t8080\t2025-01-31T12:00:00Z\tlisten port\n' +
        'web.1:password\t********\t2025-01-31T12:00:00Z\tadmin password\n' +
        'web.1:url\t\t\twhere it listens\n',
    );
    expect(deps.out()).not.toContain('hunter2');
  });

  it('passes the prefix and prints JSON with set and secret, still masked', async () => {
    const deps = fakeDeps({ runs: { listParameters: async () => PARAMETERS.slice(1) } });
    expect(await cli(deps, '--output', 'json', 'run', 'params', 'r-1', 'web.1:')).toBe(0);
    expect(deps.argsOf('runs.listParameters')).toEqual([['r-1', 'web.1:']]);
    expect(JSON.parse(deps.out())).toEqual([
      { key: 'web.1:password', value: '********', set: true, secret: true, description: 'admin password', updatedAt: '2025-01-31T12:00:00Z' },
      { key: 'web.1:url', value: '', set: false, secret: false, description: 'where it listens', updatedAt: '' },
    ]);
  });

  it('exits 1 for an unknown run', async () => {
    const deps = fakeDeps({ runs: { listParameters: async () => Promise.reject(notFound('run', 'r-9')) } });
    expect(await run(deps, { output: 'table', id: 'r-9' })).toBe(1);
    expect(deps.err()).toBe('error: run r-9 not found\n');
  });
});
