import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { unavailable } from '../../testing/service-errors.js';
import { run } from './list.js';

const tenants = [
  { name: 'ops', displayName: 'Operators', operator: true, createdAt: new Date('2025-01-31T12:00:00Z') },
  { name: 'acme', displayName: 'Acme\tCorp', operator: false, createdAt: new Date('2025-02-01T08:30:00Z') },
];

describe('tenant list', () => {
  it('lists every tenant (all pages) as tab-separated lines, tabs in values flattened', async () => {
    const deps = fakeDeps({ tenants: { listAll: async () => tenants } });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.argsOf('tenants.listAll')).toEqual([[]]);
    expect(deps.out()).toBe(
      'NAME\tDISPLAY NAME\tOPERATOR\tCREATED\nops\tOperators\tyes\t2025-01-31T12:00:00Z\nacme\tAcme Corp\t\t2025-02-01T08:30:00Z\n',
    );
  });

  it('prints a table on a terminal', async () => {
    const deps = fakeDeps({ tenants: { listAll: async () => tenants } }, { isTTY: true });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.out().split('\n')).toEqual([
      'NAME  DISPLAY NAME  OPERATOR  CREATED',
      'ops   Operators     yes       2025-01-31T12:00:00Z',
      'acme  Acme Corp               2025-02-01T08:30:00Z',
      '',
    ]);
  });

  it('prints JSON', async () => {
    const deps = fakeDeps({ tenants: { listAll: async () => tenants } });
    expect(await run(deps, { output: 'json' })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual([
      { name: 'ops', displayName: 'Operators', operator: true, createdAt: '2025-01-31T12:00:00Z' },
      { name: 'acme', displayName: 'Acme\tCorp', operator: false, createdAt: '2025-02-01T08:30:00Z' },
    ]);
  });

  it('exits 1 with the retry delay when the controller is unavailable', async () => {
    const deps = fakeDeps({ tenants: { listAll: () => Promise.reject(unavailable('connection refused', 2_500)) } });
    expect(await run(deps, { output: 'table' })).toBe(1);
    expect(deps.err()).toBe('error: controller unavailable: connection refused (retry after 3s)\n');
    expect(deps.out()).toBe('');
  });
});
