import { describe, expect, it } from 'vitest';
import { Role } from '../../../../proto/gen/slipstream/v1/users.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { unauthenticated } from '../../testing/service-errors.js';
import { run } from './list.js';

const CREATED = new Date('2025-01-31T12:00:00Z');
const users = [
  { name: 'alice', role: Role.ROLE_ADMIN, tenant: 'acme', createdAt: CREATED },
  { name: 'bob', role: Role.ROLE_VIEWER, tenant: 'acme', createdAt: CREATED },
];

describe('user list', () => {
  it("lists the tenant's users (all pages) as tab-separated lines", async () => {
    const deps = fakeDeps({ users: { listAll: async () => users } });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.argsOf('users.listAll')).toEqual([[]]);
    expect(deps.out()).toBe(
      'NAME\tROLE\tTENANT\tCREATED\nalice\tadmin\tacme\t2025-01-31T12:00:00Z\nbob\tviewer\tacme\t2025-01-31T12:00:00Z\n',
    );
  });

  it('prints a table on a terminal', async () => {
    const deps = fakeDeps({ users: { listAll: async () => users } }, { isTTY: true });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.out().split('\n')).toEqual([
      'NAME   ROLE    TENANT  CREATED',
      'alice  admin   acme    2025-01-31T12:00:00Z',
      'bob    viewer  acme    2025-01-31T12:00:00Z',
      '',
    ]);
  });

  it('prints JSON with roles as users type them', async () => {
    const deps = fakeDeps({ users: { listAll: async () => users } });
    expect(await run(deps, { output: 'json' })).toBe(0);
    expect((JSON.parse(deps.out()) as { name: string; role: string }[]).map((u) => [u.name, u.role])).toEqual([
      ['alice', 'admin'],
      ['bob', 'viewer'],
    ]);
  });

  it('exits 4 for a rejected token', async () => {
    const deps = fakeDeps({ users: { listAll: () => Promise.reject(unauthenticated('token revoked')) } });
    expect(await run(deps, { output: 'table' })).toBe(4);
    expect(deps.err()).toBe('error: not authenticated: token revoked (check the token: slipstream context show)\n');
    expect(deps.out()).toBe('');
  });
});
