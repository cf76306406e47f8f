import { describe, expect, it } from 'vitest';
import type { Usage, UsageQuery } from '../../../services/usage.js';
import { runCli } from '../../program.js';
import { fakeDeps, type FakeDeps } from '../../testing/fake-deps.js';
import { invalidArgument, notFound, permissionDenied } from '../../testing/service-errors.js';
import { parseUsageTime, run } from './show.js';

const from = new Date('2026-12-01T00:00:00Z');
const to = new Date('2026-12-08T00:00:00Z');
const row = { tenant: 'acme', user: 'alice', cloud: 'local', module: 'shop/shop', instanceHours: 12.5, runs: 3, instances: 4 };
const usage = (groupBy: string[]): Usage => ({
  rows: [row, { ...row, user: 'bob', instanceHours: 1 / 3, runs: 1, instances: 1 }],
  totals: { tenant: '', user: '', cloud: '', module: '', instanceHours: 12.5 + 1 / 3, runs: 4, instances: 5 },
  from,
  to,
  groupBy,
  asOf: new Date('2026-12-09T10:00:00Z'),
});

const cli = (deps: FakeDeps, ...argv: string[]): Promise<number> => runCli(['usage', ...argv], deps, () => deps.connect());
const queryOf = (deps: FakeDeps) => deps.argsOf('usage.get')[0]![0] as UsageQuery;

describe('usage', () => {
  it('reads the period by date or timestamp and groups by --by, totals last', async () => {
    const deps = fakeDeps({ usage: { get: async () => usage(['tenant', 'user']) } });
    expect(await cli(deps, '--from', '2026-12-01', '--to', '2026-12-08T00:00:00Z', '--by', 'user,tenant')).toBe(0);
    expect(queryOf(deps)).toEqual({ from, to, groupBy: ['user', 'tenant'] });
    expect(deps.out()).toBe(
      'TENANT\tUSER\tINSTANCE HOURS\tRUNS\tINSTANCES\nacme\talice\t12.50\t3\t4\nacme\tbob\t0.33\t1\t1\ntotal\t\t12.83\t4\t5\n',
    );
  });

  it('defaults to the 30 days up to now, every key, your tenant; a table on a terminal', async () => {
    const deps = fakeDeps({ usage: { get: async () => usage(['tenant', 'user', 'cloud', 'module']) } }, { isTTY: true });
    const before = Date.now();
    expect(await cli(deps)).toBe(0);
    const query = queryOf(deps);
    expect(query.to.getTime()).toBeGreaterThanOrEqual(before);
    expect(query.to.getTime() - query.from.getTime()).toBe(30 * 24 * 3600 * 1000);
    expect(query.groupBy).toBeUndefined();
    expect(query.tenant).toBeUndefined();
    expect(deps.out().split('\n')).toEqual([
      'TENANT  USER   CLOUD  MODULE     INSTANCE HOURS  RUNS  INSTANCES',
      'acme    alice  local  shop/shop  12.50           3     4',
      'acme    bob    local  shop/shop  0.33            1     1',
      'total                            12.83           4     5',
      '',
    ]);
  });

  it('passes --tenant or --all-tenants on; prints the whole answer as JSON', async () => {
    const deps = fakeDeps({ usage: { get: async () => usage(['cloud']) } });
    expect(await run(deps, { output: 'json', from, to, tenant: 'globex' })).toBe(0);
    expect(await run(deps, { output: 'json', from, to, allTenants: true })).toBe(0);
    expect(deps.argsOf('usage.get').map(([q]) => q)).toEqual([{ from, to, tenant: 'globex' }, { from, to, allTenants: true }]);
    const printed = JSON.parse(deps.out().split('\n}\n')[0]! + '\n}') as Record<string, unknown>;
    expect(printed).toEqual({
      from: '2026-12-01T00:00:00Z', to: '2026-12-08T00:00:00Z', asOf: '2026-12-09T10:00:00Z', groupBy: ['cloud'],
      rows: [row, { ...row, user: 'bob', instanceHours: 1 / 3, runs: 1, instances: 1 }],
      totals: { tenant: '', user: '', cloud: '', module: '', instanceHours: 12.5 + 1 / 3, runs: 4, instances: 5 },
    });
  });

  it.each([
    [['--from', '2026-13-01'], "option '--from <date>' argument '2026-13-01' is invalid. expected a date (2026-12-01, UTC)"],
    [['--from', '2026-02-30'], "argument '2026-02-30' is invalid"],
    [['--to', 'yesterday'], "option '--to <date>' argument 'yesterday' is invalid"],
    [['--to', '2026-12-01T10:00:00'], 'or an ISO timestamp with its zone'],
    [['--by', 'tenant,project'], "option '--by <keys>' argument 'tenant,project' is invalid. expected keys among tenant, user, cloud, module, comma-separated (unknown: project)"],
    [['--tenant', 'acme', '--all-tenants'], 'error: give --tenant or --all-tenants, not both'],
  ])('exits 2 for %j, calling nothing', async (argv, message) => {
    const deps = fakeDeps();
    expect(await cli(deps, ...argv)).toBe(2);
    expect(deps.err()).toContain(message);
    expect(deps.calls).toEqual([]);
  });

  it("prints the controller's field violations and exits 1 (a period the controller refuses)", async () => {
    const deps = fakeDeps({ usage: { get: () => Promise.reject(invalidArgument([{ field: 'to', description: 'must be after from' }])) } });
    expect(await cli(deps, '--from', '2026-12-08', '--to', '2026-12-01')).toBe(1);
    expect(deps.err()).toBe('error: invalid argument (1 violation):\n  to: must be after from\n');
    expect(deps.out()).toBe('');
  });

  it('exits 4 when the caller is no admin, and 1 for a tenant it cannot see', async () => {
    const denied = fakeDeps({ usage: { get: () => Promise.reject(permissionDenied("GetUsage needs the admin role; user 'vic' is viewer")) } });
    expect(await cli(denied)).toBe(4);
    expect(denied.err()).toBe("error: permission denied: GetUsage needs the admin role; user 'vic' is viewer\n");
    const missing = fakeDeps({ usage: { get: () => Promise.reject(notFound('tenant', 'globex')) } });
    expect(await cli(missing, '--tenant', 'globex')).toBe(1);
    expect(missing.err()).toContain('globex');
  });
});

describe('parseUsageTime', () => {
  it('reads a day as midnight UTC and a timestamp with its zone', () => {
    expect(parseUsageTime('2026-12-01')).toEqual(from);
    expect(parseUsageTime('2026-12-01T09:30:00+01:00')).toEqual(new Date('2026-12-01T08:30:00Z'));
    expect(parseUsageTime('2026-12-01T08:30Z')).toEqual(new Date('2026-12-01T08:30:00Z'));
  });
});
