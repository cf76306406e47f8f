import { describe, expect, it } from 'vitest';
import type { Quota } from '../../../services/clouds.js';
import { runCli } from '../../program.js';
import { fakeDeps, type FakeDeps } from '../../testing/fake-deps.js';
import { notFound, permissionDenied } from '../../testing/service-errors.js';
import { run } from './set.js';

const limited: Quota = { tenant: 'acme', cloud: 'aws-eu', maxInstances: 5, usedInstances: 2 };
const unlimited: Quota = { ...limited, maxInstances: 'unlimited' };

const cli = (deps: FakeDeps, ...argv: string[]): Promise<number> => runCli(['quota', 'set', ...argv], deps, () => deps.connect());

describe('quota set', () => {
  it('sets the quota and prints it', async () => {
    const deps = fakeDeps({ clouds: { setQuota: async () => limited } });
    expect(await run(deps, { output: 'table', cloud: 'aws-eu', max: 5, tenant: 'acme' })).toBe(0);
    expect(deps.argsOf('clouds.setQuota')).toEqual([['acme', 'aws-eu', 5]]);
    expect(deps.out()).toBe('tenant\tacme\ncloud\taws-eu\nmax instances\t5\nused\t2\n');
  });

  it('prints the quota as JSON', async () => {
    const deps = fakeDeps({ clouds: { setQuota: async () => unlimited } });
    expect(await run(deps, { output: 'json', cloud: 'aws-eu', max: 'unlimited' })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual(unlimited);
  });

  it("takes MAX or --unlimited from the command line, for the caller's tenant without --tenant", async () => {
    const deps = fakeDeps({ clouds: { setQuota: async () => limited } });
    expect(await cli(deps, 'aws-eu', '0')).toBe(0);
    expect(await cli(deps, 'aws-eu', '--unlimited', '--tenant', 'acme')).toBe(0);
    expect(deps.argsOf('clouds.setQuota')).toEqual([
      [undefined, 'aws-eu', 0],
      ['acme', 'aws-eu', 'unlimited'],
    ]);
  });

  it.each([
    [['aws-eu'], 'error: give MAX (a whole number >= 0) or --unlimited'],
    [['aws-eu', '5', '--unlimited'], 'error: give MAX or --unlimited, not both'],
    [['aws-eu', '-1'], "value '-1' is invalid for argument 'max'. expected a whole number >= 0"],
    [['aws-eu', 'many'], "command-argument value 'many' is invalid for argument 'max'"],
  ])('exits 2 for %j, calling nothing', async (argv, message) => {
    const deps = fakeDeps();
    expect(await cli(deps, ...argv)).toBe(2);
    expect(deps.err()).toContain(message);
    expect(deps.out()).toBe('');
  });

  it('exits 4 for a caller who is no operator admin, and 1 for an unknown cloud', async () => {
    const denied = fakeDeps({ clouds: { setQuota: () => Promise.reject(permissionDenied('operator admins only')) } });
    expect(await run(denied, { output: 'table', cloud: 'aws-eu', max: 1 })).toBe(4);
    expect(denied.err()).toBe('error: permission denied: operator admins only\n');
    const unknown = fakeDeps({ clouds: { setQuota: () => Promise.reject(notFound('cloud', 'nope')) } });
    expect(await run(unknown, { output: 'table', cloud: 'nope', max: 1 })).toBe(1);
    expect(unknown.err()).toBe('error: cloud nope not found\n');
  });
});
