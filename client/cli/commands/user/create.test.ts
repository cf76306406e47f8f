import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Role } from '../../../../proto/gen/slipstream/v1/users.js';
import { errorFromStatus } from '../../../errors.js';
import { runCli } from '../../program.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { permissionDenied } from '../../testing/service-errors.js';
import { run } from './create.js';

const bob = { user: { name: 'bob', role: Role.ROLE_DEPLOYER, tenant: 'acme', createdAt: new Date('2025-01-31T12:00:00Z') } };

describe('user create', () => {
  it('creates the user with the role on the wire and prints it', async () => {
    const deps = fakeDeps({ users: { create: async () => bob } });
    expect(await run(deps, { output: 'table', name: 'bob', role: 'deployer' })).toBe(0);
    expect(deps.argsOf('users.create')).toEqual([[{ name: 'bob', role: Role.ROLE_DEPLOYER }]]);
    expect(deps.out()).toBe('name\tbob\nrole\tdeployer\ntenant\tacme\ncreated\t2025-01-31T12:00:00Z\n');
  });

  it('prints the user as JSON', async () => {
    const deps = fakeDeps({ users: { create: async () => bob } });
    expect(await runCli(['--output', 'json', 'user', 'create', 'bob', '--role', 'deployer'], deps, () => deps.connect())).toBe(0);
    expect(deps.argsOf('users.create')).toEqual([[{ name: 'bob', role: Role.ROLE_DEPLOYER }]]);
    expect(JSON.parse(deps.out())).toEqual({ name: 'bob', role: 'deployer', tenant: 'acme', createdAt: '2025-01-31T12:00:00Z' });
  });

  it('exits 2 for a role that does not exist, calling nothing', async () => {
    const deps = fakeDeps();
    expect(await runCli(['user', 'create', 'bob', '--role', 'owner'], deps, () => deps.connect())).toBe(2);
    expect(deps.err()).toContain("option '--role <role>' argument 'owner' is invalid. Allowed choices are viewer, deployer, editor, admin");
  });

  it('exits 1 when the user exists, and 4 for a caller who is no admin', async () => {
    const exists = errorFromStatus({ code: status.ALREADY_EXISTS, message: "user 'bob' already exists" });
    const taken = fakeDeps({ users: { create: () => Promise.reject(exists) } });
    expect(await run(taken, { output: 'table', name: 'bob', role: 'viewer' })).toBe(1);
    expect(taken.err()).toBe("error: user 'bob' already exists\n");
    const denied = fakeDeps({ users: { create: () => Promise.reject(permissionDenied('admins only')) } });
    expect(await run(denied, { output: 'table', name: 'bob', role: 'viewer' })).toBe(4);
    expect(denied.err()).toBe('error: permission denied: admins only\n');
    expect(denied.out()).toBe('');
  });
});
