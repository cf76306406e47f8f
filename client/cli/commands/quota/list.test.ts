import { describe, expect, it } from 'vitest';
import type { Quota } from '../../../services/clouds.js';
import { runCli } from '../../program.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { permissionDenied } from '../../testing/service-errors.js';
import { run } from './list.js';

const quotas: Quota[] = [
  { tenant: 'acme', cloud: 'aws-eu', maxInstances: 10, usedInstances: 3 },
  { tenant: 'acme', cloud: 'local', maxInstances: 0, usedInstances: 0 },
];

describe('quota list', () => {
  it("lists the caller's tenant's quotas without --tenant", async () => {
    const deps = fakeDeps({ clouds: { listQuotas: async () => quotas } });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.argsOf('clouds.listQuotas')).toEqual([[undefined]]);
    expect(deps.out()).toBe('TENANT\tCLOUD\tMAX INSTANCES\tUSED\nacme\taws-eu\t10\t3\nacme\tlocal\t0\t0\n');
  });

  it('passes --tenant on, and prints a table on a terminal', async () => {
    const deps = fakeDeps({ clouds: { listQuotas: async () => quotas } }, { isTTY: true });
    expect(await runCli(['quota', 'list', '--tenant', 'acme'], deps, () => deps.connect())).toBe(0);
    expect(deps.argsOf('clouds.listQuotas')).toEqual([['acme']]);
    expect(deps.out().split('\n')).toEqual([
      'TENANT  CLOUD   MAX INSTANCES  USED',
      'acme    aws-eu  10             3',
      'acme    local   0              0',
      '',
    ]);
  });

  it('prints the quotas as JSON', async () => {
    const deps = fakeDeps({ clouds: { listQuotas: async () => quotas } });
    expect(await run(deps, { output: 'json', tenant: 'acme' })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual(quotas);
  });

  it("exits 4 when another tenant's quotas are asked for by someone who is no operator admin", async () => {
    const deps = fakeDeps({ clouds: { listQuotas: () => Promise.reject(permissionDenied('operator admins only')) } });
    expect(await run(deps, { output: 'table', tenant: 'other' })).toBe(4);
    expect(deps.err()).toBe('error: permission denied: operator admins only\n');
    expect(deps.out()).toBe('');
  });
});
