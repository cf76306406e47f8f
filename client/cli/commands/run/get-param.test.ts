import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aParameter } from '../../testing/runs.js';
import { notFound, permissionDenied } from '../../testing/service-errors.js';
import { run } from './get-param.js';

const PASSWORD = aParameter({ key: 'web.1:password', value: 'hunter2', secret: true, description: 'admin password' });

describe('run get-param', () => {
  it('prints the parameter field by field, a password masked', async () => {
    const deps = fakeDeps({ runs: { getParameter: async () => PASSWORD } });
    expect(await run(deps, { output: 'table', id: 'r-1', key: 'web.1:password' })).toBe(0);
    expect(deps.argsOf('runs.getParameter')).toEqual([['r-1', 'web.1:password', { reveal: false }]]);
    expect(deps.out()).toBe(
      'key\tweb.1:password\nvalue\t********\nset\tyes\nsecret\tyes\nupdated\t2025-01-31T12:00:00Z\ndescription\tadmin password\n',
    );
    expect(deps.err()).toBe('');
  });

  it('asks the server to reveal a password, prints it as JSON and says the run records it', async () => {
    const deps = fakeDeps({ runs: { getParameter: async () => PASSWORD } });
    expect(await run(deps, { output: 'json', id: 'r-1', key: 'web.1:password', reveal: true })).toBe(0);
    expect(deps.argsOf('runs.getParameter')).toEqual([['r-1', 'web.1:password', { reveal: true }]]);
    expect(JSON.parse(deps.out())).toMatchObject({ key: 'web.1:password', value: 'hunter2', set: true, secret: true });
    expect(deps.err()).toBe('revealed web.1:password; the run records it as an event\n');
  });

  it('exits 4 when a viewer asks to reveal', async () => {
    const deps = fakeDeps({ runs: { getParameter: async () => Promise.reject(permissionDenied('revealing a password needs the deployer role')) } });
    expect(await run(deps, { output: 'table', id: 'r-1', key: 'web.1:password', reveal: true })).toBe(4);
    expect(deps.err()).toBe('error: permission denied: revealing a password needs the deployer role\n');
    expect(deps.out()).toBe('');
  });

  it('exits 1 for an unknown parameter', async () => {
    const deps = fakeDeps({ runs: { getParameter: async () => Promise.reject(notFound('parameter', 'web.1:nope')) } });
    expect(await run(deps, { output: 'table', id: 'r-1', key: 'web.1:nope' })).toBe(1);
    expect(deps.err()).toBe('error: parameter web.1:nope not found\n');
  });
});
