import { describe, expect, it } from 'vitest';
import { Role } from '../../../../proto/gen/slipstream/v1/users.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { notFound } from '../../testing/service-errors.js';
import { run } from './get.js';

const CREATED = new Date('2025-01-31T12:00:00Z');
const bob = { user: { name: 'bob', role: Role.ROLE_EDITOR, tenant: 'acme', createdAt: CREATED } };
const me = {
  user: { name: 'alice', role: Role.ROLE_ADMIN, tenant: 'acme', createdAt: CREATED },
  tokenName: 'laptop',
  operatorTenant: false,
};

describe('user get', () => {
  it('prints the named user as field lines', async () => {
    const deps = fakeDeps({ users: { get: async () => bob } });
    expect(await run(deps, { output: 'table', name: 'bob' })).toBe(0);
    expect(deps.argsOf('users.get')).toEqual([[{ name: 'bob' }]]);
    expect(deps.out()).toBe('name\tbob\nrole\teditor\ntenant\tacme\ncreated\t2025-01-31T12:00:00Z\n');
  });

  it('shows the caller without a name (whoAmI), as JSON', async () => {
    const deps = fakeDeps({ users: { whoAmI: async () => me } });
    expect(await run(deps, { output: 'json' })).toBe(0);
    expect(deps.argsOf('users.whoAmI')).toEqual([[]]);
    expect(JSON.parse(deps.out())).toEqual({ name: 'alice', role: 'admin', tenant: 'acme', createdAt: '2025-01-31T12:00:00Z' });
  });

  it('prints a table on a terminal, and an unknown role as such', async () => {
    const odd = { user: { name: 'eve', role: Role.ROLE_UNSPECIFIED, tenant: 'acme', createdAt: CREATED } };
    const deps = fakeDeps({ users: { get: async () => odd } }, { isTTY: true });
    expect(await run(deps, { output: 'table', name: 'eve' })).toBe(0);
    expect(deps.out()).toBe('name:     eve\nrole:     unknown\ntenant:   acme\ncreated:  2025-01-31T12:00:00Z\n');
  });

  it('exits 1 for an unknown user', async () => {
    const deps = fakeDeps({ users: { get: () => Promise.reject(notFound('user', 'nobody')) } });
    expect(await run(deps, { output: 'table', name: 'nobody' })).toBe(1);
    expect(deps.err()).toBe('error: user nobody not found\n');
    expect(deps.out()).toBe('');
  });
});
