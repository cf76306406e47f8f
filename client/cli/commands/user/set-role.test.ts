import { describe, expect, it } from 'vitest';
import { Role } from '../../../../proto/gen/slipstream/v1/users.js';
import { runCli } from '../../program.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { failedPrecondition, permissionDenied } from '../../testing/service-errors.js';
import { run } from './set-role.js';

const bob = { user: { name: 'bob', role: Role.ROLE_ADMIN, tenant: 'acme', createdAt: new Date('2025-01-31T12:00:00Z') } };

describe('user set-role', () => {
  it('sends the new role on the wire and prints the user', async () => {
    const deps = fakeDeps({ users: { update: async () => bob } });
    expect(await run(deps, { output: 'table', name: 'bob', role: 'admin' })).toBe(0);
    expect(deps.argsOf('users.update')).toEqual([[{ name: 'bob', role: Role.ROLE_ADMIN }]]);
    expect(deps.out()).toBe('name\tbob\nrole\tadmin\ntenant\tacme\ncreated\t2025-01-31T12:00:00Z\n');
  });

  it('takes NAME and ROLE from the command line and prints JSON', async () => {
    const deps = fakeDeps({ users: { update: async () => bob } });
    expect(await runCli(['--output', 'json', 'user', 'set-role', 'bob', 'admin'], deps, () => deps.connect())).toBe(0);
    expect(deps.argsOf('users.update')).toEqual([[{ name: 'bob', role: Role.ROLE_ADMIN }]]);
    expect(JSON.parse(deps.out())).toEqual({ name: 'bob', role: 'admin', tenant: 'acme', createdAt: '2025-01-31T12:00:00Z' });
  });

  it('exits 2 for a role that does not exist, calling nothing', async () => {
    const deps = fakeDeps();
    expect(await runCli(['user', 'set-role', 'bob', 'owner'], deps, () => deps.connect())).toBe(2);
    expect(deps.err()).toContain("command-argument value 'owner' is invalid for argument 'role'");
  });

  it('exits 1 when the change is refused, and 4 for a caller who is no admin', async () => {
    const refused = fakeDeps({ users: { update: () => Promise.reject(failedPrecondition('the last admin must stay admin')) } });
    expect(await run(refused, { output: 'table', name: 'root', role: 'viewer' })).toBe(1);
    expect(refused.err()).toBe('error: the last admin must stay admin\n');
    const denied = fakeDeps({ users: { update: () => Promise.reject(permissionDenied('admins only')) } });
    expect(await run(denied, { output: 'table', name: 'bob', role: 'admin' })).toBe(4);
    expect(denied.err()).toBe('error: permission denied: admins only\n');
    expect(denied.out()).toBe('');
  });
});
