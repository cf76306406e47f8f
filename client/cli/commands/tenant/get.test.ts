import { describe, expect, it } from 'vitest';
import { runCli } from '../../program.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { notFound } from '../../testing/service-errors.js';
import { run } from './get.js';

const operator = { tenant: { name: 'ops', displayName: 'Operators', operator: true, createdAt: new Date('2025-01-31T12:00:00Z') } };

describe('tenant get', () => {
  it('prints the named tenant as field lines', async () => {
    const deps = fakeDeps({ tenants: { get: async () => operator } });
    expect(await run(deps, { output: 'table', name: 'ops' })).toBe(0);
    expect(deps.argsOf('tenants.get')).toEqual([[{ name: 'ops' }]]);
    expect(deps.out()).toBe('name\tops\ndisplay name\tOperators\noperator\tyes\ncreated\t2025-01-31T12:00:00Z\n');
  });

  it("asks for the caller's own tenant without a name, and prints JSON", async () => {
    const deps = fakeDeps({ tenants: { get: async () => operator } });
    expect(await runCli(['--output', 'json', 'tenant', 'get'], deps, () => deps.connect())).toBe(0);
    expect(deps.argsOf('tenants.get')).toEqual([[{ name: undefined }]]);
    expect(JSON.parse(deps.out())).toEqual({ name: 'ops', displayName: 'Operators', operator: true, createdAt: '2025-01-31T12:00:00Z' });
  });

  it('exits 1 for an unknown tenant (or one the caller may not see)', async () => {
    const deps = fakeDeps({ tenants: { get: () => Promise.reject(notFound('tenant', 'nope')) } });
    expect(await run(deps, { output: 'table', name: 'nope' })).toBe(1);
    expect(deps.err()).toBe('error: tenant nope not found\n');
    expect(deps.out()).toBe('');
  });
});
