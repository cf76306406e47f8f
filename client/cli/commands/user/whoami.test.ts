import { describe, expect, it } from 'vitest';
import { Role } from '../../../../proto/gen/slipstream/v1/users.js';
import { runCli } from '../../program.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { unauthenticated, unavailable } from '../../testing/service-errors.js';
import { run } from './whoami.js';

const CREATED = new Date('2025-01-31T12:00:00Z');
const operator = {
  user: { name: 'root', role: Role.ROLE_ADMIN, tenant: 'ops', createdAt: CREATED },
  tokenName: 'bootstrap',
  operatorTenant: true,
};

describe('whoami', () => {
  it('prints user, tenant (marked operator), role and token name', async () => {
    const deps = fakeDeps({ users: { whoAmI: async () => operator } });
    expect(await runCli(['whoami'], deps, () => deps.connect())).toBe(0);
    expect(deps.argsOf('users.whoAmI')).toEqual([[]]);
    expect(deps.out()).toBe('user\troot\ntenant\tops (operator)\nrole\tadmin\ntoken\tbootstrap\n');
  });

  it('prints a table on a terminal, without the mark for other tenants', async () => {
    const me = { ...operator, user: { ...operator.user, tenant: 'acme' }, operatorTenant: false };
    const deps = fakeDeps({ users: { whoAmI: async () => me } }, { isTTY: true });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.out()).toBe('user:    root\ntenant:  acme\nrole:    admin\ntoken:   bootstrap\n');
  });

  it('prints JSON with the token name and whether the tenant is the operator', async () => {
    const deps = fakeDeps({ users: { whoAmI: async () => operator } });
    expect(await run(deps, { output: 'json' })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual({
      name: 'root',
      role: 'admin',
      tenant: 'ops',
      createdAt: '2025-01-31T12:00:00Z',
      tokenName: 'bootstrap',
      operatorTenant: true,
    });
  });

  it('exits 4 for a rejected token and 1 when the controller is unreachable', async () => {
    const rejected = fakeDeps({ users: { whoAmI: () => Promise.reject(unauthenticated('token revoked')) } });
    expect(await run(rejected, { output: 'table' })).toBe(4);
    expect(rejected.err()).toBe('error: not authenticated: token revoked (check the token: slipstream context show)\n');
    const down = fakeDeps({ users: { whoAmI: () => Promise.reject(unavailable('connection refused')) } });
    expect(await run(down, { output: 'table' })).toBe(1);
    expect(down.err()).toBe('error: controller unavailable: connection refused\n');
    expect(down.out()).toBe('');
  });
});
